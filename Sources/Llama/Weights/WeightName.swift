/// The one place Hugging Face LLaMA tensor names are spelled. Loader, validator and writer all go through it.
///
/// Shapes (PyTorch `Linear.weight` is `[out, in]`; D hidden, H heads, KV key/value heads, hd head_dim,
/// F intermediate, V vocab): embed `[V, D]`; q `[H·hd, D]`; k, v `[KV·hd, D]`; o `[D, H·hd]`; gate, up `[F, D]`;
/// down `[D, F]`; norms `[D]`; lm_head `[V, D]` (absent when tied).
public enum WeightName {
    public static let embedTokens = "model.embed_tokens.weight"
    public static let finalNorm = "model.norm.weight"
    public static let lmHead = "lm_head.weight"
    static let layerPrefix = "model.layers."

    /// A tensor inside `model.layers.{i}.`, declared in the order of a transformers state dict
    /// (self_attn q, k, v, o; mlp gate, up, down; then the two norms; each weight before its bias).
    public enum LayerPart: String, CaseIterable, Sendable {
        case qProj = "self_attn.q_proj.weight"
        case qProjBias = "self_attn.q_proj.bias"
        case kProj = "self_attn.k_proj.weight"
        case kProjBias = "self_attn.k_proj.bias"
        case vProj = "self_attn.v_proj.weight"
        case vProjBias = "self_attn.v_proj.bias"
        case oProj = "self_attn.o_proj.weight"
        case oProjBias = "self_attn.o_proj.bias"
        /// Old checkpoints store RoPE's inverse frequencies; they are recomputed from the config, so loaders
        /// ignore this tensor and writers drop it.
        case rotaryInvFreq = "self_attn.rotary_emb.inv_freq"
        case gateProj = "mlp.gate_proj.weight"
        case gateProjBias = "mlp.gate_proj.bias"
        case upProj = "mlp.up_proj.weight"
        case upProjBias = "mlp.up_proj.bias"
        case downProj = "mlp.down_proj.weight"
        case downProjBias = "mlp.down_proj.bias"
        case inputNorm = "input_layernorm.weight"
        case postAttentionNorm = "post_attention_layernorm.weight"
    }

    /// `model.layers.{index}.{part}`
    public static func layer(_ index: Int, _ part: LayerPart) -> String {
        "\(layerPrefix)\(index).\(part.rawValue)"
    }

    /// Splits `model.layers.12.mlp.down_proj.weight` into (12, "mlp.down_proj.weight"); nil for other names.
    public static func parseLayer(_ name: String) -> (index: Int, suffix: String)? {
        guard name.hasPrefix(layerPrefix) else { return nil }
        let rest = name.dropFirst(layerPrefix.count)
        guard let dot = rest.firstIndex(of: "."), let index = Int(rest[..<dot]), index >= 0,
              String(index) == rest[..<dot] else { return nil }
        return (index, String(rest[rest.index(after: dot)...]))
    }

    /// The known part of a layer tensor name, or nil.
    public static func parsePart(_ name: String) -> (index: Int, part: LayerPart)? {
        guard let (i, suffix) = parseLayer(name), let part = LayerPart(rawValue: suffix) else { return nil }
        return (i, part)
    }

    /// The same tensor moved to layer `newIndex` (`model.layers.7.x` → `model.layers.5.x`); names outside the
    /// layers come back unchanged.
    public static func renumbered(_ name: String, to newIndex: Int) -> String {
        guard let (_, suffix) = parseLayer(name) else { return name }
        return "\(layerPrefix)\(newIndex).\(suffix)"
    }

    /// `names` in the order of a Hugging Face LLaMA state dict: embeddings, then each layer in numeric order
    /// (parts in `LayerPart` order: attention, then MLP), the final norm, lm_head, then anything else by name.
    /// Sharding in this order puts whole consecutive layers together, as transformers does.
    public static func stateDictOrder(_ names: [String]) -> [String] {
        func key(_ name: String) -> (Int, Int, Int, String) {
            if name == embedTokens { return (0, 0, 0, name) }
            if let (i, suffix) = parseLayer(name) {
                let partIndex = LayerPart.allCases.firstIndex { $0.rawValue == suffix } ?? LayerPart.allCases.count
                return (1, i, partIndex, suffix)
            }
            if name == finalNorm { return (2, 0, 0, name) }
            if name == lmHead { return (3, 0, 0, name) }
            return (4, 0, 0, name)
        }
        return names.sorted { key($0) < key($1) }
    }
}
