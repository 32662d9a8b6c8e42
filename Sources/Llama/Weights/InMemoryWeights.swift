import TensorCore

/// A `LlamaWeightSource` over Float32 arrays held in memory: for tests and small experiments.
public final class InMemoryWeights: LlamaWeightSource {
    public let geometry: LlamaGeometry
    public let biasLayout: LayerBiasLayout
    public var layers: [LayerWeights]
    public var embedding: [Float]   // [V, D]
    public var finalNorm: [Float]   // [D]
    /// The output head [V, D]; nil means tied to `embedding`.
    public var head: [Float]?

    public init(geometry: LlamaGeometry, layers: [LayerWeights], embedding: [Float], finalNorm: [Float],
                head: [Float]?) {
        self.geometry = geometry
        self.biasLayout = layers.first?.biasLayout ?? LayerBiasLayout()
        self.layers = layers
        self.embedding = embedding
        self.finalNorm = finalNorm
        self.head = head
    }

    /// Deterministic pseudo-random weights (uniform in ±scale, norms near 1): a model to exercise code paths.
    public static func random(geometry g: LlamaGeometry, biases: LayerBiasLayout = LayerBiasLayout(),
                              tied: Bool = false, seed: UInt64 = 1, scale: Float = 0.2) -> InMemoryWeights {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func next() -> Float {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Float(state >> 40) / Float(1 << 24) * 2 - 1
        }
        func fill(_ a: inout [Float], _ s: Float, offset: Float = 0) {
            for i in a.indices { a[i] = offset + s * next() }
        }
        var layers: [LayerWeights] = []
        for _ in 0..<g.layerCount {
            var w = LayerWeights(geometry: g, biases: biases)
            fill(&w.inputNorm, 0.2, offset: 1); fill(&w.postAttentionNorm, 0.2, offset: 1)
            fill(&w.q, scale); fill(&w.k, scale); fill(&w.v, scale); fill(&w.o, scale)
            fill(&w.gate, scale); fill(&w.up, scale); fill(&w.down, scale)
            for path in [\LayerWeights.qBias, \.kBias, \.vBias, \.oBias, \.gateBias, \.upBias, \.downBias] {
                if var b = w[keyPath: path] { fill(&b, 0.1); w[keyPath: path] = b }
            }
            layers.append(w)
        }
        var embedding = [Float](repeating: 0, count: g.vocabSize * g.hiddenSize)
        fill(&embedding, 1)
        var norm = [Float](repeating: 0, count: g.hiddenSize)
        fill(&norm, 0.2, offset: 1)
        var head: [Float]?
        if !tied {
            var h = embedding
            fill(&h, 0.5)
            head = h
        }
        return InMemoryWeights(geometry: g, layers: layers, embedding: embedding, finalNorm: norm, head: head)
    }

    public func storageType(ofLayer layer: Int, _ part: WeightName.LayerPart) -> StorageType { .f32 }

    public func loadLayer(_ layer: Int, into weights: inout LayerWeights) throws {
        weights = layers[layer]
    }

    public func gatherEmbeddings(_ tokens: UnsafeBufferPointer<Int32>, into out: UnsafeMutablePointer<Float>) throws {
        let d = geometry.hiddenSize
        embedding.withUnsafeBufferPointer { e in
            for (t, id) in tokens.enumerated() {
                (out + t * d).update(from: e.baseAddress! + Int(id) * d, count: d)
            }
        }
    }

    public func loadFinalNorm() throws -> [Float] { finalNorm }

    public func loadHeadRows(_ rows: Range<Int>, into out: UnsafeMutablePointer<Float>) throws {
        let d = geometry.hiddenSize
        (head ?? embedding).withUnsafeBufferPointer { h in
            out.update(from: h.baseAddress! + rows.lowerBound * d, count: rows.count * d)
        }
    }
}
