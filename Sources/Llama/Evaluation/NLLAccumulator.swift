import Foundation
import TensorCore

/// A `LogitsSink` computing, for every batch row r with a target y_r, the negative log-likelihood
/// `nll_r = logsumexp(z_r) − z_r[y_r]` with an online (streaming) logsumexp across vocabulary chunks:
/// per row it keeps the running max m and Σ exp(z − m), rescaled when m grows.
public final class NLLAccumulator: LogitsSink {
    /// targets: [R], the token id row r should predict, or −1 for rows that are not scored.
    let targets: [Int32]
    var runningMax: [Float]        // [R]
    var runningSum: [Double]       // [R] Σ exp(z − runningMax)
    var targetLogit: [Float]       // [R]

    public init(targets: [Int32]) {
        self.targets = targets
        runningMax = [Float](repeating: -.infinity, count: targets.count)
        runningSum = [Double](repeating: 0, count: targets.count)
        targetLogit = [Float](repeating: .nan, count: targets.count)
    }

    public func consume(rows: Range<Int>, vocab: Range<Int>, logits: UnsafePointer<Float>, stride: Int) throws {
        let chunks = Swift.min(rows.count, 4 * Parallel.defaultThreads)
        let per = (rows.count + chunks - 1) / chunks
        let tile = SharedPointer(logits)
        try runningMax.withUnsafeMutableBufferPointer { maxBuf in
            try runningSum.withUnsafeMutableBufferPointer { sumBuf in
                try targetLogit.withUnsafeMutableBufferPointer { tgtBuf in
                    let pm = DisjointPointer(maxBuf.baseAddress!), ps = DisjointPointer(sumBuf.baseAddress!)
                    let pt = DisjointPointer(tgtBuf.baseAddress!)
                    let targets = self.targets
                    Parallel.forEach(chunks) { c in
                        let lo = c * per, hi = Swift.min(rows.count, lo + per)
                        guard lo < hi else { return }
                        for i in lo..<hi {
                            let r = rows.lowerBound + i
                            let y = Int(targets[r])
                            guard y >= 0 else { continue }
                            let z = tile.base + i * stride
                            let m = Kernels.rowMax(count: vocab.count, x: z)
                            let newMax = Swift.max(m, pm.base[r])
                            let s = Kernels.sumExp(count: vocab.count, x: z, shift: newMax)
                            let old = pm.base[r] == -.infinity ? 0 : ps.base[r] * Foundation.exp(Double(pm.base[r] - newMax))
                            ps.base[r] = old + Double(s)
                            pm.base[r] = newMax
                            if vocab.contains(y) { pt.base[r] = z[y - vocab.lowerBound] }
                        }
                    }
                    let bad = rows.first { targets[$0] >= 0 && !(pm.base[$0].isFinite && ps.base[$0].isFinite) }
                    if let bad { throw LlamaError.nonFiniteLogits(row: bad) }
                }
            }
        }
    }

    /// nll_r for every row (NaN for rows without a target). Call after the forward pass.
    public var negativeLogLikelihoods: [Double] {
        targets.indices.map { r in
            targets[r] < 0 ? .nan : Double(runningMax[r]) + Foundation.log(runningSum[r]) - Double(targetLogit[r])
        }
    }
}
