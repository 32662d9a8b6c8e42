import JSON
import Foundation
import SafeTensors

/// A LLaMA-family `config.json` (llama incl. Llama-3 `rope_scaling`, mistral, qwen2, SmolLM, TinyLlama, and
/// DeciLM's `nemotron-nas` as replaceme writes it, see `DeciLM`),
/// read as real checkpoints spell it, transformers 4 and 5 alike. The parsed JSON object is kept (`raw`), so a
/// rewrite changes only what it must and preserves every unknown key in place.
public struct LlamaConfig: Sendable, Equatable {
    public static let supportedModelTypes = ["llama", "mistral", "qwen2", DeciLM.modelType]
    /// Upper bounds on config sizes (2^24 for widths, heads and vocabulary; 2^16 layers): far beyond real models.
    public static let maxDimension = 1 << 24
    public static let maxLayers = 1 << 16

    /// RoPE frequency scaling (`rope_scaling`, or transformers-5 `rope_parameters` with a non-default type).
    public struct RopeScaling: Sendable, Equatable {
        /// `llama3`, `linear`, `dynamic`, `yarn`, … (`rope_type`, or the older `type`).
        public var type: String
        public var factor: Double?
        public var lowFreqFactor: Double?
        public var highFreqFactor: Double?
        public var originalMaxPositionEmbeddings: Int?
    }

    /// Where the config came from, for error messages.
    public var source: String
    public var raw: JSONObject

    public var modelType: String
    public var architectures: [String]
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    /// `num_key_value_heads`, defaulting to `num_attention_heads` (no GQA).
    public var numKeyValueHeads: Int
    /// `head_dim` when given, else `hidden_size / num_attention_heads`.
    public var headDim: Int
    public var vocabSize: Int
    public var rmsNormEps: Double
    /// `rope_theta`, or `rope_parameters.rope_theta` (transformers 5); default 10000.
    public var ropeTheta: Double
    public var ropeScaling: RopeScaling?
    public var tieWordEmbeddings: Bool
    /// Biases on q, k and v (`attention_bias`; always for qwen2).
    public var qkvBias: Bool
    /// Bias on o_proj (`attention_bias`; never for qwen2).
    public var outputBias: Bool
    /// Biases on gate, up and down (`mlp_bias`).
    public var mlpBias: Bool
    public var hiddenAct: String
    public var maxPositionEmbeddings: Int?
    /// `torch_dtype` (transformers 4) or `dtype` (transformers 5), e.g. `bfloat16`.
    public var torchDtype: String?
    /// Per-layer attention kinds (`full_attention`, `sliding_attention`), when given.
    public var layerTypes: [String]?
    public var slidingWindow: Int?
    public var useSlidingWindow: Bool
    /// qwen2: layers at index ≥ this use the sliding window (when `use_sliding_window`).
    public var maxWindowLayers: Int?
    /// `per_layer_config`: layers stored narrower than the global shape, or without a sub-block (see `LayerOverride`).
    public var perLayer: [Int: LayerOverride] = [:]

    /// Reads `<directory>/config.json`.
    public static func load(directory: URL) throws -> LlamaConfig {
        try load(file: directory.appendingPathComponent("config.json"))
    }

    public static func load(file: URL) throws -> LlamaConfig {
        let bytes: [UInt8]
        do {
            bytes = Array(try FileContents.read(file))
        } catch {
            throw LlamaError.cannotReadConfig(file: file.path, reason: (error as NSError).localizedDescription)
        }
        return try LlamaConfig(jsonBytes: bytes, source: file.path)
    }

    public init(jsonBytes: [UInt8], source: String) throws {
        let json: JSONValue
        do {
            json = try JSONParser.parse(jsonBytes)
        } catch {
            throw LlamaError.invalidConfigJSON(file: source, reason: error.description)
        }
        guard let object = json.objectValue else {
            throw LlamaError.invalidConfigJSON(file: source, reason: "top level is \(json.kindName), not an object")
        }
        try self.init(object: object, source: source)
    }

    public init(object: JSONObject, source: String) throws {
        let r = ConfigReader(object: object, source: source)
        self.source = source
        raw = object
        modelType = try r.string("model_type") ?? "llama"
        guard Self.supportedModelTypes.contains(modelType) else {
            throw LlamaError.unsupportedModelType(file: source, modelType: modelType, supported: Self.supportedModelTypes)
        }
        architectures = try r.strings("architectures") ?? []
        // Sizes are bounded far above any real model (and below what would overflow a shape's byte count), so
        // nothing sized from a config, before its tensors are checked, can exhaust memory.
        hiddenSize = try r.requiredPositiveInt("hidden_size", atMost: Self.maxDimension)
        numHiddenLayers = try r.requiredPositiveInt("num_hidden_layers", atMost: Self.maxLayers)
        numAttentionHeads = try r.requiredPositiveInt("num_attention_heads", atMost: Self.maxDimension)
        // DeciLM: the widths come from block_configs; the global ones (which replaceme writes) default to the widest.
        let blocks = modelType == DeciLM.modelType ? try DeciLM.readBlocks(r, layers: numHiddenLayers, hidden: hiddenSize) : nil
        if let blocks, try r.positiveInt("intermediate_size") == nil, let widest = blocks.compactMap(\.width).max() {
            intermediateSize = widest
        } else {
            intermediateSize = try r.requiredPositiveInt("intermediate_size", atMost: Self.maxDimension)
        }
        vocabSize = try r.requiredPositiveInt("vocab_size", atMost: Self.maxDimension)
        guard let eps = try r.double("rms_norm_eps") else { throw LlamaError.missingConfigKey(file: source, key: "rms_norm_eps") }
        guard eps > 0 else { throw LlamaError.invalidConfigValue(file: source, key: "rms_norm_eps", expected: "a positive number", found: "\(eps)") }
        rmsNormEps = eps
        let heads = numAttentionHeads
        let groups = blocks?.compactMap(\.groupSize).min().map { heads / max($0, 1) }
        numKeyValueHeads = try r.positiveInt("num_key_value_heads", atMost: Self.maxDimension) ?? groups ?? heads
        if let hd = try r.positiveInt("head_dim", atMost: Self.maxDimension) {
            headDim = hd
        } else {
            guard hiddenSize % numAttentionHeads == 0 else {
                throw LlamaError.inconsistentConfig(file: source, reason: "hidden_size \(hiddenSize) is not divisible by num_attention_heads \(numAttentionHeads) and head_dim is not given")
            }
            headDim = hiddenSize / numAttentionHeads
        }
        guard numAttentionHeads % numKeyValueHeads == 0 else {
            throw LlamaError.inconsistentConfig(file: source, reason: "num_attention_heads \(numAttentionHeads) is not a multiple of num_key_value_heads \(numKeyValueHeads)")
        }
        guard headDim % 2 == 0 else {
            throw LlamaError.inconsistentConfig(file: source, reason: "head_dim \(headDim) must be even for rotary embeddings")
        }

        let ropeParameters = try r.object("rope_parameters")
        let params = ropeParameters.map { ConfigReader(object: $0, source: source, prefix: "rope_parameters.") }
        ropeTheta = try r.double("rope_theta") ?? params?.double("rope_theta") ?? 10000
        if let scaling = try r.object("rope_scaling") {
            ropeScaling = try Self.readScaling(ConfigReader(object: scaling, source: source, prefix: "rope_scaling."))
        } else if let params, let type = try params.string("rope_type") ?? params.string("type"), type != "default" {
            ropeScaling = try Self.readScaling(params)
        } else {
            ropeScaling = nil
        }
        tieWordEmbeddings = try r.bool("tie_word_embeddings") ?? false
        let attentionBias = try r.bool("attention_bias")
        if modelType == "qwen2" {
            qkvBias = attentionBias ?? true
            outputBias = false
        } else {
            qkvBias = attentionBias ?? false
            outputBias = attentionBias ?? false
        }
        mlpBias = try r.bool("mlp_bias") ?? false
        hiddenAct = try r.string("hidden_act") ?? r.string("hidden_activation") ?? "silu"
        maxPositionEmbeddings = try r.positiveInt("max_position_embeddings")
        torchDtype = try r.string("torch_dtype") ?? r.string("dtype")
        layerTypes = try r.strings("layer_types")
        if let lt = layerTypes, lt.count != numHiddenLayers {
            throw LlamaError.inconsistentConfig(file: source, reason: "layer_types has \(lt.count) entries but num_hidden_layers is \(numHiddenLayers)")
        }
        slidingWindow = try r.positiveInt("sliding_window")
        useSlidingWindow = try r.bool("use_sliding_window") ?? (modelType == "mistral" && slidingWindow != nil)
        maxWindowLayers = try r.int("max_window_layers")
        if let blocks {
            perLayer = try DeciLM.overrides(blocks, source: source, intermediate: intermediateSize,
                                            groupSize: numAttentionHeads / numKeyValueHeads)
        } else {
            perLayer = try Self.readPerLayer(r, layers: numHiddenLayers, heads: numAttentionHeads, kvHeads: numKeyValueHeads,
                                             intermediate: intermediateSize)
        }
    }

    private static func readScaling(_ r: ConfigReader) throws -> RopeScaling {
        guard let type = try r.string("rope_type") ?? r.string("type") else {
            throw LlamaError.missingConfigKey(file: r.source, key: r.prefix + "rope_type")
        }
        return RopeScaling(type: type, factor: try r.double("factor"), lowFreqFactor: try r.double("low_freq_factor"),
                           highFreqFactor: try r.double("high_freq_factor"),
                           originalMaxPositionEmbeddings: try r.positiveInt("original_max_position_embeddings"))
    }

    /// Parameters implied by the config (tied embeddings counted once).
    public var parameterCount: Int {
        vocabSize * hiddenSize * (tieWordEmbeddings ? 1 : 2) + hiddenSize
            + (0..<numHiddenLayers).reduce(0) { $0 + layerShape(ofLayer: $1).elementCount }
    }
}

/// Typed access to config keys with errors that name the file and key.
struct ConfigReader {
    let object: JSONObject
    let source: String
    var prefix = ""

    private func value(_ key: String) -> JSONValue? {
        guard let v = object[key], !v.isNull else { return nil }
        return v
    }

    private func invalid(_ key: String, _ expected: String, _ v: JSONValue) -> LlamaError {
        .invalidConfigValue(file: source, key: prefix + key, expected: expected, found: v.serialized())
    }

    func int(_ key: String) throws -> Int? {
        guard let v = value(key) else { return nil }
        guard let i = v.intValue else { throw invalid(key, "an integer", v) }
        return i
    }

    func positiveInt(_ key: String, atMost limit: Int = Int.max) throws -> Int? {
        guard let v = value(key) else { return nil }
        guard let i = v.intValue, i > 0 else { throw invalid(key, "a positive integer", v) }
        guard i <= limit else { throw invalid(key, "a positive integer of at most \(limit) (beyond any model)", v) }
        return i
    }

    func requiredPositiveInt(_ key: String, atMost limit: Int = Int.max) throws -> Int {
        guard let i = try positiveInt(key, atMost: limit) else { throw LlamaError.missingConfigKey(file: source, key: prefix + key) }
        return i
    }

    func double(_ key: String) throws -> Double? {
        guard let v = value(key) else { return nil }
        guard let d = v.doubleValue, d.isFinite else { throw invalid(key, "a number", v) }
        return d
    }

    func bool(_ key: String) throws -> Bool? {
        guard let v = value(key) else { return nil }
        guard let b = v.boolValue else { throw invalid(key, "true or false", v) }
        return b
    }

    func string(_ key: String) throws -> String? {
        guard let v = value(key) else { return nil }
        guard let s = v.stringValue else { throw invalid(key, "a string", v) }
        return s
    }

    func strings(_ key: String) throws -> [String]? {
        guard let v = value(key) else { return nil }
        guard let items = v.arrayValue else { throw invalid(key, "an array of strings", v) }
        var out: [String] = []
        for item in items {
            guard let s = item.stringValue else { throw invalid(key, "an array of strings", v) }
            out.append(s)
        }
        return out
    }

    func object(_ key: String) throws -> JSONObject? {
        guard let v = value(key) else { return nil }
        guard let o = v.objectValue else { throw invalid(key, "an object", v) }
        return o
    }
}
