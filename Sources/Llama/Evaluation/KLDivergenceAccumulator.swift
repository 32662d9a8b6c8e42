import Foundation
import TensorCore

/// A `PairedLogitsSink` computing, for every row r with a target, the KL divergence of the edited model's
/// next-token distribution from the reference (dense) model's, `KL(p_ref ‖ p) = Σ_v p_ref(v)·(log p_ref(v) − log p(v))`,
/// exactly, over vocabulary chunks. With z the edited logits and y the reference's (computed from `referenceNormed`
/// tile by tile by the model, so [R, V] is never held), per row it keeps the running max m_y and
/// S = Σ exp(y − m_y), A = Σ exp(y − m_y)·(y − z) (both rescaled when m_y grows), and logsumexp of z online:
/// ```
/// KL = A / S − lse(y) + lse(z)
/// ```
/// It also gives the edited model's NLL of each target (lse(z) − z[target]), so one pass yields both.
public final class KLDivergenceAccumulator: PairedLogitsSink {
    let targets: [Int32]
    /// RMSNorm_final(L_{L-1}) of the reference model on the same batch: [R, D].
    public let referenceNormed: [Float]
    var refMax: [Float], refSum: [Double], cross: [Double]      // [R] each: m_y, S, A
    var maxZ: [Float], sumZ: [Double]                           // [R]: m_z, Σ exp(z − m_z)
    var targetLogit: [Float]                                    // [R]: z[y_r]

    /// targets: [R] (rows with −1 are not scored); referenceNormed: [R, D].
    public init(targets: [Int32], referenceNormed: [Float]) {
        self.targets = targets
        self.referenceNormed = referenceNormed
        let r = targets.count
        refMax = [Float](repeating: -.infinity, count: r); refSum = [Double](repeating: 0, count: r)
        cross = [Double](repeating: 0, count: r)
        maxZ = [Float](repeating: -.infinity, count: r); sumZ = [Double](repeating: 0, count: r)
        targetLogit = [Float](repeating: .nan, count: r)
    }

    public func consume(rows: Range<Int>, vocab: Range<Int>, logits: UnsafePointer<Float>, stride: Int) throws {
        preconditionFailure("KLDivergenceAccumulator needs the reference logits: the model calls consume(rows:vocab:logits:reference:stride:)")
    }

    public func consume(rows: Range<Int>, vocab: Range<Int>, logits: UnsafePointer<Float>, reference: UnsafePointer<Float>,
                        stride: Int) throws {
        let n = vocab.count
        for (i, r) in rows.enumerated() where targets[r] >= 0 {
            let z = logits + i * stride, y = reference + i * stride
            // Edited model: online logsumexp.
            let mz = Swift.max(Kernels.rowMax(count: n, x: z), maxZ[r])
            let sz = Kernels.sumExp(count: n, x: z, shift: mz)
            sumZ[r] = (maxZ[r] == -.infinity ? 0 : sumZ[r] * Foundation.exp(Double(maxZ[r] - mz))) + Double(sz)
            maxZ[r] = mz
            let t = Int(targets[r])
            if vocab.contains(t) { targetLogit[r] = z[t - vocab.lowerBound] }
            // Reference: S and A with the shared shift m_y.
            let my = Swift.max(Kernels.rowMax(count: n, x: y), refMax[r])
            let rescale = refMax[r] == -.infinity ? 0 : Foundation.exp(Double(refMax[r] - my))
            let (s, a) = Statistics64.weightedExpDifference(count: n, y: y, z: z, shift: my)
            refSum[r] = refSum[r] * rescale + s
            cross[r] = cross[r] * rescale + a
            refMax[r] = my
        }
        if let bad = rows.first(where: { targets[$0] >= 0 && !(maxZ[$0].isFinite && sumZ[$0].isFinite) }) {
            throw LlamaError.nonFiniteLogits(row: bad)
        }
    }

    /// The edited model's negative log-likelihood of each row's target (as `NLLAccumulator`; NaN without a target).
    public var negativeLogLikelihoods: [Double] {
        targets.indices.map { r in
            targets[r] < 0 ? .nan : Double(maxZ[r]) + Foundation.log(sumZ[r]) - Double(targetLogit[r])
        }
    }

    /// KL per row (NaN for rows without a target), in nats. Call after the forward pass.
    public var divergences: [Double] {
        targets.indices.map { r in
            guard targets[r] >= 0 else { return .nan }
            let lseY = Double(refMax[r]) + Foundation.log(refSum[r]), lseZ = Double(maxZ[r]) + Foundation.log(sumZ[r])
            return Swift.max(0, cross[r] / refSum[r] - lseY + lseZ)
        }
    }
}
