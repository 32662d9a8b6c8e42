// Shared ISA source (see PanelSource.swift): the packed, cache-blocked matrix product and its micro-kernel.

/// Cache blocking of the packed product (Goto/BLIS loop order: jc → pc → ic → jr → ir).
/// The micro-kernel computes an MR×NR tile of C with NR = 2 vectors, streaming a B micro-panel (kc×NR) and an
/// A micro-panel (kc×MR) from L2; the A block (mc×kc) stays in L2 and the B block (kc×nc) in L3.
/// A long kc matters most: every K block re-reads and re-writes C, and C-tile misses stall the kernel.
package struct GemmBlocking: Sendable {
    package static let mr = 6
    package var kc: Int
    package var mc: Int
    package var nc: Int
}

/// Written by `PackedGemm.touch` so its loads are not optimised away (the value itself is meaningless).
nonisolated(unsafe) var touchSink = 0

package enum PackedGemm {
    /// Blocking for scalars of `scalarBytes` in vectors of `lanes`: B micro-panels of 48 KiB, an A block of 432 KiB
    /// (L2 is 512 KiB per core on Zen 3), a B block of 6 MiB (L3). Measured on Zen 3 (AVX2, Float32):
    /// kc = 768, mc = 144, nc = 2048 gave 90–95 GFLOP/s on one core where kc = 256, mc = 144 gave 70–85.
    @inline(__always)
    package static func blocking(scalarBytes: Int, lanes: Int) -> GemmBlocking {
        let nr = 2 * lanes
        let kc = max(64, (48 * 1024 / (nr * scalarBytes)) & ~7)
        let mc = max(GemmBlocking.mr, (432 * 1024 / (kc * scalarBytes)) / GemmBlocking.mr * GemmBlocking.mr)
        let nc = max(nr, (6 * 1024 * 1024 / (kc * scalarBytes)) / nr * nr)
        return GemmBlocking(kc: kc, mc: mc, nc: nc)
    }

    /// C[m, n] = alpha·Σ_p A[i, p]·B[j, p] (+ C when `accumulate`), single thread.
    /// A, B: panel sources (logical [m, k] and [n, k]); C: row-major with stride `ldc`.
    @inline(__always)
    package static func run<V: SIMD, A: PanelSource, B: PanelSource>(
        _ vector: V.Type, m: Int, n: Int, k: Int, a: A, b: B,
        c: UnsafeMutablePointer<V.Scalar>, ldc: Int, alpha: V.Scalar, accumulate: Bool
    ) where A.Scalar == V.Scalar, B.Scalar == V.Scalar, V.Scalar: BinaryFloatingPoint {
        if m <= 0 || n <= 0 { return }
        if k <= 0 {
            if !accumulate { for i in 0..<m { (c + i * ldc).initialize(repeating: 0, count: n) } }
            return
        }
        let mr = GemmBlocking.mr, nr = 2 * V.scalarCount
        var blk = blocking(scalarBytes: MemoryLayout<V.Scalar>.stride, lanes: V.scalarCount)
        // Equal K blocks no larger than kc.
        let kBlocks = (k + blk.kc - 1) / blk.kc
        blk.kc = (k + kBlocks - 1) / kBlocks
        // Shrink blocks to the problem so small products allocate small workspaces.
        blk.kc = min(blk.kc, k)
        blk.mc = min(blk.mc, (m + mr - 1) / mr * mr)
        blk.nc = min(blk.nc, (n + nr - 1) / nr * nr)
        let align = 64
        let bytes = MemoryLayout<V.Scalar>.stride
        let ap = UnsafeMutableRawPointer.allocate(byteCount: blk.mc * blk.kc * bytes, alignment: align)
            .bindMemory(to: V.Scalar.self, capacity: blk.mc * blk.kc)
        let bp = UnsafeMutableRawPointer.allocate(byteCount: blk.nc * blk.kc * bytes, alignment: align)
            .bindMemory(to: V.Scalar.self, capacity: blk.nc * blk.kc)
        defer { ap.deallocate(); bp.deallocate() }

        var jc = 0
        while jc < n {
            let ncb = min(blk.nc, n - jc)
            var pc = 0
            while pc < k {
                let kcb = min(blk.kc, k - pc)
                var jr = 0
                while jr < ncb {
                    b.pack(jc + jr, min(nr, ncb - jr), pc, kcb, width: nr, into: bp + jr * kcb)
                    jr += nr
                }
                let add = accumulate || pc > 0
                var ic = 0
                while ic < m {
                    let mcb = min(blk.mc, m - ic)
                    var ir = 0
                    while ir < mcb {
                        a.pack(ic + ir, min(mr, mcb - ir), pc, kcb, width: mr, into: ap + ir * kcb)
                        ir += mr
                    }
                    jr = 0
                    while jr < ncb {
                        if add { touch(c + ic * ldc + jc + jr, rows: mcb, ldc: ldc, cols: min(nr, ncb - jr)) }
                        ir = 0
                        while ir < mcb {
                            microKernel(V.self, kc: kcb, a: ap + ir * kcb, b: bp + jr * kcb,
                                        c: c + (ic + ir) * ldc + jc + jr, ldc: ldc,
                                        rows: min(mr, mcb - ir), cols: min(nr, ncb - jr), alpha: alpha, add: add)
                            ir += mr
                        }
                        jr += nr
                    }
                    ic += mcb
                }
                pc += kcb
            }
            jc += ncb
        }
    }

    /// Reads the first and last element of each row of a C column panel so its cache lines are on their way
    /// before the micro-kernels load them (Swift has no prefetch instruction); the loads overlap each other
    /// instead of stalling each micro-kernel at its end.
    @inline(__always)
    static func touch<S: BinaryFloatingPoint>(_ c: UnsafeMutablePointer<S>, rows: Int, ldc: Int, cols: Int) {
        var sink: S = 0
        for r in 0..<rows { sink += c[r * ldc] + c[r * ldc + cols - 1] }
        touchSink = sink == 1.2345 ? 1 : 0
    }

    /// The 6 × 2V register tile: acc[r] += a[p, r]·b[p, :] over kc steps, then C = alpha·acc (+ C).
    /// a: packed [kc, 6]; b: packed [kc, 2V]; C tile: rows × cols valid (≤ 6 × 2V), stride ldc.
    @inline(__always)
    static func microKernel<V: SIMD>(
        _: V.Type, kc: Int, a: UnsafePointer<V.Scalar>, b: UnsafePointer<V.Scalar>,
        c: UnsafeMutablePointer<V.Scalar>, ldc: Int, rows: Int, cols: Int, alpha: V.Scalar, add: Bool
    ) where V.Scalar: BinaryFloatingPoint {
        let w = V.scalarCount
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
        var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
        var pa = a, pb = UnsafeRawPointer(b)
        let vb = MemoryLayout<V.Scalar>.stride * w
        // One reduction step: acc[r] += a[p, r] · b[p, :] for the 6 rows, 12 FMAs.
        @inline(__always) func step(_ pa: UnsafePointer<V.Scalar>, _ pb: UnsafeRawPointer) {
            let b0 = pb.loadUnaligned(as: V.self)
            let b1 = pb.loadUnaligned(fromByteOffset: vb, as: V.self)
            var x = V(repeating: pa[0])
            c00 = fmadd(c00, x, b0); c01 = fmadd(c01, x, b1)
            x = V(repeating: pa[1])
            c10 = fmadd(c10, x, b0); c11 = fmadd(c11, x, b1)
            x = V(repeating: pa[2])
            c20 = fmadd(c20, x, b0); c21 = fmadd(c21, x, b1)
            x = V(repeating: pa[3])
            c30 = fmadd(c30, x, b0); c31 = fmadd(c31, x, b1)
            x = V(repeating: pa[4])
            c40 = fmadd(c40, x, b0); c41 = fmadd(c41, x, b1)
            x = V(repeating: pa[5])
            c50 = fmadd(c50, x, b0); c51 = fmadd(c51, x, b1)
        }
        // Not unrolled: unrolling let LLVM interleave steps and spill accumulators (seen for Float64).
        for _ in 0..<kc {
            step(pa, pb)
            pa += 6
            pb += 2 * vb
        }
        if rows == GemmBlocking.mr && cols == 2 * w {
            storeRow(c, c00, c01, alpha: alpha, add: add)
            storeRow(c + ldc, c10, c11, alpha: alpha, add: add)
            storeRow(c + 2 * ldc, c20, c21, alpha: alpha, add: add)
            storeRow(c + 3 * ldc, c30, c31, alpha: alpha, add: add)
            storeRow(c + 4 * ldc, c40, c41, alpha: alpha, add: add)
            storeRow(c + 5 * ldc, c50, c51, alpha: alpha, add: add)
            return
        }
        withUnsafeTemporaryAllocation(of: V.self, capacity: 12) { t in
            t[0] = c00; t[1] = c01; t[2] = c10; t[3] = c11; t[4] = c20; t[5] = c21
            t[6] = c30; t[7] = c31; t[8] = c40; t[9] = c41; t[10] = c50; t[11] = c51
            UnsafeMutableRawPointer(t.baseAddress!).withMemoryRebound(to: V.Scalar.self, capacity: 12 * w) { s in
                for r in 0..<rows {
                    let row = c + r * ldc
                    for j in 0..<cols {
                        let v = alpha * s[r * 2 * w + j]
                        row[j] = add ? row[j] + v : v
                    }
                }
            }
        }
    }

    @inline(__always)
    static func storeRow<V: SIMD>(_ p: UnsafeMutablePointer<V.Scalar>, _ x0: V, _ x1: V, alpha: V.Scalar, add: Bool)
    where V.Scalar: BinaryFloatingPoint {
        let raw = UnsafeMutableRawPointer(p)
        let vb = MemoryLayout<V.Scalar>.stride * V.scalarCount
        var y0 = x0, y1 = x1
        if alpha != 1 { y0 = y0 * alpha; y1 = y1 * alpha }
        if add {
            y0 += raw.loadUnaligned(as: V.self)
            y1 += raw.loadUnaligned(fromByteOffset: vb, as: V.self)
        }
        raw.storeBytes(of: y0, as: V.self)
        raw.storeBytes(of: y1, toByteOffset: vb, as: V.self)
    }
}
