import TensorCore

/// Where `LlamaModel` gets its weights from, as Float32, one piece at a time.
///
/// The checkpoint loader (`CheckpointWeights`) implements it over a memory-mapped checkpoint, converting
/// bf16/f16/f32 to Float32 on demand; `InMemoryWeights` implements it over arrays (tests, small experiments).
/// Implementations must check what they hand out (shapes, finiteness) and throw `LlamaError` naming the tensor.
public protocol LlamaWeightSource: AnyObject {
    var geometry: LlamaGeometry { get }
    var biasLayout: LayerBiasLayout { get }

    /// The stored element type of a layer tensor (what an edit's fold rounds to; F32 for in-memory weights).
    func storageType(ofLayer layer: Int, _ part: WeightName.LayerPart) -> StorageType

    /// Overwrites `weights` (already shaped for `geometry` and `biasLayout`) with decoder layer `layer`.
    func loadLayer(_ layer: Int, into weights: inout LayerWeights) throws

    /// Embedding gather: `out[t, :] = E[tokens[t], :]`; E: [V, D]; out: [T, D]. Token ids are already checked.
    func gatherEmbeddings(_ tokens: UnsafeBufferPointer<Int32>, into out: UnsafeMutablePointer<Float>) throws

    /// The final RMSNorm weight, [D].
    func loadFinalNorm() throws -> [Float]

    /// Rows `rows` of the output head W_head: [V, D] (`lm_head.weight`, or the embedding when tied),
    /// converted into `out`: [rows.count, D].
    func loadHeadRows(_ rows: Range<Int>, into out: UnsafeMutablePointer<Float>) throws
}
