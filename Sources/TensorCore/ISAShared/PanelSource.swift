// Shared ISA source: compiled into TensorCore (generic path) and, through symlinks, into TensorCoreAVX2 and
// TensorCoreAVX512 with their own `-target-cpu`. Self-contained: it may not import TensorCore.

/// An operand of a packed matrix product, seen as a logical matrix `E[i, p]` where `i` runs over an output
/// dimension (rows of C for the left operand, columns of C for the right one) and `p` over the reduction.
/// `pack` copies a panel of it into the contiguous layout the micro-kernel streams through.
package protocol PanelSource {
    associatedtype Scalar: SIMDScalar & BinaryFloatingPoint
    /// dst[p·width + r] = E[i0 + r, p0 + p] for r < rows, p < kc; zero for rows ≤ r < width.
    func pack(_ i0: Int, _ rows: Int, _ p0: Int, _ kc: Int, width: Int, into dst: UnsafeMutablePointer<Scalar>)
}

/// `E[i, p] = base[i·ld + p]`: a row-major [I, P] matrix read along its rows (A and PyTorch-layout B of
/// `C = A·Bᵀ`). Packing transposes: each output element gathers one value from each of `rows` rows.
package struct RowMajorSource<Scalar: SIMDScalar & BinaryFloatingPoint>: PanelSource {
    package let base: UnsafePointer<Scalar>
    package let ld: Int
    package init(_ base: UnsafePointer<Scalar>, ld: Int) { self.base = base; self.ld = ld }

    @inline(__always)
    package func pack(_ i0: Int, _ rows: Int, _ p0: Int, _ kc: Int, width: Int,
                      into dst: UnsafeMutablePointer<Scalar>) {
        let src = base + i0 * ld + p0
        if rows == width {
            // Four reduction steps per pass keep `width` read streams sequential and writes contiguous.
            var p = 0
            while p + 4 <= kc {
                for r in 0..<width {
                    let s = src + r * ld + p
                    let d = dst + p * width + r
                    d[0] = s[0]; d[width] = s[1]; d[2 * width] = s[2]; d[3 * width] = s[3]
                }
                p += 4
            }
            while p < kc {
                for r in 0..<width { dst[p * width + r] = src[r * ld + p] }
                p += 1
            }
        } else {
            for p in 0..<kc {
                for r in 0..<rows { dst[p * width + r] = src[r * ld + p] }
                for r in rows..<width { dst[p * width + r] = 0 }
            }
        }
    }
}

/// `E[i, p] = Scalar(base[p·ld + i])`: the transpose of a row-major [P, I] matrix of `Stored` values, converted
/// to `Scalar` (V in `P·V`; triangular factors read by columns; X in `Xᵀ·Y`, Float32 widened to Float64, whose
/// reduction runs over the rows of X). Packing reads rows contiguously.
package struct TransposedSource<Stored: BinaryFloatingPoint, Scalar: SIMDScalar & BinaryFloatingPoint>: PanelSource {
    package let base: UnsafePointer<Stored>
    package let ld: Int
    package init(_ base: UnsafePointer<Stored>, ld: Int) { self.base = base; self.ld = ld }

    @inline(__always)
    package func pack(_ i0: Int, _ rows: Int, _ p0: Int, _ kc: Int, width: Int,
                      into dst: UnsafeMutablePointer<Scalar>) {
        for p in 0..<kc {
            let s = base + (p0 + p) * ld + i0
            let d = dst + p * width
            for r in 0..<rows { d[r] = Scalar(s[r]) }
            for r in rows..<width { d[r] = 0 }
        }
    }
}
