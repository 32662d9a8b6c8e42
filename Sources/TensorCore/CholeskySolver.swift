import Foundation

/// What a symmetric positive (semi-)definite solve did, for reports.
public struct SolveReport: Sendable, Equatable {
    /// Ridge actually added to the diagonal (the requested α, or larger if the fallback raised it).
    public var ridge: Double
    /// Whether the automatic fallback had to raise the ridge because the factorisation failed.
    public var usedFallback: Bool
    /// Estimated 1-norm condition number of G + ridge·I: ‖A‖₁ · est(‖A⁻¹‖₁), the inverse norm estimated by
    /// Hager's method (Higham's refinement, ≤ 5 iterations) from solves with the Cholesky factor. It is a lower
    /// bound of κ₁ that is almost always within a factor 3 of it.
    public var conditionEstimate: Double
}

public enum SolverError: Error, CustomStringConvertible {
    case notFinite(String)
    case singular(String)
    case badShape(String)
    public var description: String {
        switch self {
        case .notFinite(let what): return "non-finite value in \(what)"
        case .singular(let what): return "matrix is singular: \(what)"
        case .badShape(let what): return "bad shape: \(what)"
        }
    }
}

/// Solves `(G + αI)·X = C` for symmetric positive semi-definite G [n, n] and C [n, m], Float64, row-major.
///
/// Method: blocked right-looking Cholesky `G + αI = L·Lᵀ` (panels of 128 columns; the trailing update
/// `A22 −= L21·L21ᵀ` runs on the lower triangle through the parallel Float64 GEMM), then blocked forward and
/// back substitution with GEMM updates. No inverse is formed. Only the lower triangle of G is read.
///
/// Fallback (documented contract): the factorisation fails when a pivot is not finite or ≤ n·ε·max(diag);
/// it is deemed ill-conditioned when the condition estimate exceeds `maxCondition`. Either way the ridge is
/// raised to max(10·α, 10⁻⁸·trace(G)/n) and then ×10 per retry, up to 10⁻²·trace(G)/n; the report then has
/// `usedFallback = true` and the ridge used. If even that fails, `SolverError.singular` is thrown.
/// Non-finite entries in G or C, a zero G with α = 0, or mismatched sizes throw `SolverError`.
public enum CholeskySolver {
    /// Columns per panel of the blocked factorisation and solves.
    static let block = 128

    public static func solve(g: [Double], c: [Double], n: Int, m: Int, ridge: Double = 0,
                             maxCondition: Double = 1e12) throws -> (x: [Double], report: SolveReport) {
        guard n >= 1, m >= 0, g.count == n * n, c.count == n * m else {
            throw SolverError.badShape("G has \(g.count) values for n = \(n) (expected \(n * n)), C has \(c.count) for n·m = \(n * m)")
        }
        guard ridge.isFinite, ridge >= 0 else { throw SolverError.notFinite("ridge \(ridge)") }
        if let i = g.firstIndex(where: { !$0.isFinite }) { throw SolverError.notFinite("G[\(i / n), \(i % n)] = \(g[i])") }
        if let i = c.firstIndex(where: { !$0.isFinite }) { throw SolverError.notFinite("C[\(i / max(m, 1)), \(i % max(m, 1))] = \(c[i])") }
        var trace = 0.0, maxDiag = 0.0
        for i in 0..<n { trace += g[i * n + i]; maxDiag = max(maxDiag, g[i * n + i]) }
        let meanDiag = trace / Double(n)
        guard meanDiag > 0 || ridge > 0 else {
            throw SolverError.singular("G has no positive diagonal entry (trace \(trace)) and the ridge is 0")
        }

        var alpha = ridge
        var fallback = false
        let cap = 1e-2 * max(meanDiag, 0)
        var lastProblem = ""
        while true {
            var a = g  // A = G + αI, factored in place (lower triangle)
            for i in 0..<n { a[i * n + i] += alpha }
            let failure = a.withUnsafeMutableBufferPointer { factor($0.baseAddress!, n: n, maxDiag: maxDiag + alpha) }
            if let failure {
                lastProblem = "pivot \(failure.index) is \(failure.pivot) with ridge \(alpha)"
            } else {
                let normA = oneNorm(g, n: n, ridge: alpha)
                let cond = a.withUnsafeBufferPointer { normA * inverseOneNormEstimate($0.baseAddress!, n: n) }
                if cond <= maxCondition {
                    var x = c
                    a.withUnsafeBufferPointer { l in
                        x.withUnsafeMutableBufferPointer { solveFactored(l.baseAddress!, n: n, x: $0.baseAddress!, m: m) }
                    }
                    return (x, SolveReport(ridge: alpha, usedFallback: fallback, conditionEstimate: cond))
                }
                lastProblem = "condition estimate \(cond) > \(maxCondition) with ridge \(alpha)"
            }
            let next = max(alpha * 10, 1e-8 * meanDiag)
            guard next <= cap * (1 + 1e-12), next > alpha else {
                throw SolverError.singular("\(lastProblem); ridge fallback exhausted at \(alpha) (cap 1e-2·trace/n = \(cap))")
            }
            alpha = next
            fallback = true
        }
    }

    /// ‖G + ridge·I‖₁ = max over columns of Σ|·| (G symmetric: rows, read from the full matrix).
    static func oneNorm(_ g: [Double], n: Int, ridge: Double) -> Double {
        var best = 0.0
        for i in 0..<n {
            var s = 0.0
            for j in 0..<n { s += abs(g[i * n + j] + (i == j ? ridge : 0)) }
            best = max(best, s)
        }
        return best
    }
}
