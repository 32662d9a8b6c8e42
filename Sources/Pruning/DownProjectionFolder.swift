import TensorCore

/// Folds a span's transform into the kept block's MLP down-projection.
///
/// `down_proj.weight` W is [D, F] (out × in, HF `Linear` layout): the MLP output of a token is the row
/// m = h·Wᵀ for the gated hidden row h [F]. Replacing m by m·T gives h·Wᵀ·T = h·(Tᵀ·W)ᵀ, hence
///
///     W′ = Tᵀ·W,   W′[i, j] = Σ_k T[k, i]·W[k, j]      (Float64, then one rounding to the stored dtype)
///
/// The shape stays [D, F], so inference code needs no change.
public enum DownProjectionFolder {
    /// Returns the bytes of Tᵀ·W in `type`. `weight`: [D, F] elements of `type`; `t`: [D, D] Float64 row-major.
    public static func fold(weight: UnsafeRawPointer, type: StorageType, rows d: Int, cols f: Int,
                            transform t: [Double]) throws -> [UInt8] {
        guard t.count == d * d else {
            throw PruningError.shapeMismatch(what: "transform for a [\(d), \(f)] down_proj", expected: "\(d)×\(d)",
                                             actual: "\(t.count) values")
        }
        var w64 = [Double](repeating: 0, count: d * f)     // w64: [D, F] Float64 copy of W
        for i in 0..<(d * f) { w64[i] = type.load(weight, i) }
        var out = [UInt8](repeating: 0, count: d * f * type.byteSize)   // out: [D, F] in `type`
        let chunks = min(d, 4 * Parallel.defaultThreads)
        w64.withUnsafeBufferPointer { wb in
            t.withUnsafeBufferPointer { tb in
                out.withUnsafeMutableBytes { ob in
                    let w = SharedPointer(wb.baseAddress!), tp = SharedPointer(tb.baseAddress!)
                    let o = DisjointPointer(ob.baseAddress!.assumingMemoryBound(to: UInt8.self))
                    Parallel.forEach(chunks) { chunk in
                        var acc = [Double](repeating: 0, count: f)   // acc: [F], one output row
                        let lo = chunk * d / chunks, hi = (chunk + 1) * d / chunks
                        for i in lo..<hi {
                            acc.withUnsafeMutableBufferPointer { a in
                                // Start from −0: −0 + x == x for every x, so all-zero sums keep their sign.
                                for j in 0..<f { a[j] = -0.0 }
                                for k in 0..<d {
                                    let tki = tp.base[k * d + i]
                                    if tki == 0 { continue }
                                    let wk = w.base + k * f
                                    for j in 0..<f { a[j] += tki * wk[j] }
                                }
                                let raw = UnsafeMutableRawPointer(o.base)
                                for j in 0..<f { type.store(a[j], raw, i * f + j) }
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
