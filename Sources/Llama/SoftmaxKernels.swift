import Foundation

/// Row reductions for log-softmax over logits, vectorised (SIMD8, portable: plain `a*b + c`, no libm per lane),
/// each with a plain reference twin used by the tests.
///
/// `logsumexp(z) = m + log Σ_j exp(z_j − m)`, m = max_j z_j; NLL of target y = logsumexp(z) − z_y.
enum SoftmaxKernels {
    /// max_j x[j] over x: [count], count ≥ 1.
    static func max(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var j = 0
        var acc = SIMD8<Float>(repeating: -.infinity)
        while j + 8 <= count {
            acc = pointwiseMax(acc, SIMD8<Float>(UnsafeBufferPointer(start: x + j, count: 8)))
            j += 8
        }
        var m = acc.max()
        while j < count { m = Swift.max(m, x[j]); j += 1 }
        return m
    }

    /// Σ_j exp(x[j] − shift) over x: [count], for shift ≥ max x (arguments ≤ 0).
    static func sumExp(_ x: UnsafePointer<Float>, count: Int, shift: Float) -> Float {
        var j = 0
        var acc = SIMD8<Float>(repeating: 0)
        let s = SIMD8<Float>(repeating: shift)
        while j + 8 <= count {
            acc += exp(SIMD8<Float>(UnsafeBufferPointer(start: x + j, count: 8)) - s)
            j += 8
        }
        if j < count {
            var tail = SIMD8<Float>(repeating: -.infinity)
            for i in 0..<(count - j) { tail[i] = x[j + i] }
            acc += exp(tail - s)
        }
        return acc.sum()
    }

    /// e^x for x ≤ 0 (values below −87.3 give 0, −∞ gives 0), relative error < 2e-7.
    /// x = n·ln2 + r, |r| ≤ ln2/2; e^r by a degree-6 Taylor polynomial; 2^n built in the exponent bits.
    @inline(__always)
    static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let xc = pointwiseMax(x, SIMD8<Float>(repeating: -87.3))
        let magic = SIMD8<Float>(repeating: 12_582_912)            // 1.5·2^23: rounds to an integer in the low bits
        let nf = xc * SIMD8<Float>(repeating: 1.442_695_04) + magic
        let n = nf - magic
        var r = xc - n * SIMD8<Float>(repeating: 0.693_145_75)     // ln2 high part
        r = r - n * SIMD8<Float>(repeating: 1.428_606_8e-6)        // ln2 low part
        var p = SIMD8<Float>(repeating: 1.0 / 720)
        p = p * r + SIMD8<Float>(repeating: 1.0 / 120)
        p = p * r + SIMD8<Float>(repeating: 1.0 / 24)
        p = p * r + SIMD8<Float>(repeating: 1.0 / 6)
        p = p * r + SIMD8<Float>(repeating: 0.5)
        p = p * r + SIMD8<Float>(repeating: 1)
        p = p * r + SIMD8<Float>(repeating: 1)
        let bits = unsafeBitCast(nf, to: SIMD8<UInt32>.self) &- unsafeBitCast(magic, to: SIMD8<UInt32>.self)
        let scale = unsafeBitCast((bits &+ 127) &<< 23, to: SIMD8<Float>.self)
        let result = p * scale
        return result.replacing(with: 0, where: x .< SIMD8<Float>(repeating: -87.3))
    }

    @inline(__always)
    static func pointwiseMax(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        a.replacing(with: b, where: b .> a)
    }

    /// In place over x: [count]: x[j] ← softmax_j(scale·x[j]) for j < valid, and 0 for valid ≤ j < count.
    static func causalSoftmax(_ x: UnsafeMutablePointer<Float>, valid: Int, count: Int, scale: Float) {
        let m = max(x, count: valid) * scale
        let sv = SIMD8<Float>(repeating: scale), mv = SIMD8<Float>(repeating: m)
        var acc = SIMD8<Float>(repeating: 0)
        var j = 0
        while j + 8 <= valid {
            let e = exp(SIMD8<Float>(UnsafeBufferPointer(start: x + j, count: 8)) * sv - mv)
            acc += e
            UnsafeMutableRawPointer(x + j).storeBytes(of: e, as: SIMD8<Float>.self)
            j += 8
        }
        var sum = acc.sum()
        while j < valid {
            var lane = SIMD8<Float>(repeating: -.infinity)
            lane[0] = x[j] * scale - m
            let e = exp(lane)[0]
            x[j] = e
            sum += e
            j += 1
        }
        let inv = 1 / sum
        let iv = SIMD8<Float>(repeating: inv)
        j = 0
        while j + 8 <= valid {
            let e = SIMD8<Float>(UnsafeBufferPointer(start: x + j, count: 8)) * iv
            UnsafeMutableRawPointer(x + j).storeBytes(of: e, as: SIMD8<Float>.self)
            j += 8
        }
        while j < valid { x[j] *= inv; j += 1 }
        for z in valid..<Swift.max(valid, count) { x[z] = 0 }
    }

    // MARK: reference twins

    static func referenceMax(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var m = -Float.infinity
        for j in 0..<count { m = Swift.max(m, x[j]) }
        return m
    }

    static func referenceSumExp(_ x: UnsafePointer<Float>, count: Int, shift: Float) -> Double {
        var s = 0.0
        for j in 0..<count { s += Foundation.exp(Double(x[j]) - Double(shift)) }
        return s
    }
}
