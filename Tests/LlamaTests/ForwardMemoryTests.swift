import XCTest
@testable import Llama

/// `ForwardMemory` states what a forward pass holds before it runs: its workspace figure must bound the buffers a
/// real forward allocates, and not by much (else a budget would be wasted).
final class ForwardMemoryTests: XCTestCase {
    static let geometry = LlamaGeometry(hiddenSize: 48, intermediateSize: 136, layerCount: 3, heads: 6, kvHeads: 2,
                                        headDim: 8, vocabSize: 300, rmsNormEps: 1e-5, ropeTheta: 10000, maxPositions: 200)
    static let biases = LayerBiasLayout(qkv: true, output: false, mlp: false)

    /// Samples of awkward lengths (one longer than an attention block of 64, one a single token).
    static func batch() -> ForwardBatch {
        ForwardBatch(samples: [(0..<131).map { Int32($0 % 300) }, [7], (0..<70).map { Int32(($0 * 13) % 300) }])
    }

    func testWorkspaceFigureBoundsTheBuffersOfARealForward() throws {
        for residency in [LlamaModel.Residency.cached, .streaming] {
            for logits in [false, true] {
                let model = try LlamaModel(source: InMemoryWeights.random(geometry: Self.geometry, biases: Self.biases),
                                           residency: residency)
                let batch = Self.batch()
                // A dropped layer with an observer touches the zeros buffer too.
                var edit = ModelEdit(layers: Array(repeating: LayerEdit(), count: 3))
                edit.layers[1] = LayerEdit(attention: false, mlp: false)
                final class Nothing: LayerObserver { func observe(_ s: LayerStates) throws {} }
                try model.forward(batch, edit: edit, observer: Nothing(),
                                  logits: logits ? LogitsCollector(rows: batch.rows, vocabSize: 300) : nil)
                let planned = ForwardMemory(geometry: Self.geometry, biases: Self.biases, residency: residency)
                    .workspaceBytes(rows: batch.rows, maxLength: batch.maxLength, logits: logits)
                let allocated = model.workspace.allocatedBytes
                XCTAssertLessThanOrEqual(allocated, planned, "\(residency) logits \(logits)")
                XCTAssertGreaterThan(Double(allocated), 0.8 * Double(planned), "\(residency) logits \(logits): plan too loose")
            }
        }
    }

    func testCachedWeightsFigureIsTheConvertedLayersAndHead() throws {
        let model = try LlamaModel(source: InMemoryWeights.random(geometry: Self.geometry, biases: Self.biases), residency: .cached)
        try model.preload(head: true)
        let memory = ForwardMemory(geometry: Self.geometry, biases: Self.biases, residency: .cached, storedElementBytes: 0)
        let held = model.layerCache.reduce(0) { $0 + ($1?.shape.elementCount ?? 0) } * 4 + (model.headCache?.count ?? 0) * 4
        XCTAssertEqual(memory.weightBytes(head: true), held)
        XCTAssertEqual(memory.weightBytes(head: false), held - 300 * 48 * 4)
    }
}
