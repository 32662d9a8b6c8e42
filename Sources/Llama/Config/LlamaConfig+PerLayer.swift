import JSON

/// Hugging Face's heterogeneity spec (`per_layer_config` in config.json, transformers PR #45333): a sparse map from
/// layer index to overrides of the global shape, written by `prune --method multipruner --format per-layer`.
/// Read here for layers narrower than the global config (the pruned form): fewer MLP channels
/// (`intermediate_size`), fewer query heads with their KV groups (`num_attention_heads`, `num_key_value_heads`, in
/// the global ratio), or a skipped sub-block (`skip: ["attention"]` or `["mlp"]`: its tensors, norm included,
/// absent).
public struct LayerOverride: Sendable, Equatable {
    public var intermediateSize: Int?
    public var heads: Int?
    public var kvHeads: Int?
    public var skipAttention = false
    public var skipMLP = false

    public init(intermediateSize: Int? = nil, heads: Int? = nil, kvHeads: Int? = nil, skipAttention: Bool = false, skipMLP: Bool = false) {
        self.intermediateSize = intermediateSize; self.heads = heads; self.kvHeads = kvHeads
        self.skipAttention = skipAttention; self.skipMLP = skipMLP
    }
}

extension LlamaConfig {
    static let perLayerKeys = ["intermediate_size", "num_attention_heads", "num_key_value_heads", "skip"]

    /// Parses `per_layer_config` (absent: no overrides); errors name the file and the field.
    static func readPerLayer(_ r: ConfigReader, layers: Int, heads: Int, kvHeads: Int, intermediate: Int) throws -> [Int: LayerOverride] {
        guard let map = try r.object("per_layer_config") else { return [:] }
        var out: [Int: LayerOverride] = [:]
        let groupSize = heads / kvHeads
        for member in map.members {
            let field = "per_layer_config.\(member.key)"
            guard let k = Int(member.key), (0..<layers).contains(k) else {
                throw LlamaError.invalidConfigValue(file: r.source, key: field, expected: "a layer index in 0..<\(layers)", found: "'\(member.key)'")
            }
            guard let entry = member.value.objectValue else {
                throw LlamaError.invalidConfigValue(file: r.source, key: field, expected: "an object", found: member.value.kindName)
            }
            if let bad = entry.keys.first(where: { !perLayerKeys.contains($0) }) {
                throw LlamaError.invalidConfigValue(file: r.source, key: "\(field).\(bad)", expected: "one of " + perLayerKeys.joined(separator: ", "), found: "an unknown key")
            }
            let e = ConfigReader(object: entry, source: r.source, prefix: field + ".")
            var o = LayerOverride()
            o.intermediateSize = try e.positiveInt("intermediate_size", atMost: intermediate)
            o.heads = try e.positiveInt("num_attention_heads", atMost: heads)
            o.kvHeads = try e.positiveInt("num_key_value_heads", atMost: kvHeads)
            if (o.heads == nil) != (o.kvHeads == nil) || (o.heads.map { $0 != o.kvHeads! * groupSize } ?? false) {
                throw LlamaError.inconsistentConfig(file: r.source, reason: "\(field): num_attention_heads and num_key_value_heads must be given together, "
                                                    + "\(groupSize) query heads per KV head as in the global config")
            }
            for s in try e.strings("skip") ?? [] {
                switch s {
                case "attention": o.skipAttention = true
                case "mlp": o.skipMLP = true
                default: throw LlamaError.invalidConfigValue(file: r.source, key: "\(field).skip", expected: "\"attention\" or \"mlp\"", found: "\"\(s)\"")
                }
            }
            if o.skipAttention && o.skipMLP {
                throw LlamaError.inconsistentConfig(file: r.source, reason: "\(field) skips both sub-blocks; such a layer is removed, not skipped")
            }
            out[k] = o
        }
        return out
    }

    /// The shapes of layer `k`'s tensors as stored (the global `layerShape` with its overrides).
    public func layerShape(ofLayer k: Int) -> LayerShape {
        var s = layerShape
        guard let o = perLayer[k] else { return s }
        if let i = o.intermediateSize { s.intermediateSize = i }
        if let h = o.heads, let kv = o.kvHeads { s.heads = h; s.kvHeads = kv }
        s.hasAttention = !o.skipAttention
        s.hasMLP = !o.skipMLP
        return s
    }

    /// Whether some layer differs from the global shape.
    public var isHeterogeneous: Bool { !perLayer.isEmpty }
}
