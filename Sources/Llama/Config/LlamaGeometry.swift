import TensorCore

/// The numbers the forward pass needs, flattened from a checkpoint's configuration.
///
/// Symbols used in shape comments throughout this module:
/// `D` = hiddenSize, `H` = heads, `KV` = kvHeads, `hd` = headDim, `I` = intermediateSize, `V` = vocabSize,
/// `L` = layerCount, `R` = rows of a batch (all samples' tokens stacked), `T` = tokens of one sample.
public struct LlamaGeometry: Sendable, Equatable {
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var layerCount: Int
    public var heads: Int
    public var kvHeads: Int
    public var headDim: Int
    public var vocabSize: Int
    /// RMSNorm epsilon: `y = x · rsqrt(mean(x²) + eps) · w`.
    public var rmsNormEps: Float
    /// RoPE inverse frequencies, [hd/2] (already scaled for llama3-type rope).
    public var inverseFrequencies: [Float]
    /// Longest sequence the model accepts (`max_position_embeddings`).
    public var maxPositions: Int

    public init(hiddenSize: Int, intermediateSize: Int, layerCount: Int, heads: Int, kvHeads: Int, headDim: Int,
                vocabSize: Int, rmsNormEps: Float, ropeTheta: Double, ropeScaling: RoPEScaling = .none,
                maxPositions: Int) {
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.layerCount = layerCount
        self.heads = heads
        self.kvHeads = kvHeads
        self.headDim = headDim
        self.vocabSize = vocabSize
        self.rmsNormEps = rmsNormEps
        self.inverseFrequencies = RoPE.inverseFrequencies(headDim: headDim, theta: ropeTheta, scaling: ropeScaling)
        self.maxPositions = maxPositions
    }

    /// Width of the query projection output, `H·hd`.
    public var queryWidth: Int { heads * headDim }
    /// Width of the key and value projection outputs, `KV·hd`.
    public var kvWidth: Int { kvHeads * headDim }

    /// Number of Float32 elements of one decoder layer's weights (biases included when present).
    func layerElementCount(biases: LayerBiasLayout) -> Int {
        LayerShape(geometry: self, biases: biases).elementCount
    }
}

/// Which optional bias vectors a checkpoint's decoder layers carry.
/// LLaMA `attention_bias` → q/k/v and o; Qwen2 → q/k/v only; `mlp_bias` → gate/up/down.
public struct LayerBiasLayout: Sendable, Equatable {
    public var qkv: Bool
    public var output: Bool
    public var mlp: Bool
    public init(qkv: Bool = false, output: Bool = false, mlp: Bool = false) {
        self.qkv = qkv; self.output = output; self.mlp = mlp
    }
}
