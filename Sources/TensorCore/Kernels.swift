import Foundation

/// Element-wise and row-wise kernels of the LLaMA block.
///
/// PLACEHOLDER IMPLEMENTATIONS (naive) — replaced by SIMD versions; signatures are the contract.
public enum Kernels {
    /// RMSNorm over rows: `y[t,:] = x[t,:] · rsqrt(mean(x[t,:]²) + eps) · w`, all in Float32 as HF does.
    /// x, y: [T, D] (may alias); w: [D].
    public static func rmsNorm(rows: Int, dim: Int, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                               eps: Float, y: UnsafeMutablePointer<Float>) {
        ReferenceKernels.rmsNorm(rows: rows, dim: dim, x: x, weight: weight, eps: eps, y: y)
    }

    /// Rotary embedding in HF rotate-half layout, in place.
    /// x: [T, heads·headDim]; cos, sin: [T, headDim/2] (row t holds the angles of position t).
    /// For each head and j < headDim/2: (a, b) = (x[j], x[j+h/2]) → (a·cos − b·sin, b·cos + a·sin).
    public static func rope(rows: Int, heads: Int, headDim: Int, x: UnsafeMutablePointer<Float>,
                            cos: UnsafePointer<Float>, sin: UnsafePointer<Float>) {
        ReferenceKernels.rope(rows: rows, heads: heads, headDim: headDim, x: x, cos: cos, sin: sin)
    }

    /// Causal softmax attention with grouped KV heads, scale `1/√headDim`.
    /// q: [T, H·hd]; k, v: [T, KV·hd]; out: [T, H·hd]. Query head h reads KV head h / (H/KV).
    public static func causalAttention(seqLen: Int, heads: Int, kvHeads: Int, headDim: Int,
                                       q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                       out: UnsafeMutablePointer<Float>) {
        ReferenceKernels.causalAttention(seqLen: seqLen, heads: heads, kvHeads: kvHeads, headDim: headDim,
                                         q: q, k: k, v: v, out: out)
    }

    /// SwiGLU gate: `out[i] = silu(gate[i]) · up[i]`, silu(x) = x / (1 + e^(−x)). All [count]; out may alias.
    public static func siluGate(count: Int, gate: UnsafePointer<Float>, up: UnsafePointer<Float>,
                                out: UnsafeMutablePointer<Float>) {
        ReferenceKernels.siluGate(count: count, gate: gate, up: up, out: out)
    }

    /// Residual add `y[i] += x[i]` over [count].
    public static func add(count: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        ReferenceKernels.add(count: count, x: x, y: y)
    }
}
