/// Float32 weights of one decoder layer, in the Hugging Face `Linear` layout `[out, in]`, row-major, sized by
/// `shape` (the checkpoint's, or narrower under a `LayerEdit`; a dropped sub-block's arrays are empty).
///
/// Layer k computes (see `LlamaModel`):
/// ```
/// Y_k = L_{k-1} + o( Attn( rope(q(n₁)), rope(k(n₁)), v(n₁) ) ),   n₁ = RMSNorm(L_{k-1}; inputNorm)
/// M_k = down( silu(gate(n₂)) ⊙ up(n₂) ),                          n₂ = RMSNorm(Y_k; postAttentionNorm)
/// L_k = Y_k + M_k
/// ```
/// where `p(x) = x·Wᵀ + b` for each projection (bias only when present).
public struct LayerWeights: Sendable {
    public var shape: LayerShape
    public var inputNorm: [Float]          // [D]
    public var postAttentionNorm: [Float]  // [D]
    public var q: [Float]                  // [H·hd, D]
    public var k: [Float]                  // [KV·hd, D]
    public var v: [Float]                  // [KV·hd, D]
    public var o: [Float]                  // [D, H·hd]
    public var gate: [Float]               // [I, D]
    public var up: [Float]                 // [I, D]
    public var down: [Float]               // [D, I]
    public var qBias: [Float]?             // [H·hd]
    public var kBias: [Float]?             // [KV·hd]
    public var vBias: [Float]?             // [KV·hd]
    public var oBias: [Float]?             // [D]
    public var gateBias: [Float]?          // [I]
    public var upBias: [Float]?            // [I]
    public var downBias: [Float]?          // [D]

    /// Zero-filled weights of the checkpoint's shapes, with the bias vectors `biases` says exist.
    public init(geometry g: LlamaGeometry, biases: LayerBiasLayout) {
        self.init(shape: LayerShape(geometry: g, biases: biases))
    }

    /// Zero-filled weights of `shape` (absent tensors: empty arrays, nil biases).
    public init(shape: LayerShape) {
        self.shape = shape
        func zeros(_ part: WeightName.LayerPart) -> [Float] {
            [Float](repeating: 0, count: shape.shape(of: part)?.reduce(1, *) ?? 0)
        }
        func bias(_ part: WeightName.LayerPart) -> [Float]? { shape.shape(of: part) == nil ? nil : zeros(part) }
        inputNorm = zeros(.inputNorm); postAttentionNorm = zeros(.postAttentionNorm)
        q = zeros(.qProj); k = zeros(.kProj); v = zeros(.vProj); o = zeros(.oProj)
        gate = zeros(.gateProj); up = zeros(.upProj); down = zeros(.downProj)
        qBias = bias(.qProjBias); kBias = bias(.kProjBias); vBias = bias(.vProjBias); oBias = bias(.oProjBias)
        gateBias = bias(.gateProjBias); upBias = bias(.upProjBias); downBias = bias(.downProjBias)
    }

    /// Which biases are present.
    public var biasLayout: LayerBiasLayout { shape.biases }

    /// The tensor of `part` (nil when absent: a bias that is off, a dropped sub-block, the rotary `inv_freq`).
    public subscript(part: WeightName.LayerPart) -> [Float]? {
        get {
            guard shape.shape(of: part) != nil else { return nil }
            switch part {
            case .inputNorm: return inputNorm
            case .postAttentionNorm: return postAttentionNorm
            case .qProj: return q
            case .kProj: return k
            case .vProj: return v
            case .oProj: return o
            case .gateProj: return gate
            case .upProj: return up
            case .downProj: return down
            case .qProjBias: return qBias
            case .kProjBias: return kBias
            case .vProjBias: return vBias
            case .oProjBias: return oBias
            case .gateProjBias: return gateBias
            case .upProjBias: return upBias
            case .downProjBias: return downBias
            case .rotaryInvFreq: return nil
            }
        }
        set {
            let value = newValue ?? []
            switch part {
            case .inputNorm: inputNorm = value
            case .postAttentionNorm: postAttentionNorm = value
            case .qProj: q = value
            case .kProj: k = value
            case .vProj: v = value
            case .oProj: o = value
            case .gateProj: gate = value
            case .upProj: up = value
            case .downProj: down = value
            case .qProjBias: qBias = newValue
            case .kProjBias: kBias = newValue
            case .vProjBias: vBias = newValue
            case .oProjBias: oBias = newValue
            case .gateProjBias: gateBias = newValue
            case .upProjBias: upBias = newValue
            case .downProjBias: downBias = newValue
            case .rotaryInvFreq: break
            }
        }
    }
}
