import XCTest
@testable import TensorCore

final class KernelsTests: XCTestCase {
    let sizes = awkwardSizes + [257, 1000]

    func testRMSNormEveryPath() {
        for path in KernelPath.supported {
            for dim in sizes {
                let rows = 3
                let x = randomFloats(rows * dim, seed: UInt64(dim), range: -3...3), w = randomFloats(dim, seed: 9)
                var y = [Float](repeating: 0, count: rows * dim), ref = y
                Kernels.rmsNorm(rows: rows, dim: dim, x: x, weight: w, eps: 1e-5, y: &y, path: path)
                ReferenceKernels.rmsNorm(rows: rows, dim: dim, x: x, weight: w, eps: 1e-5, y: &ref)
                XCTAssertLessThan(relativeError(y, ref.map(Double.init)), 1e-6, "\(path) dim=\(dim)")
            }
        }
    }

    func testRoPEEveryPath() {
        for path in KernelPath.supported {
            for headDim in [2, 6, 16, 34, 64, 128] {
                let rows = 5, heads = 3, half = headDim / 2
                let inv = RoPE.inverseFrequencies(headDim: headDim, theta: 10000)
                let (c, s) = RoPE.tables(invFreq: inv, start: 3, count: rows)
                XCTAssertEqual(c.count, rows * half)
                var x = randomFloats(rows * heads * headDim, seed: UInt64(headDim)), ref = x
                Kernels.rope(rows: rows, heads: heads, headDim: headDim, x: &x, cos: c, sin: s, path: path)
                ReferenceKernels.rope(rows: rows, heads: heads, headDim: headDim, x: &ref, cos: c, sin: s)
                XCTAssertLessThan(relativeError(x, ref.map(Double.init)), 1e-6, "\(path) hd=\(headDim)")
            }
        }
    }

    func testSiluGateAndAddEveryPath() {
        for path in KernelPath.supported {
            for n in sizes + [70_001] {
                let g = randomFloats(n, seed: UInt64(n), range: -30...30), u = randomFloats(n, seed: 3)
                var out = [Float](repeating: 0, count: n), ref = out
                Kernels.siluGate(count: n, gate: g, up: u, out: &out, path: path)
                ReferenceKernels.siluGate(count: n, gate: g, up: u, out: &ref)
                XCTAssertLessThan(relativeError(out, ref.map(Double.init)), 1e-6, "\(path) n=\(n)")
                var y = u, yref = u
                Kernels.add(count: n, x: g, y: &y, path: path)
                ReferenceKernels.add(count: n, x: g, y: &yref)
                XCTAssertEqual(y, yref, "\(path) add n=\(n)")  // one IEEE addition per element on every path
                var s = [Float](repeating: .nan, count: n), sref = s
                Kernels.sum(count: n, x: g, y: u, out: &s, path: path)
                ReferenceKernels.sum(count: n, x: g, y: u, out: &sref)
                XCTAssertEqual(s, sref, "\(path) sum n=\(n)")
                var c = [Float](repeating: .nan, count: n)
                Kernels.copy(count: n, from: g, to: &c)
                XCTAssertEqual(c, g, "copy n=\(n)")
            }
        }
    }

    /// O = P·V for one query position on awkward shapes (rows = heads per group, count = keys, width = head_dim,
    /// a value stride wider than the width as in [T, KV·hd]).
    func testWeightedRowSumEveryPath() {
        for path in KernelPath.supported {
            for (rows, count, width, extra) in [(1, 1, 1, 0), (3, 17, 7, 5), (2, 65, 64, 128), (7, 129, 33, 0), (1, 300, 80, 80)] {
                let ldv = width + extra
                let p = randomFloats(rows * count, seed: UInt64(count), range: 0...1)
                let v = randomFloats(count * ldv, seed: UInt64(width))
                var out = [Float](repeating: .nan, count: rows * width), ref = out
                Kernels.weightedRowSum(rows: rows, count: count, width: width, weights: p, values: v, ldv: ldv, out: &out, path: path)
                ReferenceKernels.weightedRowSum(rows: rows, count: count, width: width, weights: p, values: v, ldv: ldv, out: &ref)
                // Both sum over s in index order; FMA (one rounding) vs multiply-add (two) differ by rounding only.
                XCTAssertLessThan(relativeError(out, ref.map(Double.init)), 1e-6, "\(path) \(rows)x\(count)x\(width)")
            }
        }
    }

    func testDotEveryPath() {
        for path in KernelPath.supported {
            for n in sizes + [576, 4099] {
                let a = randomFloats(n, seed: UInt64(n)), b = randomFloats(n, seed: UInt64(n + 1))
                let fast = Double(Kernels.dot(count: n, a: a, b: b, path: path))
                let slow = ReferenceKernels.dot(count: n, a: a, b: b)
                let scale = zip(a, b).reduce(0.0) { $0 + abs(Double($1.0) * Double($1.1)) }
                XCTAssertEqual(fast, slow, accuracy: 1e-6 * max(scale, 1), "\(path) n=\(n)")
            }
        }
    }

    func testSiluExtremesStayFinite() {
        for path in KernelPath.supported {
            let g: [Float] = [-1000, -100, -88, -20, -1e-30, 0, 1e-30, 20, 88, 100, 1000, 3e38]
            let u = [Float](repeating: 1, count: g.count)
            var out = [Float](repeating: .nan, count: g.count)
            Kernels.siluGate(count: g.count, gate: g, up: u, out: &out, path: path)
            for (x, y) in zip(g, out) {
                XCTAssertTrue(y.isFinite, "\(path) silu(\(x)) = \(y)")
                let expect = Double(x) / (1 + Foundation.exp(-Double(x)))
                XCTAssertEqual(Double(y), expect, accuracy: max(1e-6, abs(expect) * 1e-6), "\(path) silu(\(x))")
            }
        }
    }

    func testRowMaxAndSumExpEveryPath() {
        for path in KernelPath.supported {
            for count in [1, 2, 7, 8, 9, 15, 16, 17, 31, 64, 257, 1001] {
                var x = randomFloats(count, seed: UInt64(count), range: -40...20)
                if count > 3 { x[count / 2] = -.infinity }   // a masked logit contributes nothing
                let m = Kernels.rowMax(count: count, x: x, path: path)
                XCTAssertEqual(m, ReferenceKernels.rowMax(count: count, x: x), "\(path) count=\(count)")
                let fast = Double(Kernels.sumExp(count: count, x: x, shift: m, path: path))
                let ref = ReferenceKernels.sumExp(count: count, x: x, shift: m)
                XCTAssertEqual(fast, ref, accuracy: ref * 2e-6, "\(path) count=\(count)")
            }
            let allMasked = [Float](repeating: -.infinity, count: 11)
            XCTAssertEqual(Kernels.rowMax(count: 11, x: allMasked, path: path), -.infinity)
        }
    }

    func testCausalSoftmaxEveryPath() {
        for path in KernelPath.supported {
            // (rows, count, firstValid, ld): partial vectors, rows that see every key, a stride wider than count.
            for (rows, count, first, ld) in [(1, 1, 1, 1), (3, 5, 1, 5), (9, 9, 1, 9), (4, 17, 14, 20),
                                             (64, 128, 65, 128), (7, 40, 30, 41), (2, 300, 299, 300)] {
                var x = randomFloats(rows * ld, seed: UInt64(rows * count), range: -30...30), ref = x
                Kernels.causalSoftmax(rows: rows, count: count, firstValid: first, scale: 0.125, x: &x, ld: ld, path: path)
                ReferenceKernels.causalSoftmax(rows: rows, count: count, firstValid: first, scale: 0.125, x: &ref, ld: ld)
                for r in 0..<rows {
                    let row = Array(x[(r * ld)..<(r * ld + count)]), refRow = Array(ref[(r * ld)..<(r * ld + count)])
                    XCTAssertLessThan(relativeError(row, refRow.map(Double.init)), 1e-6, "\(path) \(rows)x\(count) row \(r)")
                    let valid = min(count, first + r)
                    XCTAssertEqual(row[valid...].allSatisfy { $0 == 0 }, true, "\(path) masked keys are exactly 0")
                    XCTAssertEqual(row[..<valid].reduce(0, +), 1, accuracy: 1e-5, "\(path) row sums to 1")
                }
                for r in 0..<rows where ld > count {   // padding columns are not touched
                    XCTAssertEqual(Array(x[(r * ld + count)..<(r * ld + ld)]), Array(ref[(r * ld + count)..<(r * ld + ld)]))
                }
            }
        }
    }

    func testCausalAttentionEveryPath() {
        for path in KernelPath.supported {
            // 1 token, primes, the 64-row block ± 1, GQA and MHA; one scratch buffer reused across shapes.
            let scratch = FloatBuffer()
            for (t, heads, kv, hd) in [(1, 2, 1, 8), (2, 3, 3, 6), (7, 4, 2, 16), (17, 2, 1, 2), (63, 4, 2, 8), (64, 4, 1, 8),
                                       (65, 3, 1, 64), (65, 6, 2, 10), (129, 2, 2, 32), (130, 2, 2, 16), (150, 4, 1, 8)] {
                let q = randomFloats(t * heads * hd, seed: 1, range: -2...2)
                let k = randomFloats(t * kv * hd, seed: 2, range: -2...2), v = randomFloats(t * kv * hd, seed: 3)
                var out = [Float](repeating: .nan, count: t * heads * hd), ref = out
                Kernels.causalAttention(seqLen: t, heads: heads, kvHeads: kv, headDim: hd, q: q, k: k, v: v,
                                        out: &out, scratch: scratch, path: path)
                ReferenceKernels.causalAttention(seqLen: t, heads: heads, kvHeads: kv, headDim: hd, q: q, k: k,
                                                 v: v, out: &ref)
                XCTAssertLessThan(relativeError(out, ref.map(Double.init)), 2e-6, "\(path) T=\(t) H=\(heads) KV=\(kv) hd=\(hd)")
            }
        }
    }

    func testHalfConversionsEveryPath() {
        var special: [Float] = [0, -0, 1, -1, .infinity, -.infinity, .nan, -.nan, 65504, 65520, 1e-8, 6e-8, 3e38,
                                .leastNonzeroMagnitude, Float(bitPattern: 0x3F80_8000), Float(bitPattern: 0x3F81_8000),
                                Float(bitPattern: 0x7F80_0001), Float(bitPattern: 0xFFC0_0001)]
        special += randomFloats(300, seed: 4, range: -70000...70000)
        special += randomFloats(41, seed: 5, range: -1e-4...1e-4)
        let n = special.count
        for path in KernelPath.supported {
            for count in [1, 7, 17, n] {
                var b1 = [UInt16](repeating: 0, count: count), b2 = b1, h1 = b1, h2 = b1
                special.withUnsafeBufferPointer { src in
                    HalfConversion.floatToBF16(src.baseAddress!, &b1, count: count, path: path)
                    ReferenceKernels.floatToBF16(src.baseAddress!, &b2, count: count)
                    HalfConversion.floatToF16(src.baseAddress!, &h1, count: count, path: path)
                    ReferenceKernels.floatToF16(src.baseAddress!, &h2, count: count)
                }
                for i in 0..<count {
                    if special[i].isNaN {
                        XCTAssertTrue(Float(bitPattern: UInt32(b1[i]) << 16).isNaN, "\(path) bf16 NaN at \(i)")
                        XCTAssertTrue(Float16(bitPattern: h1[i]).isNaN, "\(path) f16 NaN at \(i)")
                        XCTAssertEqual(b1[i] & 0x8000, b2[i] & 0x8000, "NaN sign")
                    } else {
                        XCTAssertEqual(b1[i], b2[i], "\(path) bf16 of \(special[i])")
                        XCTAssertEqual(h1[i], h2[i], "\(path) f16 of \(special[i])")
                    }
                }
                var f1 = [Float](repeating: 0, count: count), f2 = f1, g1 = f1, g2 = f1
                HalfConversion.bf16ToFloat(b1, &f1, count: count, path: path)
                ReferenceKernels.bf16ToFloat(b1, &f2, count: count)
                HalfConversion.f16ToFloat(h1, &g1, count: count, path: path)
                ReferenceKernels.f16ToFloat(h1, &g2, count: count)
                XCTAssertEqual(f1.map(\.bitPattern), f2.map(\.bitPattern), "\(path) bf16→f32")
                XCTAssertEqual(g1.map(\.bitPattern), g2.map(\.bitPattern), "\(path) f16→f32")
            }
        }
    }

    func testBF16RoundsToNearestEven() {
        // 1 + 2^-8 is exactly half-way between bf16 1.0 and 1.0078125: ties to even → 1.0.
        XCTAssertEqual(HalfConversion.bf16Bits(Float(bitPattern: 0x3F80_8000)), 0x3F80)
        XCTAssertEqual(HalfConversion.bf16Bits(Float(bitPattern: 0x3F81_8000)), 0x3F82)
        XCTAssertEqual(HalfConversion.bf16Bits(Float(bitPattern: 0x3F80_8001)), 0x3F81)
        XCTAssertEqual(HalfConversion.bf16Bits(Float(bitPattern: 0x7F80_0001)) & 0x7FC0, 0x7FC0)  // sNaN → quiet
    }

    func testLlama3FrequenciesFollowTheThreeBands() {
        let plain = RoPE.inverseFrequencies(headDim: 64, theta: 500000)
        let scaled = RoPE.inverseFrequencies(headDim: 64, theta: 500000,
                                             scaling: .llama3(factor: 8, lowFreqFactor: 1, highFreqFactor: 4,
                                                              originalMaxPositions: 8192))
        for (p, s) in zip(plain, scaled) {
            let wavelen = 2 * Double.pi / Double(p)
            if wavelen < 8192 / 4 { XCTAssertEqual(s, p) }
            else if wavelen > 8192 { XCTAssertEqual(Double(s), Double(p) / 8, accuracy: Double(p) * 1e-6) }
            else { XCTAssertTrue(s < p && Double(s) > Double(p) / 8) }
        }
    }
}
