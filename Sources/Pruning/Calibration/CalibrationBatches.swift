import Llama

/// Splits the calibration windows into forward batches of about `targetRows` token rows (at least one sample each),
/// so activation memory stays bounded (every activation matrix is [rows, D] Float32) whatever `--samples` is.
public struct CalibrationBatches: Sendable {
    /// Sample index ranges, in order.
    public let ranges: [Range<Int>]

    public init(samples: Int, seqLen: Int, targetRows: Int = 8192) {
        let per = max(1, targetRows / max(seqLen, 1))
        ranges = stride(from: 0, to: samples, by: per).map { $0..<min(samples, $0 + per) }
    }

    /// The forward batch of samples `range`.
    public static func batch(_ calibration: CalibrationSet, _ range: Range<Int>) -> ForwardBatch {
        ForwardBatch(samples: calibration.windows[range].map { $0.map { Int32($0) } })
    }
}
