import Foundation
import TensorCore

/// ReplaceMe's cosine estimator (`--estimator cosine`): T minimising the mean cosine distance over the stored
/// calibration rows (`SpanRows`), by Adam on an analytic gradient (`CosineObjective`), in Float64.
///
/// Objectives (`ReplaceMe/cosine_dist.py`, `utils.adam_method`):
///   surrogate:  loss(T) = 1 − mean_i cos(x_i·T, z_i),          z = L_{s+n−1} − Y_{s−1}
///   accurate:   loss(T) = 1 − mean_i cos(x_i·T + y_i, l_i),    l = L_{s+n−1}, y = Y_{s−1}
/// Per minibatch B of rows: U = X_B·T (+ Y_B), G = X_Bᵀ·∂loss/∂U (two `Gemm64` products of B·D² each), then one
/// Adam step on T. The surrogate is invariant to the scale of T (cos(x·cT, z) = cos(x·T, z) for c > 0), so from
/// the identity it keeps the identity's scale and from the least-squares start the least-squares scale; the
/// accurate form weighs T against the stream it is added to, so its scale matters.
///
/// `Settings.parity` is the published procedure (identity start, Adam lr 1e-4, β = (0.9, 0.999), ε = 1e-8,
/// 1024-row batches, 10 epochs over shuffled rows); the reference stores its rows in bf16 and steps in float32,
/// this one stores Float32 rows and steps in Float64 (at least as exact). The shuffle is `RowShuffle`, not
/// PyTorch's generator, so the visiting order (not the procedure) differs from a reference run.
public enum CosineTransformFitter {
    public enum Objective: String, Sendable, CaseIterable, Codable {
        case surrogate, accurate
    }
    public enum Start: String, Sendable, CaseIterable, Codable {
        /// T₀ = the least-squares T of the same span (`TransformSolver`).
        case leastSquares = "ls"
        /// T₀ = I, the published procedure.
        case identity
    }

    public struct Settings: Sendable, Equatable {
        public var objective: Objective
        public var start: Start
        public var learningRate: Double
        public var epochs: Int
        public var batchRows: Int
        public var seed: UInt64
        /// After the surrogate fit, multiply T by the least-squares scalar α = tr(TᵀC)/tr(TᵀGT) (`rescaled`): the
        /// surrogate fixes T's direction only, and this gives it the magnitude that fits Z best. Not part of the
        /// published procedure (off in `parity`), and not applied to the accurate objective, which sets its own scale.
        public var rescale: Bool

        public init(objective: Objective = .accurate, start: Start = .leastSquares, learningRate: Double = 1e-4,
                    epochs: Int = 10, batchRows: Int = 1024, seed: UInt64 = 0, rescale: Bool = true) {
            self.objective = objective; self.start = start; self.learningRate = learningRate
            self.epochs = epochs; self.batchRows = batchRows; self.seed = seed; self.rescale = rescale
        }

        /// The published procedure, exactly (`--cosine-parity`).
        public static let parity = Settings(objective: .surrogate, start: .identity, rescale: false)

        /// Whether `rescaled` follows the fit.
        public var rescales: Bool { rescale && objective == .surrogate }
    }

    /// What a fit did, for the report.
    public struct Report: Codable, Sendable, Equatable {
        public var objective: Objective
        public var start: Start
        public var learningRate: Double
        public var epochs: Int
        public var batchRows: Int
        public var steps: Int
        /// Rows the optimiser saw, of the calibration run's rows; one in `rowStride` was kept (1: all).
        public var rows: Int
        public var calibrationRows: Int
        public var rowStride: Int
        public var heldBytes: Int
        /// Mean cosine distance over the held rows at T₀ and at the result.
        public var lossStart: Double
        public var lossEnd: Double
        public var seconds: Double
        /// The scalar α that `rescaled` multiplied T by (nil: not rescaled).
        public var rescale: Double?
    }

    /// α·T with α = tr(TᵀC)/tr(TᵀGT) = ⟨X·T, Z⟩/‖X·T‖², the scalar minimising ‖α·X·T − Z‖²_F over the same
    /// calibration rows as least squares (G = XᵀX, C = XᵀZ of `stats`); the cosine distance is unchanged for α > 0.
    /// Returns T unchanged (α = nil) when tr(TᵀGT) is zero or α is not positive and finite.
    public static func rescaled(_ t: [Double], stats: LeastSquaresAccumulator) -> (matrix: [Double], alpha: Double?) {
        let (quad, lin) = GramResidual.traces(t: t, g: stats.gram, c: stats.cross, n: stats.width, m: stats.width)
        let alpha = lin / quad
        guard quad > 0, alpha.isFinite, alpha > 0 else { return (t, nil) }
        return (t.map { $0 * alpha }, alpha)
    }

    /// Fits T from `start` ([D, D], row-major: x ↦ x·T) on `rows`; returns T and the report.
    /// - Parameter progress: (steps done, steps in all).
    public static func fit(_ rows: SpanRows, start: [Double], settings: Settings,
                           progress: ((Int, Int) -> Void)? = nil) -> (matrix: [Double], report: Report) {
        let began = Date()
        let d = rows.width, n = rows.count
        precondition(start.count == d * d, "CosineTransformFitter: T₀ must be [D, D]")
        precondition(rows.surrogate == (settings.objective == .surrogate), "rows collected for another objective")
        var t = start
        var adam = AdamOptimizer(parameters: d * d, learningRate: settings.learningRate)
        var shuffle = RowShuffle(seed: settings.seed)
        let b = min(settings.batchRows, n)
        var work = Batch(rows: b, width: d)
        let lossStart = meanDistance(rows, t, &work)
        var gradient = [Double](repeating: 0, count: d * d)
        let totalSteps = settings.epochs * ((n + b - 1) / b)
        for _ in 0..<settings.epochs {
            let order = shuffle.permutation(n)
            var first = 0
            while first < n {
                let count = min(b, n - first)
                order[first..<(first + count)].withUnsafeBufferPointer { indices in
                    work.predict(rows, t, indices: indices)
                    _ = work.withObjective { u, v, g in CosineObjective.gradient(rows: count, width: d, u: u, v: v, gradient: g) }
                    work.backward(count: count, into: &gradient)
                }
                adam.step(&t, gradient: gradient)
                progress?(adam.steps, totalSteps)
                first += count
            }
        }
        let lossEnd = meanDistance(rows, t, &work)
        let report = Report(objective: settings.objective, start: settings.start, learningRate: settings.learningRate,
                            epochs: settings.epochs, batchRows: settings.batchRows, steps: adam.steps, rows: n,
                            calibrationRows: rows.total, rowStride: rows.stride, heldBytes: rows.bytes,
                            lossStart: lossStart, lossEnd: lossEnd, seconds: Date().timeIntervalSince(began))
        return (t, report)
    }

    /// 1 − mean_i cos over every held row at T (in batches through the same buffers).
    public static func meanDistance(_ rows: SpanRows, _ t: [Double]) -> Double {
        var work = Batch(rows: min(1024, rows.count), width: rows.width)
        return meanDistance(rows, t, &work)
    }

    private static func meanDistance(_ rows: SpanRows, _ t: [Double], _ work: inout Batch) -> Double {
        var sum = 0.0, first = 0
        let all = Array(0..<rows.count)
        while first < rows.count {
            let count = min(work.capacity, rows.count - first)
            all[first..<(first + count)].withUnsafeBufferPointer { indices in
                work.predict(rows, t, indices: indices)
                sum += work.withObjective { u, v, _ in CosineObjective.sum(rows: count, width: rows.width, u: u, v: v) }
            }
            first += count
        }
        return 1 - sum / Double(rows.count)
    }

    /// The buffers of one minibatch: X_B, U, V and ∂loss/∂U, [capacity, D] Float64 each.
    private struct Batch {
        let capacity: Int, width: Int
        var x: [Double], u: [Double], v: [Double], g: [Double]
        var count = 0

        init(rows: Int, width: Int) {
            capacity = rows; self.width = width
            x = [Double](repeating: 0, count: rows * width); u = x; v = x; g = x
        }

        /// Gathers the batch's rows and forms U = X_B·T (+ Y_B) and V (Z_B or L_B).
        mutating func predict(_ rows: SpanRows, _ t: [Double], indices: UnsafeBufferPointer<Int>) {
            let d = width
            count = indices.count
            rows.x.withUnsafeBufferPointer { RowGather.gather64(indices: indices, width: d, from: $0.baseAddress!, into: &x) }
            rows.target.withUnsafeBufferPointer { RowGather.gather64(indices: indices, width: d, from: $0.baseAddress!, into: &v) }
            x.withUnsafeBufferPointer { xp in
                t.withUnsafeBufferPointer { tp in
                    u.withUnsafeMutableBufferPointer { up in
                        Gemm64.dgemm(m: indices.count, n: d, k: d, a: xp.baseAddress!, lda: d, b: tp.baseAddress!, ldb: d,
                                     transB: true, c: up.baseAddress!, ldc: d)
                    }
                }
            }
            if let residual = rows.residual {
                residual.withUnsafeBufferPointer {
                    RowGather.gather64(indices: indices, width: d, from: $0.baseAddress!, into: &u, accumulate: true)
                }
            }
        }

        /// Runs `body(U, V, ∂loss/∂U)` on the batch.
        mutating func withObjective(_ body: (UnsafePointer<Double>, UnsafePointer<Double>, UnsafeMutablePointer<Double>) -> Double) -> Double {
            u.withUnsafeBufferPointer { up in
                v.withUnsafeBufferPointer { vp in
                    g.withUnsafeMutableBufferPointer { body(up.baseAddress!, vp.baseAddress!, $0.baseAddress!) }
                }
            }
        }

        /// ∂loss/∂T = X_Bᵀ·∂loss/∂U: [D, D].
        func backward(count: Int, into gradient: inout [Double]) {
            let d = width
            x.withUnsafeBufferPointer { xp in
                g.withUnsafeBufferPointer { gp in
                    gradient.withUnsafeMutableBufferPointer { out in
                        Gemm64.dgemm(m: d, n: d, k: count, a: xp.baseAddress!, lda: d, transA: true, b: gp.baseAddress!, ldb: d,
                                     transB: true, c: out.baseAddress!, ldc: d)
                    }
                }
            }
        }
    }
}
