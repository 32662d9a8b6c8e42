/// Detects NaN and ±Inf in converted weights, so a corrupt checkpoint fails naming the tensor instead of
/// producing NaN perplexities. Fast path: x·0 is 0 for finite x and NaN otherwise; summed over SIMD lanes.
enum FiniteCheck {
    /// Index of the first non-finite element of x: [count], or nil.
    static func firstNonFinite(_ x: UnsafePointer<Float>, count: Int) -> Int? {
        var acc = SIMD8<Float>(repeating: 0)
        var j = 0
        while j + 8 <= count {
            acc += SIMD8<Float>(UnsafeBufferPointer(start: x + j, count: 8)) * 0
            j += 8
        }
        var tail: Float = 0
        while j < count { tail += x[j] * 0; j += 1 }
        if acc.sum() + tail == 0 { return nil }
        return (0..<count).first { !x[$0].isFinite }
    }

    /// Throws `LlamaError.nonFiniteWeight` naming `tensor` and the element index (`offset` + position).
    static func require(_ x: UnsafePointer<Float>, count: Int, tensor: String, offset: Int) throws {
        if let i = firstNonFinite(x, count: count) {
            throw LlamaError.nonFiniteWeight(tensor: tensor, index: offset + i, value: x[i])
        }
    }
}
