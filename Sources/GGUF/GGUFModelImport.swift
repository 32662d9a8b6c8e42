import JSON

/// What a GGUF file of a LLaMA-family model (`general.architecture` = `llama` or `qwen2`) is as a Hugging Face
/// checkpoint: the tensor names, the row permutation to undo, config.json and generation_config.json.
///
/// llama.cpp's converter reorders the rows of `q_proj` and `k_proj` of `llama` models (and their biases) so
/// that each head's rotary pairs are interleaved: HF row h·hd + j·hd/2 + i becomes GGUF row h·hd + 2i + j
/// (head h, pair i < hd/2, half j ∈ {0, 1}); `unpermuteRows` inverts it. `qwen2` files keep HF's order.
public struct GGUFModelImport {
    public static let architectures = ["llama", "qwen2"]

    public let file: GGUFFile
    public let architecture: String
    public let layers: Int
    public let heads: Int
    public let kvHeads: Int
    /// One entry per GGUF tensor: its HF name and, for q/k of llama files, the head count whose rows to unpermute.
    public let tensors: [(gguf: String, hf: String, unpermuteHeads: Int?)]

    public init(_ file: GGUFFile) throws {
        self.file = file
        let arch = try file.string("general.architecture")
        guard Self.architectures.contains(arch) else {
            throw GGUFError.unsupportedModel(file: file.path, key: "general.architecture", value: arch, supported: Self.architectures)
        }
        architecture = arch
        layers = try file.int("\(arch).block_count")
        heads = try file.int("\(arch).attention.head_count")
        kvHeads = try file.int("\(arch).attention.head_count_kv")
        guard layers > 0, heads > 0, kvHeads > 0, heads % kvHeads == 0 else {
            throw GGUFError.invalidMetadata(file: file.path, key: "\(arch).attention.head_count_kv",
                reason: "\(layers) layers, \(heads) heads and \(kvHeads) KV heads do not describe a model")
        }
        var mapped: [(String, String, Int?)] = []
        for t in file.tensors {
            guard let hf = Self.hfName(t.name, layers: layers) else {
                if t.name == "rope_freqs.weight" {
                    throw GGUFError.invalidTensor(file: file.path, tensor: t.name,
                        reason: "Llama-3-style rope scaling stored as per-frequency factors is not supported")
                }
                throw GGUFError.invalidTensor(file: file.path, tensor: t.name, reason: "not a tensor of a \(arch) model")
            }
            var permute: Int? = nil
            if arch == "llama" {
                if t.name.hasSuffix(".attn_q.weight") || t.name.hasSuffix(".attn_q.bias") { permute = heads }
                if t.name.hasSuffix(".attn_k.weight") || t.name.hasSuffix(".attn_k.bias") { permute = kvHeads }
            }
            mapped.append((t.name, hf, permute))
        }
        tensors = mapped
    }

    /// GGUF per-layer tensor suffix → HF LLaMA per-layer name.
    static let layerNames: [String: String] = [
        "attn_norm.weight": "input_layernorm.weight", "ffn_norm.weight": "post_attention_layernorm.weight",
        "attn_q.weight": "self_attn.q_proj.weight", "attn_k.weight": "self_attn.k_proj.weight",
        "attn_v.weight": "self_attn.v_proj.weight", "attn_output.weight": "self_attn.o_proj.weight",
        "attn_q.bias": "self_attn.q_proj.bias", "attn_k.bias": "self_attn.k_proj.bias",
        "attn_v.bias": "self_attn.v_proj.bias", "attn_output.bias": "self_attn.o_proj.bias",
        "ffn_gate.weight": "mlp.gate_proj.weight", "ffn_up.weight": "mlp.up_proj.weight",
        "ffn_down.weight": "mlp.down_proj.weight",
    ]
    static let globalNames: [String: String] = [
        "token_embd.weight": "model.embed_tokens.weight", "output_norm.weight": "model.norm.weight",
        "output.weight": "lm_head.weight",
    ]

    /// The HF name of a GGUF tensor name, or nil when it is not one of a LLaMA-family model's tensors.
    public static func hfName(_ name: String, layers: Int) -> String? {
        if let g = globalNames[name] { return g }
        let parts = name.split(separator: ".", maxSplits: 2).map(String.init)
        guard parts.count == 3, parts[0] == "blk", let i = Int(parts[1]), (0..<layers).contains(i),
              String(i) == parts[1], let suffix = layerNames[parts[2]] else { return nil }
        return "model.layers.\(i).\(suffix)"
    }

    /// Inverse of llama.cpp's q/k row permutation, in place. w: [rows, cols] with rows = heads · hd, hd even.
    public static func unpermuteRows(_ w: inout [Float], rows: Int, cols: Int, heads: Int) {
        reorderRows(&w, rows: rows, cols: cols, heads: heads, toHF: true)
    }

    /// llama.cpp's q/k row permutation (what its converter applies to `llama` models), in place; the inverse of
    /// `unpermuteRows`. w: [rows, cols] with rows = heads · hd, hd even.
    public static func permuteRows(_ w: inout [Float], rows: Int, cols: Int, heads: Int) {
        reorderRows(&w, rows: rows, cols: cols, heads: heads, toHF: false)
    }

    /// Moves row h·hd + 2i + j (GGUF) to h·hd + j·hd/2 + i (HF) when `toHF`, the other way otherwise.
    static func reorderRows(_ w: inout [Float], rows: Int, cols: Int, heads: Int, toHF: Bool) {
        let hd = rows / heads
        let src = w
        for h in 0..<heads {
            for i in 0..<(hd / 2) {
                for j in 0..<2 {
                    let gguf = (h * hd + 2 * i + j) * cols, hf = (h * hd + j * (hd / 2) + i) * cols
                    let (from, to) = toHF ? (gguf, hf) : (hf, gguf)
                    for c in 0..<cols { w[to + c] = src[from + c] }
                }
            }
        }
    }

    /// The GGUF name of an HF tensor name (the inverse of `hfName`), or nil.
    public static func ggufName(_ hf: String) -> String? {
        if let g = globalNames.first(where: { $0.value == hf })?.key { return g }
        let parts = hf.split(separator: ".", maxSplits: 3).map(String.init)
        guard parts.count == 4, parts[0] == "model", parts[1] == "layers", let i = Int(parts[2]),
              let suffix = layerNames.first(where: { $0.value == parts[3] })?.key else { return nil }
        return "blk.\(i).\(suffix)"
    }

    /// config.json for the model, in the key order transformers writes (sorted), `torch_dtype` = `dtype`.
    public func configJSON(torchDtype: String) throws -> JSONObject {
        let a = architecture
        let hidden = try file.int("\(a).embedding_length")
        let vocab = try file.metadata["\(a).vocab_size"].map { _ in try file.int("\(a).vocab_size") }
            ?? file.strings("tokenizer.ggml.tokens").count
        let headDim = try file.metadata["\(a).attention.key_length"].map { _ in try file.int("\(a).attention.key_length") }
            ?? file.metadata["\(a).rope.dimension_count"].map { _ in try file.int("\(a).rope.dimension_count") }
            ?? hidden / heads
        let tied = !file.contains("output.weight")
        let bias = file.contains("blk.0.attn_q.bias")
        // GGUF keeps eps and theta as float32 (1e-05 reads back as 9.9999997e-06): the shortest decimal that
        // rounds to the same float32 is what the original config spelled.
        func float32Text(_ key: String) throws -> JSONValue {
            let v = Float(try file.double(key))
            return .number(Self.shortestFloat32(v))
        }
        var o = JSONObject()
        o["architectures"] = .array([.string(a == "qwen2" ? "Qwen2ForCausalLM" : "LlamaForCausalLM")])
        o["attention_bias"] = a == "llama" ? .bool(bias) : nil
        o["attention_dropout"] = .double(0)
        for (name, key) in [("bos_token_id", "bos_token_id"), ("eos_token_id", "eos_token_id")] {
            if file.metadata["tokenizer.ggml.\(key)"] != nil { o[name] = .int(try file.int("tokenizer.ggml.\(key)")) }
        }
        o["head_dim"] = .int(headDim)
        o["hidden_act"] = .string("silu")
        o["hidden_size"] = .int(hidden)
        o["initializer_range"] = .double(0.02)
        o["intermediate_size"] = .int(try file.int("\(a).feed_forward_length"))
        if a == "qwen2" { o["layer_types"] = .array(Array(repeating: .string("full_attention"), count: layers)) }
        o["max_position_embeddings"] = .int(try file.int("\(a).context_length"))
        if a == "qwen2" { o["max_window_layers"] = .int(layers) }
        o["mlp_bias"] = a == "llama" ? .bool(false) : nil
        o["model_type"] = .string(a)
        o["num_attention_heads"] = .int(heads)
        o["num_hidden_layers"] = .int(layers)
        o["num_key_value_heads"] = .int(kvHeads)
        if file.metadata["tokenizer.ggml.padding_token_id"] != nil { o["pad_token_id"] = .int(try file.int("tokenizer.ggml.padding_token_id")) }
        o["rms_norm_eps"] = try float32Text("\(a).attention.layer_norm_rms_epsilon")
        o["rope_scaling"] = try ropeScaling()
        o["rope_theta"] = file.metadata["\(a).rope.freq_base"] == nil ? .double(10000) : try float32Text("\(a).rope.freq_base")
        if a == "qwen2" { o["sliding_window"] = .null; o["use_sliding_window"] = .bool(false) }
        o["tie_word_embeddings"] = .bool(tied)
        o["torch_dtype"] = .string(torchDtype)
        o["use_cache"] = .bool(true)
        o["vocab_size"] = .int(vocab)
        return o.sortedByKey()
    }

    /// `rope_scaling` from `<arch>.rope.scaling.type` (linear or yarn with a factor), or null.
    func ropeScaling() throws -> JSONValue {
        let a = architecture
        guard file.metadata["\(a).rope.scaling.type"] != nil else { return .null }
        let type = try file.string("\(a).rope.scaling.type")
        if type == "none" { return .null }
        guard type == "linear" || type == "yarn" else {
            throw GGUFError.unsupportedModel(file: file.path, key: "\(a).rope.scaling.type", value: type, supported: ["none", "linear", "yarn"])
        }
        var s = JSONObject()
        s["factor"] = .number(Self.shortestFloat32(Float(try file.double("\(a).rope.scaling.factor"))))
        if type == "yarn", file.metadata["\(a).rope.scaling.original_context_length"] != nil {
            s["original_max_position_embeddings"] = .int(try file.int("\(a).rope.scaling.original_context_length"))
        }
        s["rope_type"] = .string(type)
        s["type"] = .string(type)
        return .object(s)
    }

    /// generation_config.json: the special token ids.
    public func generationConfigJSON() throws -> JSONObject {
        var o = JSONObject()
        for key in ["bos_token_id", "eos_token_id", "pad_token_id"] {
            let gguf = key == "pad_token_id" ? "padding_token_id" : key
            if file.metadata["tokenizer.ggml.\(gguf)"] != nil { o[key] = .int(try file.int("tokenizer.ggml.\(gguf)")) }
        }
        return o
    }

    /// The shortest decimal text that reads back as the same Float32 (`1e-05` for 9.9999997e-06).
    static func shortestFloat32(_ v: Float) -> String {
        let text = "\(v)"   // Swift prints the shortest round-tripping representation of a Float
        return text.contains(".") || text.contains("e") ? text : text + ".0"
    }
}
