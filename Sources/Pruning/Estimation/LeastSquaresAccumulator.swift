import TensorCore

/// Float64 normal-equation statistics for one span's transform, accumulated batch by batch (rows never stored).
///
/// With X = M_{s−1} (MLP output of the kept block, [R, D]) and Z = L_{s+n−1} − Y_{s−1} (what the removed blocks
/// plus the kept block's MLP add to the post-attention stream, [R, D]), the least-squares problem
/// min_T ‖X·T − Z‖²_F has normal equations (XᵀX)·T = XᵀZ. This accumulates
///
///     G = Σ XᵀX  [D, D],   C = Σ XᵀZ  [D, D],   zz = ‖Z‖²_F,   ll = ‖L_{s+n−1}‖²_F,   rows = R
///
/// in Float64, from Float32 rows, through `Gram64`. For magnitude compensation (`withResidual`) also, with
/// R = Y_{s−1} (the kept block's post-attention stream, [R, D]),
///
///     B = Σ XᵀR  [D, D],   rr = ‖R‖²_F,   rz = ⟨R, Z⟩_F
///
/// (`ScaledTransformSolver` reads them). Every token position is a row, including each window's first
/// position (its attention-sink activations carry much of the energy; leaving them out was measured to be
/// catastrophic). Windows are full length, so there are no padding rows (the reference includes pad rows).
public struct LeastSquaresAccumulator: Sendable {
    public let width: Int
    /// G = XᵀX: [D, D] row-major.
    public private(set) var gram: [Double]
    /// C = XᵀZ: [D, D] row-major.
    public private(set) var cross: [Double]
    /// ‖Z‖²_F.
    public private(set) var targetEnergy: Double = 0
    /// ‖L_{s+n−1}‖²_F (the full residual stream at the end of the span).
    public private(set) var streamEnergy: Double = 0
    public private(set) var rows: Int = 0
    /// B = XᵀR: [D, D] row-major (nil unless `withResidual`).
    public private(set) var residualCross: [Double]?
    /// ‖R‖²_F.
    public private(set) var residualEnergy: Double = 0
    /// ⟨R, Z⟩_F.
    public private(set) var residualTarget: Double = 0

    public init(width: Int, withResidual: Bool = false) {
        self.width = width
        gram = [Double](repeating: 0, count: width * width)
        cross = [Double](repeating: 0, count: width * width)
        if withResidual { residualCross = [Double](repeating: 0, count: width * width) }
    }

    /// Adds rows: mlpOut = M_{s−1}, attnResidual = Y_{s−1}, spanOut = L_{s+n−1}, each [rows, D] row-major.
    /// `scratch` is reused between calls (it receives Z = spanOut − attnResidual).
    public mutating func add(rows r: Int, mlpOut: UnsafePointer<Float>, attnResidual: UnsafePointer<Float>,
                             spanOut: UnsafePointer<Float>, scratch: inout [Float]) {
        let d = width
        if scratch.count < r * d { scratch = [Float](repeating: 0, count: r * d) }
        var zz = 0.0, ll = 0.0
        scratch.withUnsafeMutableBufferPointer { zb in
            let z = zb.baseAddress!   // z: [r, D]
            (zz, ll) = Self.difference(count: r * d, target: spanOut, minus: attnResidual, into: z)
            gram.withUnsafeMutableBufferPointer { g in
                Gram64.accumulateXtX(rows: r, cols: d, x: mlpOut, ldx: d, g: g.baseAddress!)
            }
            cross.withUnsafeMutableBufferPointer { c in
                Gram64.accumulateXtY(rows: r, kx: d, ny: d, x: mlpOut, ldx: d, y: UnsafePointer(z), ldy: d,
                                     c: c.baseAddress!)
            }
            if residualCross != nil {
                residualCross!.withUnsafeMutableBufferPointer { b in
                    Gram64.accumulateXtY(rows: r, kx: d, ny: d, x: mlpOut, ldx: d, y: attnResidual, ldy: d, c: b.baseAddress!)
                }
                residualEnergy += Statistics64.dot(count: r * d, x: attnResidual, y: attnResidual)
                residualTarget += Statistics64.dot(count: r * d, x: attnResidual, y: UnsafePointer(z))
            }
        }
        targetEnergy += zz
        streamEnergy += ll
        rows += r
    }

    /// z[i] = target[i] − minus[i] over [count], returning (Σ z², Σ target²) accumulated in Float64; in chunks on
    /// all threads (partial sums added in chunk order, so the result does not depend on timing).
    static func difference(count: Int, target: UnsafePointer<Float>, minus: UnsafePointer<Float>,
                           into z: UnsafeMutablePointer<Float>) -> (Double, Double) {
        let chunks = Parallel.split(count, parts: max(1, min(64, count / 16_384)), granule: 16_384)
        let sums = UnsafeMutablePointer<Double>.allocate(capacity: 2 * chunks.count)   // [chunk, 2]
        defer { sums.deallocate() }
        let st = SharedPointer(target), sm = SharedPointer(minus), sz = DisjointPointer(z), ss = DisjointPointer(sums)
        Parallel.forEach(chunks.count) { c in
            var zz = SIMD4<Double>(), ll = SIMD4<Double>()
            var i = chunks[c].lowerBound
            let end = chunks[c].upperBound
            while i + 4 <= end {
                let t = UnsafeRawPointer(st.base + i).loadUnaligned(as: SIMD4<Float>.self)
                let v = t - UnsafeRawPointer(sm.base + i).loadUnaligned(as: SIMD4<Float>.self)
                UnsafeMutableRawPointer(sz.base + i).storeBytes(of: v, as: SIMD4<Float>.self)
                let vd = SIMD4<Double>(v), td = SIMD4<Double>(t)
                zz += vd * vd
                ll += td * td
                i += 4
            }
            var zs = zz.sum(), ls = ll.sum()
            while i < end {
                let t = st.base[i], v = t - sm.base[i]
                sz.base[i] = v
                zs += Double(v) * Double(v)
                ls += Double(t) * Double(t)
                i += 1
            }
            ss.base[2 * c] = zs
            ss.base[2 * c + 1] = ls
        }
        var zz = 0.0, ll = 0.0
        for c in chunks.indices { zz += sums[2 * c]; ll += sums[2 * c + 1] }
        return (zz, ll)
    }

    /// Adds another accumulator's statistics (e.g. from a parallel worker).
    public mutating func merge(_ other: LeastSquaresAccumulator) {
        for i in gram.indices { gram[i] += other.gram[i] }
        for i in cross.indices { cross[i] += other.cross[i] }
        targetEnergy += other.targetEnergy
        streamEnergy += other.streamEnergy
        rows += other.rows
        if let ob = other.residualCross, residualCross != nil {
            for i in ob.indices { residualCross![i] += ob[i] }
            residualEnergy += other.residualEnergy
            residualTarget += other.residualTarget
        }
    }

    /// Throws `PruningError.nonFinite` naming `layer` if any statistic is NaN or infinite.
    public func checkFinite(layer: Int) throws {
        if !gram.allSatisfy(\.isFinite) { throw PruningError.nonFinite(statistic: "Gram matrix MᵀM", layer: layer) }
        if !cross.allSatisfy(\.isFinite) {
            throw PruningError.nonFinite(statistic: "cross term Mᵀ(L_end − Y)", layer: layer)
        }
        if !targetEnergy.isFinite || !streamEnergy.isFinite {
            throw PruningError.nonFinite(statistic: "target energy ‖L_end − Y‖²", layer: layer)
        }
        if let b = residualCross, !b.allSatisfy(\.isFinite) || !residualEnergy.isFinite || !residualTarget.isFinite {
            throw PruningError.nonFinite(statistic: "residual cross term MᵀY", layer: layer)
        }
    }
}
