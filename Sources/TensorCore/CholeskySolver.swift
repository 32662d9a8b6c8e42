import Foundation

/// What a symmetric positive (semi-)definite solve did, for reports.
public struct SolveReport: Sendable, Equatable {
    /// Ridge actually added to the diagonal (the requested α, or larger if the fallback raised it).
    public var ridge: Double
    /// Whether the automatic fallback had to raise the ridge because the factorisation failed.
    public var usedFallback: Bool
    /// Estimated 1-norm condition number of G + ridge·I.
    public var conditionEstimate: Double
}

public enum SolverError: Error, CustomStringConvertible {
    case notFinite(String)
    case singular(String)
    public var description: String {
        switch self {
        case .notFinite(let what): return "non-finite value in \(what)"
        case .singular(let what): return "matrix is singular: \(what)"
        }
    }
}

/// Solves `(G + αI)·X = C` for symmetric positive semi-definite G [n, n] and C [n, m], Float64, row-major.
///
/// PLACEHOLDER IMPLEMENTATION (unblocked Cholesky, serial) — replaced by the blocked parallel version with the
/// documented fallback; the signature is the contract. No explicit inverse is formed.
public enum CholeskySolver {
    public static func solve(g: [Double], c: [Double], n: Int, m: Int, ridge: Double = 0) throws -> (x: [Double], report: SolveReport) {
        precondition(g.count == n * n && c.count == n * m)
        var a = g
        for i in 0..<n { a[i * n + i] += ridge }
        for j in 0..<n {
            var d = a[j * n + j]
            for p in 0..<j { d -= a[j * n + p] * a[j * n + p] }
            guard d > 0, d.isFinite else { throw SolverError.singular("pivot \(j) is \(d)") }
            let l = d.squareRoot()
            a[j * n + j] = l
            for i in (j + 1)..<max(j + 1, n) {
                var s = a[i * n + j]
                for p in 0..<j { s -= a[i * n + p] * a[j * n + p] }
                a[i * n + j] = s / l
            }
        }
        var x = c
        for col in 0..<m {
            for i in 0..<n {
                var s = x[i * m + col]
                for p in 0..<i { s -= a[i * n + p] * x[p * m + col] }
                x[i * m + col] = s / a[i * n + i]
            }
            for i in stride(from: n - 1, through: 0, by: -1) {
                var s = x[i * m + col]
                for p in (i + 1)..<max(i + 1, n) { s -= a[p * n + i] * x[p * m + col] }
                x[i * m + col] = s / a[i * n + i]
            }
        }
        return (x, SolveReport(ridge: ridge, usedFallback: false, conditionEstimate: .nan))
    }
}
