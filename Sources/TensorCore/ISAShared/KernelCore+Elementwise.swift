// Shared ISA source (see PanelSource.swift): row-wise and element-wise kernels of the LLaMA block.

extension KernelCore {
    /// y[t, :] = x[t, :] · (mean(x[t, :]²) + eps)^(−1/2) · w for rows t; x, y: [rows, dim] (may alias); w: [dim].
    @inline(never)
    package static func rmsNorm(rows: Int, dim: Int, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                eps: Float, y: UnsafeMutablePointer<Float>) {
        let w = FloatVector.scalarCount, dv = dim / w * w
        for t in 0..<rows {
            let xr = x + t * dim, yr = y + t * dim
            var s0 = FloatVector(), s1 = FloatVector()
            var i = 0
            while i + 2 * w <= dv {
                let a = VectorMath.load(xr + i), b = VectorMath.load(xr + i + w)
                s0 = fmadd(s0, a, a); s1 = fmadd(s1, b, b)
                i += 2 * w
            }
            if i < dv { let a = VectorMath.load(xr + i); s0 = fmadd(s0, a, a) }
            var ss = (s0 + s1).sum()
            for j in dv..<dim { ss += xr[j] * xr[j] }
            let r = 1 / (ss / Float(dim) + eps).squareRoot()
            let rv = FloatVector(repeating: r)
            i = 0
            while i < dv {
                VectorMath.store(VectorMath.load(weight + i) * (VectorMath.load(xr + i) * rv), yr + i)
                i += w
            }
            for j in dv..<dim { yr[j] = weight[j] * (xr[j] * r) }
        }
    }

    /// Rotate-half RoPE in place: per head, (a, b) = (x[j], x[j + h/2]) → (a·cos − b·sin, b·cos + a·sin).
    /// x: [rows, heads·headDim]; cos, sin: [rows, headDim/2].
    @inline(never)
    package static func rope(rows: Int, heads: Int, headDim: Int, x: UnsafeMutablePointer<Float>,
                             cos: UnsafePointer<Float>, sin: UnsafePointer<Float>) {
        let half = headDim / 2, w = FloatVector.scalarCount, hv = half / w * w
        for t in 0..<rows {
            let ct = cos + t * half, st = sin + t * half
            for h in 0..<heads {
                let base = x + t * heads * headDim + h * headDim
                var j = 0
                while j < hv {
                    let a = VectorMath.load(base + j), b = VectorMath.load(base + j + half)
                    let c = VectorMath.load(ct + j), s = VectorMath.load(st + j)
                    VectorMath.store(a * c - b * s, base + j)
                    VectorMath.store(b * c + a * s, base + j + half)
                    j += w
                }
                for q in hv..<half {
                    let a = base[q], b = base[q + half]
                    base[q] = a * ct[q] - b * st[q]
                    base[q + half] = b * ct[q] + a * st[q]
                }
            }
        }
    }

    /// out[i] = gate[i] / (1 + e^(−gate[i])) · up[i] over [count]; out may alias gate or up.
    @inline(never)
    package static func siluGate(count: Int, gate: UnsafePointer<Float>, up: UnsafePointer<Float>,
                                 out: UnsafeMutablePointer<Float>) {
        let w = FloatVector.scalarCount, cv = count / w * w
        let one = FloatVector(repeating: 1)
        var i = 0
        while i < cv {
            let g = VectorMath.load(gate + i)
            VectorMath.store(g / (one + VectorMath.exp(-g)) * VectorMath.load(up + i), out + i)
            i += w
        }
        if cv < count {
            // Tail through a padded vector so every lane uses the same exp as the body.
            var g = FloatVector(), u = FloatVector()
            for j in cv..<count { g[j - cv] = gate[j]; u[j - cv] = up[j] }
            let r = g / (one + VectorMath.exp(-g)) * u
            for j in cv..<count { out[j] = r[j - cv] }
        }
    }

    /// out[i] = x[i] + y[i] over [count] (out may alias x or y).
    @inline(never)
    package static func sum(count: Int, x: UnsafePointer<Float>, y: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>) {
        let w = FloatVector.scalarCount, cv = count / w * w
        var i = 0
        while i < cv {
            VectorMath.store(VectorMath.load(x + i) + VectorMath.load(y + i), out + i)
            i += w
        }
        for j in cv..<count { out[j] = x[j] + y[j] }
    }

    /// y[i] += x[i] over [count].
    @inline(never)
    package static func add(count: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        let w = FloatVector.scalarCount, cv = count / w * w
        var i = 0
        while i < cv {
            VectorMath.store(VectorMath.load(y + i) + VectorMath.load(x + i), y + i)
            i += w
        }
        for j in cv..<count { y[j] += x[j] }
    }

    /// out[j, :] = Σ_s weights[j, s]·values[s, :] for j < rows, s in index order: weights: [rows, count];
    /// values: [count, width] with row stride ldv; out: [rows, width]. (An attention output O = P·V.)
    @inline(never)
    package static func weightedRowSum(rows: Int, count: Int, width: Int, weights: UnsafePointer<Float>,
                                       values: UnsafePointer<Float>, ldv: Int, out: UnsafeMutablePointer<Float>) {
        let w = FloatVector.scalarCount, cv = width / w * w
        for j in 0..<rows {
            let o = out + j * width, p = weights + j * count
            o.initialize(repeating: 0, count: width)
            for s in 0..<count {
                let a = p[s], av = FloatVector(repeating: p[s]), vs = values + s * ldv
                var i = 0
                while i < cv {
                    VectorMath.store(fmadd(VectorMath.load(o + i), av, VectorMath.load(vs + i)), o + i)
                    i += w
                }
                for e in cv..<width { o[e] += a * vs[e] }
            }
        }
    }

    /// Σ a[i]·b[i] over [count] Float32 values, in vector lanes (two accumulators), then the tail.
    @inline(never)
    package static func dot(count: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>) -> Float {
        let w = FloatVector.scalarCount
        var s0 = FloatVector(), s1 = FloatVector()
        var i = 0
        while i + 2 * w <= count {
            s0 = fmadd(s0, VectorMath.load(a + i), VectorMath.load(b + i))
            s1 = fmadd(s1, VectorMath.load(a + i + w), VectorMath.load(b + i + w))
            i += 2 * w
        }
        if i + w <= count {
            s0 = fmadd(s0, VectorMath.load(a + i), VectorMath.load(b + i))
            i += w
        }
        var total = (s0 + s1).sum()
        while i < count { total += a[i] * b[i]; i += 1 }
        return total
    }
}
