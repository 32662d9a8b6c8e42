import TensorCore
import XCTest
@testable import Llama

final class BlockedAttentionTests: XCTestCase {
    /// Blocked GEMM attention against the plain reference on odd shapes (1 token, primes, block ± 1, GQA, MHA).
    func testMatchesReference() {
        var seed: UInt32 = 11
        func rand() -> Float { seed = seed &* 1_664_525 &+ 1_013_904_223; return Float(seed >> 8) / Float(1 << 24) * 4 - 2 }
        for (t, h, kvh, hd) in [(1, 2, 1, 4), (7, 3, 3, 6), (63, 4, 2, 8), (64, 4, 1, 8), (65, 6, 2, 10), (130, 2, 2, 16)] {
            let q = (0..<(t * h * hd)).map { _ in rand() }
            let k = (0..<(t * kvh * hd)).map { _ in rand() }
            let v = (0..<(t * kvh * hd)).map { _ in rand() }
            var ours = [Float](repeating: .nan, count: q.count), ref = ours
            BlockedAttention.run(seqLen: t, heads: h, kvHeads: kvh, headDim: hd, q: q, k: k, v: v, out: &ours,
                                 scratch: FloatBuffer())
            ReferenceKernels.causalAttention(seqLen: t, heads: h, kvHeads: kvh, headDim: hd, q: q, k: k, v: v, out: &ref)
            XCTAssertLessThan(relativeError(ours, ref), 1e-6, "T=\(t) H=\(h) KV=\(kvh) hd=\(hd)")
        }
    }
}
