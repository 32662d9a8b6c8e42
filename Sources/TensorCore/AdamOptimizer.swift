import Foundation

/// Adam (Kingma & Ba), exactly as `torch.optim.Adam` steps it (no weight decay, no AMSGrad), in Float64:
///
///     m ← β₁·m + (1 − β₁)·g,    v ← β₂·v + (1 − β₂)·g²,    t ← t + 1
///     p ← p − (lr / (1 − β₁ᵗ)) · m / ( √v / √(1 − β₂ᵗ) + ε )
///
/// m, v: [P], the parameter count, zero at the start.
public struct AdamOptimizer: Sendable {
    public var learningRate: Double
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    /// Steps taken (t).
    public private(set) var steps = 0
    private var m: [Double]
    private var v: [Double]

    public init(parameters: Int, learningRate: Double, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8) {
        self.learningRate = learningRate; self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon
        m = [Double](repeating: 0, count: parameters)
        v = m
    }

    /// One step of `parameters` ([P]) down `gradient` ([P]).
    public mutating func step(_ parameters: inout [Double], gradient: [Double]) {
        precondition(parameters.count == m.count && gradient.count == m.count, "AdamOptimizer: shapes")
        steps += 1
        let t = Double(steps)
        let stepSize = learningRate / (1 - pow(beta1, t))
        let correction2 = (1 - pow(beta2, t)).squareRoot()
        let (b1, b2, eps) = (beta1, beta2, epsilon)
        m.withUnsafeMutableBufferPointer { m in
            v.withUnsafeMutableBufferPointer { v in
                parameters.withUnsafeMutableBufferPointer { p in
                    gradient.withUnsafeBufferPointer { g in
                        for i in 0..<p.count {
                            m[i] = b1 * m[i] + (1 - b1) * g[i]
                            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                            p[i] -= stepSize * m[i] / (v[i].squareRoot() / correction2 + eps)
                        }
                    }
                }
            }
        }
    }
}
