import Foundation
import GGUF
import JSON
import SafeTensors
import TensorCore

/// A Hugging Face LLaMA-family checkpoint written as a GGUF file that llama.cpp loads: the metadata llama.cpp's
/// own `convert_hf_to_gguf.py` writes for `llama` and `qwen2` (hyperparameters, the byte-level BPE vocabulary
/// with token types, merges and special ids, the chat template), tensors renamed, q/k rows of `llama` models
/// permuted as llama.cpp expects, norms and biases in F32 and matrices as the chosen type.
///
/// A heterogeneous checkpoint (`per_layer_config`: MultiPruner's and BlockPruner's outputs) becomes llama.cpp's
/// `deci` architecture (the one its DeciLM/Nemotron-NAS converter writes): `feed_forward_length`,
/// `attention.head_count` and `attention.head_count_kv` are per-layer arrays (a skipped attention sub-block is
/// 0 heads and 0 KV heads: llama.cpp passes the stream through), every layer's q/k rows are permuted with its own
/// head counts (deci uses llama's rotary layout, whatever the source model type; qwen2's q/k biases go along).
/// Two quirks of llama.cpp's deci graph (llama-cpp-python 0.3.36, `src/models/deci.cpp`) are met by construction:
/// a layer with `n_ff = 0` is skipped whole (`continue` before the attention residual is added), so a layer that
/// keeps its attention but not its MLP carries a zero MLP of `zeroMLPWidth` channels (gate, up and down zero, norm
/// one: it adds exactly 0); and the head size is read only when layer 0 has heads, so a checkpoint whose layer 0
/// skips attention is refused.
public struct GGUFExport {
    public enum MatrixType: String, CaseIterable, Sendable {
        case f32, f16, bf16, q8_0
        var ggml: GGMLType { [.f32: GGMLType.f32, .f16: .f16, .bf16: .bf16, .q8_0: .q8_0][self]! }
        /// llama.cpp's `general.file_type` (llama_ftype): ALL_F32 0, MOSTLY_F16 1, MOSTLY_Q8_0 7, MOSTLY_BF16 32.
        var fileType: UInt32 { [.f32: 0, .f16: 1, .q8_0: 7, .bf16: 32][self]! }
    }

    public let checkpoint: LlamaCheckpoint
    /// `llama`, `qwen2`, or `deci` for a heterogeneous checkpoint.
    public let architecture: String
    /// Channels of the zero MLP that stands in for a skipped one in a `deci` file (a multiple of 32, Q8_0's block).
    public static let zeroMLPWidth = 32
    let tokenizer: JSONObject
    let tokenizerConfig: JSONObject?

    public init(checkpoint: LlamaCheckpoint) throws {
        self.checkpoint = checkpoint
        let c = checkpoint.config
        switch c.modelType {
        case "llama", "mistral": architecture = c.isHeterogeneous ? "deci" : "llama"
        case "qwen2": architecture = c.isHeterogeneous ? "deci" : "qwen2"
        case DeciLM.modelType: architecture = "deci"
        default:
            throw LlamaError.notExportable(file: c.source, key: "model_type", reason: "'\(c.modelType)' has no GGUF export here (llama, mistral, qwen2, \(DeciLM.modelType))")
        }
        if architecture == "deci" && !c.layerShape(ofLayer: 0).hasAttention {
            throw LlamaError.notExportable(file: c.source, key: c.modelType == DeciLM.modelType ? "block_configs[0].attention" : "per_layer_config.0.skip",
                reason: "layer 0 skips attention, and llama.cpp's deci architecture reads the head size only from layer 0's heads")
        }
        if let s = c.ropeScaling, s.type != "linear" && s.type != "yarn" {
            throw LlamaError.notExportable(file: c.source, key: "rope_scaling", reason: "type '\(s.type)' has no GGUF export here (linear, yarn)")
        }
        func readJSON(_ name: String) throws -> JSONObject? {
            let url = checkpoint.directory.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.path) else { return nil }
            guard let o = try JSONParser.parse(Array(try FileContents.read(url))).objectValue else {
                throw LlamaError.notExportable(file: url.path, key: "the document", reason: "is not a JSON object")
            }
            return o
        }
        guard let tj = try readJSON("tokenizer.json") else {
            throw LlamaError.notExportable(file: checkpoint.directory.appendingPathComponent("tokenizer.json").path,
                                           key: "the file", reason: "is missing (a GGUF file carries the vocabulary)")
        }
        tokenizer = tj
        tokenizerConfig = try readJSON("tokenizer_config.json")
    }

    /// Writes the GGUF file atomically.
    @discardableResult
    public func write(to url: URL, type: MatrixType, replace: Bool, progress: ((Int, Int) -> Void)? = nil) throws -> FileDigest {
        let writer = GGUFWriter(metadata: try metadata(type: type), tensors: try tensors(type: type))
        return try writer.write(to: url, replace: replace, progress: progress)
    }

    // MARK: tensors

    func tensors(type: MatrixType) throws -> [GGUFWriter.Tensor] {
        let c = checkpoint.config
        let weights = checkpoint.weights
        let blockElements = type.ggml.block?.elements ?? 1
        var out: [GGUFWriter.Tensor] = []
        /// Whether a [rows, cols] tensor is stored as `type` (matrices whose rows fill whole blocks) or as F32.
        func target(_ shape: [Int]) -> MatrixType { shape.count == 2 && shape[1] % blockElements == 0 ? type : .f32 }
        func add(_ hf: String, permuteHeads: Int? = nil) throws {
            guard let gguf = GGUFModelImport.ggufName(hf) else {
                throw LlamaError.unexpectedTensor(tensor: hf, file: try weights.file(containing: hf).url.path, reason: "has no GGUF name")
            }
            let shape = try weights.tensorInfo(hf).shape
            let t = target(shape)
            out.append(GGUFWriter.Tensor(name: gguf, shape: shape, type: t.ggml) {
                var w = try weights.floats(hf)
                weights.releasePages(hf)
                if let heads = permuteHeads {
                    GGUFModelImport.permuteRows(&w, rows: shape[0], cols: shape.count > 1 ? shape[1] : 1, heads: heads)
                }
                return try Self.encode(w, as: t, tensor: hf)
            })
        }
        try add(WeightName.embedTokens)
        let permutes = architecture != "qwen2"
        for i in 0..<c.numHiddenLayers {
            let shape = c.layerShape(ofLayer: i)
            for part in WeightName.LayerPart.allCases where part != .rotaryInvFreq {
                let n = WeightName.layer(i, part)
                guard weights.contains(n) else { continue }
                var heads: Int? = nil
                if permutes && [.qProj, .qProjBias].contains(part) { heads = shape.heads }
                if permutes && [.kProj, .kProjBias].contains(part) { heads = shape.kvHeads }
                try add(n, permuteHeads: heads)
            }
            if architecture == "deci" && shape.hasAttention && !shape.hasMLP { out += zeroMLP(layer: i, type: type) }
        }
        try add(WeightName.finalNorm)
        if !c.tieWordEmbeddings { try add(WeightName.lmHead) }
        return out
    }

    /// The stand-in for layer `i`'s skipped MLP in a `deci` file (see the type's comment): `ffn_norm` ones (F32),
    /// `ffn_gate`, `ffn_up` [w, D] and `ffn_down` [D, w] zero, w = `zeroMLPWidth`; silu(0)·0 = 0, so it adds 0.
    func zeroMLP(layer i: Int, type: MatrixType) -> [GGUFWriter.Tensor] {
        let d = checkpoint.config.hiddenSize, w = Self.zeroMLPWidth
        func tensor(_ name: String, _ shape: [Int], _ value: Float, _ t: MatrixType) -> GGUFWriter.Tensor {
            GGUFWriter.Tensor(name: "blk.\(i).\(name)", shape: shape, type: t.ggml) {
                try Self.encode([Float](repeating: value, count: shape.reduce(1, *)), as: t, tensor: "blk.\(i).\(name)")
            }
        }
        let matrix = d % (type.ggml.block?.elements ?? 1) == 0 ? type : .f32
        return [tensor("ffn_norm.weight", [d], 1, .f32), tensor("ffn_gate.weight", [w, d], 0, matrix),
                tensor("ffn_up.weight", [w, d], 0, matrix), tensor("ffn_down.weight", [d, w], 0, type)]
    }

    /// values: [n] Float32 → the bytes of `type` ([n]·4, [n]·2, or [n/32]·34).
    static func encode(_ values: [Float], as type: MatrixType, tensor: String) throws -> [UInt8] {
        var out: [UInt8]
        switch type {
        case .f32, .f16, .bf16:
            // The safetensors writer's encoder: the same rounding and the same float16 range check.
            let dtype: DType = type == .f32 ? .f32 : type == .f16 ? .f16 : .bf16
            out = []
            out.reserveCapacity(values.count * dtype.bitSize / 8)
            try values.withUnsafeBufferPointer { v in
                try TensorWriteSource.encode(v, as: dtype, tensor: tensor) { out.append(contentsOf: $0) }
            }
        case .q8_0:
            out = [UInt8](repeating: 0, count: values.count / 32 * 34)
            values.withUnsafeBufferPointer { v in
                out.withUnsafeMutableBytes { Quantize.q8_0(v.baseAddress!, count: v.count / 32, into: $0.baseAddress!) }
            }
        }
        return out
    }

    // MARK: metadata

    func metadata(type: MatrixType) throws -> [(String, GGUFValue)] {
        let c = checkpoint.config
        let a = architecture
        var m: [(String, GGUFValue)] = [
            ("general.architecture", .string(a)),
            ("general.type", .string("model")),
            ("general.name", .string(checkpoint.directory.lastPathComponent)),
            ("\(a).block_count", .uint32(UInt32(c.numHiddenLayers))),
            ("\(a).context_length", .uint32(UInt32(c.maxPositionEmbeddings ?? 2048))),
            ("\(a).embedding_length", .uint32(UInt32(c.hiddenSize))),
        ]
        if a == "deci" {
            // Per-layer arrays, int32 elements as gguf-py writes Python ints (DeciModel.set_gguf_parameters).
            let shapes = (0..<c.numHiddenLayers).map { c.layerShape(ofLayer: $0) }
            func array(_ f: (LayerShape) -> Int) -> GGUFValue { .array(elementType: "int32", shapes.map { .int32(Int32(f($0))) }) }
            m.append(("deci.feed_forward_length", array { $0.hasMLP ? $0.intermediateSize : Self.zeroMLPWidth }))
            m.append(("deci.attention.head_count", array { $0.hasAttention ? $0.heads : 0 }))
            m.append(("deci.attention.head_count_kv", array { $0.hasAttention ? $0.kvHeads : 0 }))
        } else {
            m.append(("\(a).feed_forward_length", .uint32(UInt32(c.intermediateSize))))
            m.append(("\(a).attention.head_count", .uint32(UInt32(c.numAttentionHeads))))
            m.append(("\(a).attention.head_count_kv", .uint32(UInt32(c.numKeyValueHeads))))
        }
        m += [
            ("\(a).rope.freq_base", .float32(Float(c.ropeTheta))),
            ("\(a).attention.layer_norm_rms_epsilon", .float32(Float(c.rmsNormEps))),
        ]
        m.append(("\(a).attention.key_length", .uint32(UInt32(c.headDim))))
        m.append(("\(a).attention.value_length", .uint32(UInt32(c.headDim))))
        if a != "qwen2" {
            m.append(("\(a).vocab_size", .uint32(UInt32(c.vocabSize))))
            m.append(("\(a).rope.dimension_count", .uint32(UInt32(c.headDim))))
        }
        if let s = c.ropeScaling, let factor = s.factor {
            m.append(("\(a).rope.scaling.type", .string(s.type)))
            m.append(("\(a).rope.scaling.factor", .float32(Float(factor))))
            if let original = s.originalMaxPositionEmbeddings {
                m.append(("\(a).rope.scaling.original_context_length", .uint32(UInt32(original))))
            }
        }
        m.append(("general.file_type", .uint32(type.fileType)))
        m.append(("general.quantization_version", .uint32(2)))
        m += try vocabulary()
        return m
    }

    /// The `tokenizer.*` keys, as llama.cpp's converter writes them for a byte-level BPE tokenizer.json:
    /// tokens for ids 0..<vocab_size (ids without a token become `[PADi]`, type UNUSED 5), types NORMAL 1,
    /// CONTROL 3 (special added tokens) and USER_DEFINED 4 (other added tokens), merges as "a b".
    func vocabulary() throws -> [(String, GGUFValue)] {
        let c = checkpoint.config
        let file = checkpoint.directory.appendingPathComponent("tokenizer.json").path
        guard let model = tokenizer["model"]?.objectValue, model["type"]?.stringValue == "BPE",
              let vocab = model["vocab"]?.objectValue else {
            throw LlamaError.notExportable(file: file, key: "model", reason: "is not a byte-level BPE vocabulary (the only kind exported to GGUF here)")
        }
        let pre = try preTokenizerName(file: file)
        var byID: [Int: (String, Int)] = [:]
        for member in vocab.members {
            guard let id = member.value.intValue else { continue }
            byID[id] = (member.key, 1)
        }
        for added in tokenizer["added_tokens"]?.arrayValue ?? [] {
            guard let id = added["id"]?.intValue, let content = added["content"]?.stringValue else { continue }
            byID[id] = (content, added["special"]?.boolValue == true ? 3 : 4)
        }
        let count = max(c.vocabSize, (byID.keys.max() ?? -1) + 1)
        var tokens: [GGUFValue] = [], types: [GGUFValue] = []
        tokens.reserveCapacity(count); types.reserveCapacity(count)
        for id in 0..<count {
            let (t, type) = byID[id] ?? ("[PAD\(id)]", 5)
            tokens.append(.string(t)); types.append(.int32(Int32(type)))
        }
        var merges: [GGUFValue] = []
        for m in model["merges"]?.arrayValue ?? [] {
            if let s = m.stringValue { merges.append(.string(s)) }
            else if let pair = m.arrayValue, pair.count == 2, let x = pair[0].stringValue, let y = pair[1].stringValue {
                merges.append(.string(x + " " + y))
            }
        }
        var out: [(String, GGUFValue)] = [
            ("tokenizer.ggml.model", .string("gpt2")), ("tokenizer.ggml.pre", .string(pre)),
            ("tokenizer.ggml.tokens", .array(elementType: "string", tokens)),
            ("tokenizer.ggml.token_type", .array(elementType: "int32", types)),
            ("tokenizer.ggml.merges", .array(elementType: "string", merges)),
        ]
        func id(ofToken key: String) -> Int? {
            let value = tokenizerConfig?[key]
            guard let content = value?.stringValue ?? value?["content"]?.stringValue else { return nil }
            return byID.first(where: { $0.value.0 == content })?.key
        }
        let config = c.raw
        for (ggml, configKey, tokenKey) in [("bos_token_id", "bos_token_id", "bos_token"), ("eos_token_id", "eos_token_id", "eos_token"),
                                            ("unknown_token_id", "", "unk_token"), ("padding_token_id", "pad_token_id", "pad_token")] {
            if let v = config[configKey]?.intValue ?? id(ofToken: tokenKey) { out.append(("tokenizer.ggml.\(ggml)", .uint32(UInt32(v)))) }
        }
        if checkpoint.config.modelType != "qwen2" {   // as convert_hf_to_gguf.py: written for llama models, not for qwen2
            out.insert(("tokenizer.ggml.add_space_prefix", .bool(tokenizerConfig?["add_prefix_space"]?.boolValue ?? false)), at: 0)
        }
        out.append(("tokenizer.ggml.add_bos_token", .bool(tokenizerConfig?["add_bos_token"]?.boolValue ?? false)))
        out.append(("tokenizer.ggml.add_eos_token", .bool(tokenizerConfig?["add_eos_token"]?.boolValue ?? false)))
        if let template = tokenizerConfig?["chat_template"]?.stringValue { out.append(("tokenizer.chat_template", .string(template))) }
        return out
    }

    /// The llama.cpp pre-tokenizer name whose split equals tokenizer.json's `pre_tokenizer` (the table of
    /// `GGUFTokenizerImport.preTokenizers`, compared step by step on what changes the split: the step types,
    /// Digits' individual flag, Split's regex, ByteLevel's use_regex and add_prefix_space).
    func preTokenizerName(file: String) throws -> String {
        func signature(_ v: JSONValue?) -> String {
            guard let o = v?.objectValue else { return "none" }
            switch o["type"]?.stringValue ?? "" {
            case "Sequence": return (o["pretokenizers"]?.arrayValue ?? []).map { signature($0) }.joined(separator: "+")
            case "ByteLevel": return "ByteLevel(\(o["use_regex"]?.boolValue ?? true),\(o["add_prefix_space"]?.boolValue ?? false))"
            case "Digits": return "Digits(\(o["individual_digits"]?.boolValue ?? false))"
            case "Split": return "Split(\(o["pattern"]?["Regex"]?.stringValue ?? o["pattern"]?["String"]?.stringValue ?? ""),\(o["behavior"]?.stringValue ?? ""))"
            case let t: return t
            }
        }
        let ours = signature(tokenizer["pre_tokenizer"])
        for name in ["gpt-2", "smollm", "qwen2", "llama-bpe"] where signature(GGUFTokenizerImport.preTokenizers[name]) == ours {
            return name
        }
        throw LlamaError.notExportable(file: file, key: "pre_tokenizer",
            reason: "matches none of the llama.cpp pre-tokenizers replaceme can name (gpt-2, smollm, qwen2, llama-bpe): \(ours)")
    }
}
