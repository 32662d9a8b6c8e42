/// Receives the logits `z = RMSNorm_final(L_{L-1}) · W_headᵀ` tile by tile, so that [R, V] is never held whole.
///
/// `consume` is called for every (row block, vocabulary chunk) tile exactly once; tiles arrive vocabulary
/// chunk by vocabulary chunk (outer loop) and, inside a chunk, row block by row block. Rows are batch rows
/// (see `ForwardBatch.sampleRows`).
public protocol LogitsSink: AnyObject {
    /// logits: [rows.count, vocab.count] row-major with row stride `stride`; valid only during the call.
    func consume(rows: Range<Int>, vocab: Range<Int>, logits: UnsafePointer<Float>, stride: Int) throws
}

/// A sink that also receives, tile by tile, the logits of a reference model on the same rows: the model computes
/// `referenceNormed · W_headᵀ` for each tile beside its own (twice the head's work; [R, V] still never held).
public protocol PairedLogitsSink: LogitsSink {
    /// The reference's final normed hidden states for this batch, RMSNorm_final(L_{L-1}): [R, D].
    var referenceNormed: [Float] { get }
    /// logits and reference: [rows.count, vocab.count] each, row stride `stride`; valid only during the call.
    func consume(rows: Range<Int>, vocab: Range<Int>, logits: UnsafePointer<Float>, reference: UnsafePointer<Float>, stride: Int) throws
}

/// Collects the full logits [R, V] (small models and tests only).
public final class LogitsCollector: LogitsSink {
    public let vocabSize: Int
    /// [R, V] row-major.
    public private(set) var logits: [Float]

    public init(rows: Int, vocabSize: Int) {
        self.vocabSize = vocabSize
        logits = [Float](repeating: .nan, count: rows * vocabSize)
    }

    public func consume(rows: Range<Int>, vocab: Range<Int>, logits tile: UnsafePointer<Float>, stride: Int) throws {
        logits.withUnsafeMutableBufferPointer { out in
            for (i, r) in rows.enumerated() {
                (out.baseAddress! + r * vocabSize + vocab.lowerBound).update(from: tile + i * stride, count: vocab.count)
            }
        }
    }
}
