import TensorCore

/// The calibration rows of one span, held for an optimiser that needs the rows themselves (`CosineTransformFitter`),
/// not only their statistics.
///
/// Per kept row (Float32, [count, D] each):
///   x        = M_{s−1}, the kept block's MLP output (the input of T);
///   target   = Z = L_{s+n−1} − Y_{s−1} (surrogate objective) or L_{s+n−1} itself (accurate objective);
///   residual = Y_{s−1}, the kept block's post-attention stream (accurate objective only; nil otherwise).
/// Beyond the row budget, every `stride`-th calibration row (global index = sample · seqLen + position) is kept:
/// an even subsample, reported.
public final class SpanRows {
    public let width: Int
    /// Rows held (ceil(total / stride)).
    public let count: Int
    /// Calibration rows of the run.
    public let total: Int
    /// One row in `stride` is kept (1: all).
    public let stride: Int
    public internal(set) var x: [Float]
    public internal(set) var target: [Float]
    public internal(set) var residual: [Float]?
    /// Whether `target` already holds Z (L_end − Y) rather than L_end.
    public let surrogate: Bool

    /// Matrices held per row: 2 (x, Z) for the surrogate, 3 (x, L_end, Y) for the accurate objective.
    public static func matrices(surrogate: Bool) -> Int { surrogate ? 2 : 3 }

    /// The stride that keeps `total` rows of `width` Float32 values within `budget` bytes.
    public static func stride(total: Int, width: Int, surrogate: Bool, budget: Int) -> Int {
        let perRow = matrices(surrogate: surrogate) * width * MemoryLayout<Float>.size
        let fits = max(1, budget / perRow)
        return max(1, (total + fits - 1) / fits)
    }

    public init(total: Int, width: Int, stride: Int, surrogate: Bool) {
        precondition(total > 0 && stride >= 1, "SpanRows: no rows")
        self.total = total; self.width = width; self.stride = stride; self.surrogate = surrogate
        count = (total + stride - 1) / stride
        x = [Float](repeating: 0, count: count * width)
        // The accurate objective keeps Y beside L_end; the surrogate holds Y in `target` and turns it into Z in place.
        target = [Float](repeating: 0, count: count * width)
        residual = surrogate ? nil : [Float](repeating: 0, count: count * width)
    }

    /// Bytes held.
    public var bytes: Int { (x.count + target.count + (residual?.count ?? 0)) * MemoryLayout<Float>.size }

    /// The slot of calibration row `global`, or nil if the subsample skips it.
    @inline(__always) func slot(_ global: Int) -> Int? { global % stride == 0 ? global / stride : nil }
}
