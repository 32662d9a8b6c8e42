/// Float32 weights of one decoder layer, in the Hugging Face `Linear` layout `[out, in]`, row-major.
///
/// Layer k computes (see `LlamaModel`):
/// ```
/// Y_k = L_{k-1} + o( Attn( rope(q(n₁)), rope(k(n₁)), v(n₁) ) ),   n₁ = RMSNorm(L_{k-1}; inputNorm)
/// M_k = down( silu(gate(n₂)) ⊙ up(n₂) ),                          n₂ = RMSNorm(Y_k; postAttentionNorm)
/// L_k = Y_k + M_k
/// ```
/// where `p(x) = x·Wᵀ + b` for each projection (bias only when present).
public struct LayerWeights: Sendable {
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

    /// Zero-filled weights of the right shapes, with the bias vectors `biases` says exist.
    public init(geometry g: LlamaGeometry, biases: LayerBiasLayout) {
        let d = g.hiddenSize, i = g.intermediateSize, qw = g.queryWidth, kw = g.kvWidth
        inputNorm = [Float](repeating: 0, count: d)
        postAttentionNorm = inputNorm
        q = [Float](repeating: 0, count: qw * d)
        k = [Float](repeating: 0, count: kw * d)
        v = k
        o = [Float](repeating: 0, count: d * qw)
        gate = [Float](repeating: 0, count: i * d)
        up = gate
        down = [Float](repeating: 0, count: d * i)
        if biases.qkv {
            qBias = [Float](repeating: 0, count: qw)
            kBias = [Float](repeating: 0, count: kw)
            vBias = kBias
        }
        if biases.output { oBias = [Float](repeating: 0, count: d) }
        if biases.mlp {
            gateBias = [Float](repeating: 0, count: i)
            upBias = gateBias
            downBias = [Float](repeating: 0, count: d)
        }
    }

    /// Which biases are present.
    public var biasLayout: LayerBiasLayout {
        LayerBiasLayout(qkv: qBias != nil, output: oBias != nil, mlp: downBias != nil)
    }
}
