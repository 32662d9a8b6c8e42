import TensorCore

extension LlamaGeometry {
    /// The forward-pass numbers of a parsed config.json. Throws for what the forward pass cannot compute:
    /// rope types other than default/llama3, activations other than SiLU.
    public init(config c: LlamaConfig) throws {
        let scaling: RoPEScaling
        switch c.ropeScaling?.type {
        case nil, "default":
            scaling = .none
        case "llama3":
            let s = c.ropeScaling!
            func need<T>(_ v: T?, _ key: String) throws -> T {
                guard let v else { throw LlamaError.missingConfigKey(file: c.source, key: "rope_scaling." + key) }
                return v
            }
            scaling = .llama3(factor: try need(s.factor, "factor"),
                              lowFreqFactor: try need(s.lowFreqFactor, "low_freq_factor"),
                              highFreqFactor: try need(s.highFreqFactor, "high_freq_factor"),
                              originalMaxPositions: try need(s.originalMaxPositionEmbeddings,
                                                             "original_max_position_embeddings"))
        case let other?:
            throw LlamaError.unsupportedRopeType(file: c.source, ropeType: other)
        }
        guard c.hiddenAct == "silu" else {
            throw LlamaError.unsupportedActivation(file: c.source, activation: c.hiddenAct)
        }
        // Sliding-window attention is not implemented: when a config enables it, sequences are limited to the
        // window (where sliding and full attention coincide).
        var maxPositions = c.maxPositionEmbeddings ?? 2048
        if c.useSlidingWindow, let window = c.slidingWindow { maxPositions = min(maxPositions, window) }
        self.init(hiddenSize: c.hiddenSize, intermediateSize: c.intermediateSize, layerCount: c.numHiddenLayers,
                  heads: c.numAttentionHeads, kvHeads: c.numKeyValueHeads, headDim: c.headDim,
                  vocabSize: c.vocabSize, rmsNormEps: Float(c.rmsNormEps), ropeTheta: c.ropeTheta,
                  ropeScaling: scaling, maxPositions: maxPositions)
    }
}

extension LayerBiasLayout {
    /// The biases a config declares (`attention_bias`, qwen2's q/k/v biases, `mlp_bias`).
    public init(config c: LlamaConfig) {
        self.init(qkv: c.qkvBias, output: c.outputBias, mlp: c.mlpBias)
    }
}
