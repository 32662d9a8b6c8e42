import Foundation

/// Plain, obviously-correct twins of every fast kernel. Tests compare the fast paths against these;
/// they are never used on a hot path once the fast versions exist. Same shapes and contracts as the fast ones.
public enum ReferenceKernels {
    /// C[M,N] (=|+=) A[M,K]·B[N,K]ᵀ, accumulated in Float32 in index order.
    public static func sgemm(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int,
                             accumulate: Bool) {
        for i in 0..<m {
            for j in 0..<n {
                var s: Float = 0
                for p in 0..<k { s += a[i * lda + p] * b[j * ldb + p] }
                c[i * ldc + j] = accumulate ? c[i * ldc + j] + s : s
            }
        }
    }

    /// C[KX,NY] += X[R,KX]ᵀ·Y[R,NY] in Float64.
    public static func accumulateXtY(rows: Int, kx: Int, ny: Int, x: UnsafePointer<Float>, ldx: Int,
                                     y: UnsafePointer<Float>, ldy: Int, c: UnsafeMutablePointer<Double>) {
        for r in 0..<rows {
            for i in 0..<kx {
                let xi = Double(x[r * ldx + i])
                if xi == 0 { continue }
                for j in 0..<ny { c[i * ny + j] += xi * Double(y[r * ldy + j]) }
            }
        }
    }

    public static func rmsNorm(rows: Int, dim: Int, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                               eps: Float, y: UnsafeMutablePointer<Float>) {
        for t in 0..<rows {
            var ss: Float = 0
            for i in 0..<dim { ss += x[t * dim + i] * x[t * dim + i] }
            let r = 1 / (ss / Float(dim) + eps).squareRoot()
            for i in 0..<dim { y[t * dim + i] = weight[i] * (x[t * dim + i] * r) }
        }
    }

    public static func rope(rows: Int, heads: Int, headDim: Int, x: UnsafeMutablePointer<Float>,
                            cos: UnsafePointer<Float>, sin: UnsafePointer<Float>) {
        let half = headDim / 2
        for t in 0..<rows {
            for h in 0..<heads {
                let base = x + t * heads * headDim + h * headDim
                for j in 0..<half {
                    let a = base[j], b = base[j + half]
                    let c = cos[t * half + j], s = sin[t * half + j]
                    base[j] = a * c - b * s
                    base[j + half] = b * c + a * s
                }
            }
        }
    }

    public static func causalAttention(seqLen: Int, heads: Int, kvHeads: Int, headDim: Int,
                                       q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                       out: UnsafeMutablePointer<Float>) {
        let group = heads / kvHeads
        let qStride = heads * headDim, kvStride = kvHeads * headDim
        let scale = 1 / Float(headDim).squareRoot()
        var scores = [Float](repeating: 0, count: seqLen)
        for h in 0..<heads {
            let kvh = h / group
            for t in 0..<seqLen {
                var mx = -Float.infinity
                for s in 0...t {
                    var d: Float = 0
                    for j in 0..<headDim { d += q[t * qStride + h * headDim + j] * k[s * kvStride + kvh * headDim + j] }
                    scores[s] = d * scale
                    mx = max(mx, scores[s])
                }
                var sum: Float = 0
                for s in 0...t { scores[s] = Foundation.exp(scores[s] - mx); sum += scores[s] }
                for j in 0..<headDim {
                    var acc: Float = 0
                    for s in 0...t { acc += scores[s] * v[s * kvStride + kvh * headDim + j] }
                    out[t * qStride + h * headDim + j] = acc / sum
                }
            }
        }
    }

    public static func siluGate(count: Int, gate: UnsafePointer<Float>, up: UnsafePointer<Float>,
                                out: UnsafeMutablePointer<Float>) {
        for i in 0..<count {
            let g = gate[i]
            out[i] = g / (1 + Foundation.exp(-g)) * up[i]
        }
    }

    public static func add(count: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        for i in 0..<count { y[i] += x[i] }
    }

    /// bf16 → f32, one value at a time (high half of the f32 pattern).
    public static func bf16ToFloat(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let bits = UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            dst[i] = Float(bitPattern: UInt32(bits) << 16)
        }
    }

    /// f16 → f32 through the standard library's Float16.
    public static func f16ToFloat(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let bits = UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            dst[i] = Float(Float16(bitPattern: bits))
        }
    }

    /// f32 → bf16 via `HalfConversion.bf16Bits` (round to nearest even, NaN quiet).
    public static func floatToBF16(_ src: UnsafePointer<Float>, _ dst: UnsafeMutableRawPointer, count: Int) {
        for i in 0..<count {
            dst.storeBytes(of: HalfConversion.bf16Bits(src[i]).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
        }
    }

    /// f32 → f16 through the standard library's Float16 (round to nearest even).
    public static func floatToF16(_ src: UnsafePointer<Float>, _ dst: UnsafeMutableRawPointer, count: Int) {
        for i in 0..<count {
            dst.storeBytes(of: Float16(src[i]).bitPattern.littleEndian, toByteOffset: 2 * i, as: UInt16.self)
        }
    }

    /// max_j x[j], in index order.
    public static func rowMax(count: Int, x: UnsafePointer<Float>) -> Float {
        var m = -Float.infinity
        for j in 0..<count where x[j] > m { m = x[j] }
        return m
    }

    /// Σ_j e^(x[j] − shift) in Float64 with libm's exp.
    public static func sumExp(count: Int, x: UnsafePointer<Float>, shift: Float) -> Double {
        var s = 0.0
        for j in 0..<count { s += Foundation.exp(Double(x[j]) - Double(shift)) }
        return s
    }

    /// Causal row softmax (see `Kernels.causalSoftmax`), in Float64 with libm's exp.
    public static func causalSoftmax(rows: Int, count: Int, firstValid: Int, scale: Float,
                                     x: UnsafeMutablePointer<Float>, ld: Int) {
        for r in 0..<rows {
            let row = x + r * ld, valid = min(count, firstValid + r)
            var m = -Double.infinity
            for j in 0..<valid { m = max(m, Double(scale) * Double(row[j])) }
            var e = [Double](repeating: 0, count: valid)
            for j in 0..<valid { e[j] = Foundation.exp(Double(scale) * Double(row[j]) - m) }
            let sum = e.reduce(0, +)
            for j in 0..<count { row[j] = j < valid ? Float(e[j] / sum) : 0 }
        }
    }

    /// out[j, e] = Σ_s weights[j, s]·values[s·ldv + e], summed in index order (twin of `Kernels.weightedRowSum`).
    public static func weightedRowSum(rows: Int, count: Int, width: Int, weights: UnsafePointer<Float>,
                                      values: UnsafePointer<Float>, ldv: Int, out: UnsafeMutablePointer<Float>) {
        for j in 0..<rows {
            for e in 0..<width {
                var acc: Float = 0
                for s in 0..<count { acc += weights[j * count + s] * values[s * ldv + e] }
                out[j * width + e] = acc
            }
        }
    }

    /// tr(Tᵀ·G·T) − 2·tr(Tᵀ·C) + zz by plain loops (twin of `GramResidual.squared`). T, C: [N, M]; G: [N, N].
    public static func gramResidual(t: [Double], g: [Double], c: [Double], targetEnergy zz: Double, n: Int, m: Int) -> Double {
        var quad = 0.0, lin = 0.0
        for i in 0..<n {
            for j in 0..<m {
                var gt = 0.0
                for k in 0..<n { gt += g[i * n + k] * t[k * m + j] }
                quad += t[i * m + j] * gt
                lin += t[i * m + j] * c[i * m + j]
            }
        }
        return quad - 2 * lin + zz
    }

    /// Σ a[i]·b[i] in index order, Float64 accumulation (twin of `Kernels.dot`).
    public static func dot(count: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>) -> Double {
        var s = 0.0
        for i in 0..<count { s += Double(a[i]) * Double(b[i]) }
        return s
    }

    /// out[i] = x[i] + y[i].
    public static func sum(count: Int, x: UnsafePointer<Float>, y: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>) {
        for i in 0..<count { out[i] = x[i] + y[i] }
    }

    /// out[i, j] = round_storage(s · Σ_k T[k, i]·W[k, j]) in Float64 in index order (s·W[i, j] without T).
    /// w: [D, F]; t: [D, D] or nil; out: [D, F] elements of `storage` (twin of `WeightFold.fold`).
    public static func foldWeight(weight w: UnsafePointer<Float>, rows d: Int, cols f: Int, transform t: UnsafePointer<Double>?,
                                  scale: Double, storage: StorageType, into out: UnsafeMutableRawPointer) {
        for i in 0..<d {
            for j in 0..<f {
                var acc = 0.0
                if let t {
                    for k in 0..<d { acc += t[k * d + i] * Double(w[k * f + j]) }
                } else {
                    acc = Double(w[i * f + j])
                }
                storage.store(scale * acc, out, i * f + j)
            }
        }
    }
}
