// Shared ISA source (see PanelSource.swift): row reductions of softmax, for attention scores and for logits.

extension KernelCore {
    /// max_j x[j] over x: [count], count ≥ 1 (−∞ when every element is −∞; NaN lanes are ignored).
    @inline(never)
    package static func rowMax(count: Int, x: UnsafePointer<Float>) -> Float {
        let w = FloatVector.scalarCount, cv = count / w * w
        var a0 = FloatVector(repeating: -.infinity), a1 = a0
        var j = 0
        while j + 2 * w <= cv {
            a0 = VectorMath.maximum(a0, VectorMath.load(x + j))
            a1 = VectorMath.maximum(a1, VectorMath.load(x + j + w))
            j += 2 * w
        }
        if j < cv { a0 = VectorMath.maximum(a0, VectorMath.load(x + j)) }
        var m = VectorMath.maximum(a0, a1).max()
        for i in cv..<count where x[i] > m { m = x[i] }
        return m
    }

    /// Σ_j e^(x[j] − shift) over x: [count], for shift ≥ max_j x[j] (every argument ≤ 0).
    /// Arguments below −87.3 contribute 0, so a −∞ element contributes nothing.
    @inline(never)
    package static func sumExp(count: Int, x: UnsafePointer<Float>, shift: Float) -> Float {
        let w = FloatVector.scalarCount, cv = count / w * w
        let s = FloatVector(repeating: shift)
        var acc = FloatVector()
        var j = 0
        while j < cv {
            acc += VectorMath.expNonPositive(VectorMath.load(x + j) - s)
            j += w
        }
        if cv < count {
            var tail = FloatVector(repeating: -.infinity)
            for i in cv..<count { tail[i - cv] = x[i] }
            acc += VectorMath.expNonPositive(tail - s)
        }
        return acc.sum()
    }

    /// x[j] ← e^(scale·x[j] − shift) for j < count, in place, returning their sum (scale > 0, shift ≥ scale·max x, so
    /// every argument is ≤ 0; arguments below −87.3 give exactly 0). The partial vector is padded with −∞.
    @inline(__always)
    static func storeExp(count: Int, x: UnsafeMutablePointer<Float>, scale: Float, shift: Float) -> Float {
        let w = FloatVector.scalarCount, cv = count / w * w
        let sv = FloatVector(repeating: scale), mv = FloatVector(repeating: shift)
        var acc = FloatVector()
        var j = 0
        while j < cv {
            let e = VectorMath.expNonPositive(fmadd(-mv, VectorMath.load(x + j), sv))
            VectorMath.store(e, x + j)
            acc += e
            j += w
        }
        if cv < count {
            var t = FloatVector(repeating: -.infinity)
            for i in cv..<count { t[i - cv] = x[i] }
            let e = VectorMath.expNonPositive(fmadd(-mv, t, sv))
            for i in cv..<count { x[i] = e[i - cv] }
            acc += e
        }
        return acc.sum()
    }

    /// Causal softmax of a block of score rows, in place. Row r of x ([rows, ld], ld ≥ count) sees the keys
    /// j < v_r = firstValid + r (clamped to count):
    ///
    ///     x[r, j] ← e^(scale·x[r, j] − m_r) / Σ_{j' < v_r} e^(scale·x[r, j'] − m_r)   for j < v_r,
    ///     x[r, j] ← 0                                                                for v_r ≤ j < count,
    ///
    /// with m_r = max_{j < v_r} scale·x[r, j] (scale > 0). firstValid ≥ 1, so every row sees at least one key.
    @inline(never)
    package static func causalSoftmax(rows: Int, count: Int, firstValid: Int, scale: Float,
                                      x: UnsafeMutablePointer<Float>, ld: Int) {
        let w = FloatVector.scalarCount
        for r in 0..<rows {
            let row = x + r * ld
            let valid = min(count, firstValid + r), vv = valid / w * w
            let sum = storeExp(count: valid, x: row, scale: scale, shift: rowMax(count: valid, x: row) * scale)
            let inv = FloatVector(repeating: 1 / sum)
            var j = 0
            while j < vv {
                VectorMath.store(VectorMath.load(row + j) * inv, row + j)
                j += w
            }
            for i in vv..<valid { row[i] *= inv[0] }
            for i in valid..<count { row[i] = 0 }
        }
    }
}
