import FuzzSupport
import Llama
import Pruning

/// A pruning plan file read for a small model (the shape of Tests/PruningTests/Fixtures/tiny-llama-8), and turned into a model edit.
FuzzDriver.run { data, size in
    guard let data else { return 0 }
    let url = FuzzInput.file(data, size, suffix: ".json")
    let geometry = LlamaGeometry(hiddenSize: 32, intermediateSize: 64, layerCount: 8, heads: 4, kvHeads: 2, headDim: 8,
                                 vocabSize: 256, rmsNormEps: 1e-5, ropeTheta: 10000, maxPositions: 128)
    _ = try? PruningPlan.read(url, for: geometry)
    return 0
}
