/// The shapes of one decoder layer's tensors: the one place they are stated (the config's expected tensors, the
/// Float32 buffers, element counts and the writer all ask here). A layer under an edit may be narrower than the
/// checkpoint's (fewer MLP channels, fewer KV groups with their query heads) or lack a sub-block.
///
/// HF `[out, in]` shapes (D hidden, H heads, KV groups, hd head_dim, F channels): q `[H·hd, D]`; k, v `[KV·hd, D]`;
/// o `[D, H·hd]`; gate, up `[F, D]`; down `[D, F]`; norms `[D]`; biases the output widths.
public struct LayerShape: Sendable, Equatable {
    public var hiddenSize: Int
    public var heads: Int
    public var kvHeads: Int
    public var headDim: Int
    public var intermediateSize: Int
    public var biases: LayerBiasLayout
    /// Whether the attention sub-block runs (false: Y_k = L_{k-1}, its tensors absent).
    public var hasAttention = true
    /// Whether the MLP sub-block runs (false: M_k = 0, L_k = Y_k, its tensors absent).
    public var hasMLP = true

    public init(geometry g: LlamaGeometry, biases: LayerBiasLayout) {
        hiddenSize = g.hiddenSize; heads = g.heads; kvHeads = g.kvHeads; headDim = g.headDim
        intermediateSize = g.intermediateSize; self.biases = biases
    }

    public init(hiddenSize: Int, heads: Int, kvHeads: Int, headDim: Int, intermediateSize: Int, biases: LayerBiasLayout) {
        self.hiddenSize = hiddenSize; self.heads = heads; self.kvHeads = kvHeads; self.headDim = headDim
        self.intermediateSize = intermediateSize; self.biases = biases
    }

    /// `H·hd`.
    public var queryWidth: Int { heads * headDim }
    /// `KV·hd`.
    public var kvWidth: Int { kvHeads * headDim }
    /// Query heads per KV group, `H / KV`.
    public var groupSize: Int { heads / max(kvHeads, 1) }

    /// This layer under `edit`: kept channels and groups narrow it, dropped sub-blocks remove their tensors.
    /// (The edit was validated against the unedited shape.)
    public func edited(by edit: LayerEdit) -> LayerShape {
        var s = self
        s.hasAttention = edit.attention
        s.hasMLP = edit.mlp
        if let c = edit.mlpChannels { s.intermediateSize = c.count }
        if let kv = edit.kvGroups { s.kvHeads = kv.count; s.heads = kv.count * groupSize }
        return s
    }

    /// The shape of `part`, or nil when this layer has no such tensor (a bias that is off, a dropped sub-block,
    /// the optional rotary `inv_freq`).
    public func shape(of part: WeightName.LayerPart) -> [Int]? {
        let d = hiddenSize, q = queryWidth, kv = kvWidth, f = intermediateSize
        switch part {
        case .inputNorm: return hasAttention ? [d] : nil
        case .postAttentionNorm: return hasMLP ? [d] : nil
        case .qProj: return hasAttention ? [q, d] : nil
        case .kProj, .vProj: return hasAttention ? [kv, d] : nil
        case .oProj: return hasAttention ? [d, q] : nil
        case .gateProj, .upProj: return hasMLP ? [f, d] : nil
        case .downProj: return hasMLP ? [d, f] : nil
        case .qProjBias: return hasAttention && biases.qkv ? [q] : nil
        case .kProjBias, .vProjBias: return hasAttention && biases.qkv ? [kv] : nil
        case .oProjBias: return hasAttention && biases.output ? [d] : nil
        case .gateProjBias, .upProjBias: return hasMLP && biases.mlp ? [f] : nil
        case .downProjBias: return hasMLP && biases.mlp ? [d] : nil
        case .rotaryInvFreq: return nil
        }
    }

    /// Elements of all this layer's tensors.
    public var elementCount: Int {
        WeightName.LayerPart.allCases.reduce(0) { n, part in n + (shape(of: part)?.reduce(1, *) ?? 0) }
    }
}
