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

    /// A tensor inside `model.layers.{i}.`.
    public enum LayerPart: String, CaseIterable, Sendable {
        case inputNorm = "input_layernorm.weight"
        case qProj = "self_attn.q_proj.weight"
        case kProj = "self_attn.k_proj.weight"
        case vProj = "self_attn.v_proj.weight"
        case oProj = "self_attn.o_proj.weight"
        case qProjBias = "self_attn.q_proj.bias"
        case kProjBias = "self_attn.k_proj.bias"
        case vProjBias = "self_attn.v_proj.bias"
        case oProjBias = "self_attn.o_proj.bias"
        case postAttentionNorm = "post_attention_layernorm.weight"
        case gateProj = "mlp.gate_proj.weight"
        case upProj = "mlp.up_proj.weight"
        case downProj = "mlp.down_proj.weight"
        case gateProjBias = "mlp.gate_proj.bias"
        case upProjBias = "mlp.up_proj.bias"
        case downProjBias = "mlp.down_proj.bias"
        /// Old checkpoints store RoPE's inverse frequencies; they are recomputed from the config, so loaders
        /// ignore this tensor and writers drop it.
        case rotaryInvFreq = "self_attn.rotary_emb.inv_freq"
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
}
