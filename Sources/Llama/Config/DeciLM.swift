import JSON

/// DeciLM / Nemotron-NAS configs (`model_type: "nemotron-nas"`, `architectures: ["DeciLMForCausalLM"]`): NVIDIA's
/// heterogeneous Llama, which vLLM runs natively and llama.cpp's converter turns into its `deci` architecture.
/// `block_configs` has one entry per layer:
///
///     {"attention": {"no_op": false, "replace_with_linear": false, "n_heads_in_group": g},
///      "ffn":       {"no_op": false, "replace_with_linear": false, "ffn_mult": m}}
///
/// A skipped sub-block is `no_op: true` with `n_heads_in_group` / `ffn_mult` null (its tensors, norm included,
/// absent, as in the per-layer layout). An attention layer keeps all `num_attention_heads` query heads with
/// num_attention_heads / g KV heads, so removing KV groups with their query heads is not expressible. An MLP's width
/// is DeciLM's `_ffn_mult_to_intermediate_size`: w(m) = ⌈int(2·m·hidden/3)⌉₂₅₆ (rounded up to a multiple of 256),
/// so only multiples of 256 are expressible; for those, m = 1.5·w/hidden gives w back (checked with the same
/// arithmetic Python does, left to right in doubles).
///
/// replaceme reads the layers it writes: no-op sub-blocks, per-layer MLP widths, and `n_heads_in_group` equal to
/// the global num_attention_heads / num_key_value_heads. `replace_with_linear` and other group sizes are refused
/// by name.
public enum DeciLM {
    public static let modelType = "nemotron-nas"
    public static let architecture = "DeciLMForCausalLM"

    /// w(m) = find_multiple(int(2·m·hidden/3), 256), as DeciLM's modelling code and llama.cpp's converter compute it.
    public static func intermediateSize(ffnMult m: Double, hidden: Int) -> Int {
        let n = Int(2 * m * Double(hidden) / 3)
        return n % 256 == 0 ? n : n + 256 - n % 256
    }

    /// The multiplier whose width is exactly `width` (1.5·width/hidden), or nil when no multiplier gives it.
    public static func ffnMult(width: Int, hidden: Int) -> Double? {
        guard width > 0, width % 256 == 0 else { return nil }
        let m = 1.5 * Double(width) / Double(hidden)
        return intermediateSize(ffnMult: m, hidden: hidden) == width ? m : nil
    }

    /// Why a layer of shape `s` has no block config under the global shape `g`, or nil when it has one.
    public static func inexpressible(_ s: LayerShape, global g: LayerShape) -> String? {
        if !s.hasAttention && !s.hasMLP { return "has neither sub-block (such a layer is removed, not written)" }
        if s.hasAttention && s.heads != g.heads {
            return "keeps \(s.heads) of \(g.heads) query heads, and DeciLM keeps num_attention_heads query heads in every attention layer (only the KV heads vary)"
        }
        if s.hasMLP && ffnMult(width: s.intermediateSize, hidden: s.hiddenSize) == nil {
            return "has \(s.intermediateSize) MLP channels, and DeciLM's MLP widths (ffn_mult) are multiples of 256"
        }
        return nil
    }

    /// `block_configs` for layers of shapes `shapes` (each expressible: `inexpressible` is nil).
    public static func blockConfigs(_ shapes: [LayerShape]) -> JSONValue {
        .array(shapes.map { s in
            var attention = JSONObject(), ffn = JSONObject()
            attention["no_op"] = .bool(!s.hasAttention)
            attention["replace_with_linear"] = .bool(false)
            attention["n_heads_in_group"] = s.hasAttention ? .int(s.groupSize) : .null
            ffn["no_op"] = .bool(!s.hasMLP)
            ffn["replace_with_linear"] = .bool(false)
            ffn["ffn_mult"] = s.hasMLP ? .double(ffnMult(width: s.intermediateSize, hidden: s.hiddenSize)!) : .null
            var o = JSONObject()
            o["attention"] = .object(attention)
            o["ffn"] = .object(ffn)
            return .object(o)
        })
    }

    /// One layer of `block_configs` as read: nil width or group = the sub-block is a no-op.
    struct Block { var groupSize: Int?; var width: Int? }

    /// Parses `block_configs` (`layers` entries); errors name the file and the entry's field.
    static func readBlocks(_ r: ConfigReader, layers: Int, hidden: Int) throws -> [Block] {
        guard let v = r.object["block_configs"], !v.isNull else {
            throw LlamaError.missingConfigKey(file: r.source, key: "block_configs")
        }
        guard let items = v.arrayValue else {
            throw LlamaError.invalidConfigValue(file: r.source, key: "block_configs", expected: "an array", found: v.kindName)
        }
        guard items.count == layers else {
            throw LlamaError.inconsistentConfig(file: r.source, reason: "block_configs has \(items.count) entries but num_hidden_layers is \(layers)")
        }
        return try items.enumerated().map { k, item in
            let field = "block_configs[\(k)]"
            func part(_ name: String) throws -> ConfigReader {
                guard let o = item[name]?.objectValue else {
                    throw LlamaError.invalidConfigValue(file: r.source, key: "\(field).\(name)", expected: "an object", found: item[name]?.kindName ?? "nothing")
                }
                let p = ConfigReader(object: o, source: r.source, prefix: "\(field).\(name).")
                if try p.bool("replace_with_linear") == true {
                    throw LlamaError.invalidConfigValue(file: r.source, key: "\(field).\(name).replace_with_linear", expected: "false",
                                                        found: "true (linear replacement layers are not supported)")
                }
                return p
            }
            let a = try part("attention"), f = try part("ffn")
            var block = Block()
            if try a.bool("no_op") != true {
                guard let g = try a.positiveInt("n_heads_in_group") else {
                    throw LlamaError.missingConfigKey(file: r.source, key: "\(field).attention.n_heads_in_group")
                }
                block.groupSize = g
            }
            if try f.bool("no_op") != true {
                guard let m = try f.double("ffn_mult"), m > 0, m < 1e6 else {
                    throw LlamaError.missingConfigKey(file: r.source, key: "\(field).ffn.ffn_mult")
                }
                block.width = intermediateSize(ffnMult: m, hidden: hidden)
            }
            if block.groupSize == nil && block.width == nil {
                throw LlamaError.inconsistentConfig(file: r.source, reason: "\(field) makes both sub-blocks no-ops; such layers are not supported")
            }
            return block
        }
    }

    /// The per-layer overrides `blocks` make of the global shape (every attention layer at the global group size).
    static func overrides(_ blocks: [Block], source: String, intermediate: Int, groupSize: Int) throws -> [Int: LayerOverride] {
        var out: [Int: LayerOverride] = [:]
        for (k, b) in blocks.enumerated() {
            if let g = b.groupSize, g != groupSize {
                throw LlamaError.invalidConfigValue(file: source, key: "block_configs[\(k)].attention.n_heads_in_group",
                    expected: "\(groupSize) (num_attention_heads / num_key_value_heads: replaceme reads one KV width)", found: "\(g)")
            }
            if let w = b.width, w > intermediate {
                throw LlamaError.invalidConfigValue(file: source, key: "block_configs[\(k)].ffn.ffn_mult",
                    expected: "a width of at most intermediate_size \(intermediate)", found: "a width of \(w)")
            }
            var o = LayerOverride()
            o.skipAttention = b.groupSize == nil
            o.skipMLP = b.width == nil
            if let w = b.width, w != intermediate { o.intermediateSize = w }
            if o != LayerOverride() { out[k] = o }
        }
        return out
    }
}
