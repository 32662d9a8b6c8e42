/// The order an optimiser visits stored rows in: a Fisher–Yates shuffle driven by SplitMix64, written down so that
/// a port in another language (`scripts/cosine_reference.py`) visits the same rows in the same order.
///
///     state ← state + 0x9E3779B97F4A7C15;  z ← state
///     z ← (z ⊕ (z ≫ 30))·0xBF58476D1CE4E5B9;  z ← (z ⊕ (z ≫ 27))·0x94D049BB133111EB;  next = z ⊕ (z ≫ 31)
///     for i = N−1 … 1:  j = next mod (i + 1);  swap(p[i], p[j])        (p starts as 0, 1, …, N−1 every epoch)
public struct RowShuffle {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A fresh permutation of 0..<n.
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        var i = n - 1
        while i > 0 {
            let j = Int(next() % UInt64(i + 1))
            p.swapAt(i, j)
            i -= 1
        }
        return p
    }
}
