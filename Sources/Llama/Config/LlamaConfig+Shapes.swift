import SafeTensors

extension LlamaConfig {
    /// Every tensor a checkpoint for this config must hold, with its shape, in HF state-dict order.
    /// `lm_head.weight` is listed only when embeddings are not tied.
    public func expectedTensors() -> [(name: String, shape: [Int])] {
        var out: [(String, [Int])] = [(WeightName.embedTokens, [vocabSize, hiddenSize])]
        for i in 0..<numHiddenLayers {
            let layer = layerShape(ofLayer: i)
            for part in WeightName.LayerPart.allCases {
                if let shape = layer.shape(of: part) { out.append((WeightName.layer(i, part), shape)) }
            }
        }
        out.append((WeightName.finalNorm, [hiddenSize]))
        if !tieWordEmbeddings { out.append((WeightName.lmHead, [vocabSize, hiddenSize])) }
        return out
    }

    /// The shape of one layer tensor under this config, or nil when the config says it does not exist
    /// (biases that are off; the optional rotary `inv_freq`).
    public func shape(of part: WeightName.LayerPart) -> [Int]? {
        layerShape.shape(of: part)
    }

    /// The shapes of every decoder layer under this config (`LayerShape` states them).
    public var layerShape: LayerShape {
        LayerShape(hiddenSize: hiddenSize, heads: numAttentionHeads, kvHeads: numKeyValueHeads, headDim: headDim,
                   intermediateSize: intermediateSize, biases: LayerBiasLayout(config: self))
    }

    /// Which config keys determine a tensor's shape, for the hint in a shape-mismatch error.
    func shapeHint(_ name: String) -> String {
        let keys: String
        switch WeightName.parsePart(name)?.part {
        case .qProj, .qProjBias, .oProj:
            keys = "num_attention_heads \(numAttentionHeads) × head_dim \(headDim), hidden_size \(hiddenSize)"
        case .kProj, .vProj, .kProjBias, .vProjBias:
            keys = "num_key_value_heads \(numKeyValueHeads) × head_dim \(headDim), hidden_size \(hiddenSize)"
        case .gateProj, .upProj, .downProj, .gateProjBias, .upProjBias, .downProjBias:
            keys = "intermediate_size \(intermediateSize), hidden_size \(hiddenSize)"
        default:
            keys = name == WeightName.embedTokens || name == WeightName.lmHead
                ? "vocab_size \(vocabSize), hidden_size \(hiddenSize)" : "hidden_size \(hiddenSize)"
        }
        return "from \(keys)"
    }

    /// Checks `weights` against this config: every expected tensor present with its exact shape; nothing
    /// unexpected except a rotary `inv_freq` (ignored) or an `lm_head` equal in shape to the embeddings when tied.
    /// Errors name the tensor and the file holding it.
    public func validate(_ weights: SafeTensorsCheckpoint) throws {
        // The layer count first, from the names the files hold: the expected-tensor list is sized by it.
        let layersInFiles = weights.tensorNames.reduce(0) { max($0, (WeightName.parseLayer($1)?.0 ?? -1) + 1) }
        if numHiddenLayers > layersInFiles {
            throw LlamaError.missingTensor(tensor: WeightName.layer(layersInFiles, .inputNorm), directory: weights.directory.path,
                                           hint: "num_hidden_layers is \(numHiddenLayers) but the files hold layers 0..<\(layersInFiles) only")
        }
        var expected: [String: [Int]] = [:]
        for (name, shape) in expectedTensors() {
            expected[name] = shape
            guard let info = weights.info(name) else {
                var hint = ""
                if name == WeightName.lmHead { hint = "tie_word_embeddings is false" }
                if let (i, _) = WeightName.parseLayer(name) { hint = "num_hidden_layers is \(numHiddenLayers); layer \(i)" }
                if let part = WeightName.parsePart(name)?.part, [.qProjBias, .kProjBias, .vProjBias, .oProjBias].contains(part) {
                    hint = modelType == "qwen2" ? "qwen2 has q/k/v biases" : "attention_bias is true"
                }
                if let part = WeightName.parsePart(name)?.part, [.gateProjBias, .upProjBias, .downProjBias].contains(part) {
                    hint = "mlp_bias is true"
                }
                throw LlamaError.missingTensor(tensor: name, directory: weights.directory.path, hint: hint)
            }
            if info.shape != shape {
                throw LlamaError.shapeMismatch(tensor: name, file: try weights.file(containing: name).url.path,
                                               expected: shape, actual: info.shape, hint: shapeHint(name))
            }
        }
        for name in weights.tensorNames where expected[name] == nil {
            let file = try weights.file(containing: name).url.path
            if name == WeightName.lmHead {
                let shape = [vocabSize, hiddenSize]
                guard weights.info(name)?.shape == shape else {
                    throw LlamaError.shapeMismatch(tensor: name, file: file, expected: shape,
                                                   actual: weights.info(name)?.shape ?? [], hint: shapeHint(name))
                }
                continue
            }
            if let (i, suffix) = WeightName.parseLayer(name) {
                if suffix == WeightName.LayerPart.rotaryInvFreq.rawValue { continue }
                if i >= numHiddenLayers {
                    throw LlamaError.unexpectedTensor(tensor: name, file: file, reason: "layer \(i) but num_hidden_layers is \(numHiddenLayers)")
                }
                if let part = WeightName.LayerPart(rawValue: suffix) {
                    throw LlamaError.unexpectedTensor(tensor: name, file: file, reason: "config.json says this \(part.rawValue) does not exist (check attention_bias / mlp_bias)")
                }
            }
            throw LlamaError.unexpectedTensor(tensor: name, file: file, reason: "not part of a \(modelType) model")
        }
    }
}
