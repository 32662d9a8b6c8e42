import XCTest
import TestSupport
@testable import Pruning

final class DistanceAccumulatorTests: XCTestCase {
    /// Direct definition: mean over the chosen positions of arccos(cos(L_{s-1}, L_{s+n-1}))/π.
    private func direct(_ states: [[Float]], rowsPerSample t: Int, samples: Range<Int>, d: Int, s: Int, n: Int,
                        all: Bool) -> Double {
        var total = 0.0, count = 0
        for smp in samples {
            let positions = all ? Array(0..<t) : [t - 1]
            for p in positions {
                let row = (smp * t + p) * d
                var dot = 0.0, na = 0.0, nb = 0.0
                for j in 0..<d {
                    let a = Double(states[s - 1][row + j]), b = Double(states[s + n - 1][row + j])
                    dot += a * b; na += a * a; nb += b * b
                }
                total += acos(max(-1, min(1, dot / (na.squareRoot() * nb.squareRoot())))) / Double.pi
                count += 1
            }
        }
        return total / Double(count)
    }

    private func run(tokens: DistanceTokens, batches: [Range<Int>]) throws {
        let layers = 6, d = 12, t = 5, samples = 4, maxN = 4
        var rng = SeededRandom(seed: 7)
        // A residual stream that drifts: L_k = L_{k-1} + small update, so distances grow with n.
        var states: [[Float]] = []
        var cur = rng.floats(samples * t * d)
        for _ in 0..<layers {
            let upd = rng.floats(cur.count)
            cur = zip(cur, upd).map { $0 + 0.4 * $1 }
            states.append(cur)
        }
        let acc = try DistanceAccumulator(numLayers: layers, maxN: maxN, width: d, tokens: tokens, perSampleLengths: [2, 3])
        for b in batches {
            let ranges = (0..<b.count).map { ($0 * t)..<(($0 + 1) * t) }
            for k in 0..<layers {
                let slice = Array(states[k][(b.lowerBound * t * d)..<(b.upperBound * t * d)])
                try slice.withUnsafeBufferPointer {
                    try acc.add(layer: k, states: $0.baseAddress!, sampleRows: ranges, firstSample: b.lowerBound)
                }
            }
        }
        let table = try acc.table()
        XCTAssertEqual(table.samples, samples)
        XCTAssertEqual(table.positions, tokens == .all ? samples * t : samples)
        for n in 1...maxN {
            XCTAssertEqual(table.distances(n: n).count, layers - n)
            for s in 1...(layers - n) {
                let want = direct(states, rowsPerSample: t, samples: 0..<samples, d: d, s: s, n: n, all: tokens == .all)
                XCTAssertEqual(table.distance(start: s, n: n), want, accuracy: 1e-6, "n=\(n) s=\(s) \(tokens)")
            }
        }
        // Per-sample distances of the n = 2 and n = 3 windows (what CandidateScreen judges from), in sample order;
        // none for a length not asked for.
        for n in [2, 3] {
            let perSample = acc.sampleDistances(n: n)
            XCTAssertEqual(perSample.count, layers - n)
            for s in 1...(layers - n) {
                XCTAssertEqual(perSample[s - 1].count, samples)
                for k in 0..<samples {
                    let want = direct(states, rowsPerSample: t, samples: k..<(k + 1), d: d, s: s, n: n, all: tokens == .all)
                    XCTAssertEqual(perSample[s - 1][k], want, accuracy: 1e-6, "sample \(k) s=\(s) n=\(n) \(tokens)")
                }
            }
        }
        XCTAssertTrue(acc.sampleDistances(n: 1).isEmpty)
    }

    func testLastTokenMatchesDefinition() throws { try run(tokens: .last, batches: [0..<4]) }
    func testLastTokenInBatches() throws { try run(tokens: .last, batches: [0..<1, 1..<3, 3..<4]) }
    func testAllTokensMatchesDefinition() throws { try run(tokens: .all, batches: [0..<4]) }
    func testAllTokensInBatches() throws { try run(tokens: .all, batches: [0..<2, 2..<4]) }

    func testIdenticalStatesHaveZeroDistanceAndBestStart() throws {
        let acc = try DistanceAccumulator(numLayers: 4, maxN: 2, width: 3, tokens: .last)
        let states: [[Float]] = [[1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 0, -1]]
        for k in 0..<4 {
            try states[k].withUnsafeBufferPointer {
                try acc.add(layer: k, states: $0.baseAddress!, sampleRows: [0..<1], firstSample: 0)
            }
        }
        let table = try acc.table()
        XCTAssertEqual(table.distances(n: 1), [0.5, 0, 0.5])
        XCTAssertEqual(table.bestStart(n: 1), 2)
    }

    func testZeroStateIsNonFinite() throws {
        let acc = try DistanceAccumulator(numLayers: 4, maxN: 2, width: 3, tokens: .last)
        let zero: [Float] = [0, 0, 0]
        XCTAssertThrowsError(try zero.withUnsafeBufferPointer {
            try acc.add(layer: 2, states: $0.baseAddress!, sampleRows: [0..<1], firstSample: 0)
        }) { XCTAssertEqual(($0 as? PruningError).map { if case .nonFinite(_, 2) = $0 { true } else { false } }, true) }
    }
}
