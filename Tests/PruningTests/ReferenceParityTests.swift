import XCTest
import Llama
import SafeTensors
@testable import Pruning

/// The Swift pipeline against goldens from our PyTorch reference (`scripts/make-pruning-fixtures.py`, which runs
/// `scripts/replaceme_reference.py`'s functions on the tiny 8-layer bf16 sharded fixture): same distance tables,
/// same chosen spans, same T.
final class ReferenceParityTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    struct Golden: Decodable {
        struct Case: Decodable {
            var n: Int
            var spans_requested: Int
            var start: Int?
            var final_norm_quirk: Bool
            var spans: [[Int]]
        }
        var samples: Int
        var seq_len: Int
        var distances_last: [[Double]]
        var distances_all: [[Double]]
        var distances_last_quirk: [[Double]]
        var distances_all_quirk: [[Double]]
        var cases: [String: Case]
    }

    func load() throws -> (LlamaModel, CalibrationSet, Golden) {
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: Self.fixtures.appendingPathComponent("golden.json")))
        let model = try LlamaModel(source: CheckpointWeights(directory: Self.fixtures.appendingPathComponent("tiny-llama-8")))
        let cal = try CalibrationSet.load(files: [Self.fixtures.appendingPathComponent("calibration.jsonl")],
                                          samples: golden.samples, seqLen: golden.seq_len, vocabSize: 256,
                                          encode: { _ in [] })
        return (model, cal, golden)
    }

    /// One test, so the (slow in debug) forward passes run as few times as possible: one pass for the four
    /// distance tables, one per distinct set of spans for the statistics.
    func testDistancesSpansAndTransformsMatchReference() throws {
        let (model, cal, golden) = try load()
        let modes = [DistanceScorer.Mode(tokens: .last), .init(tokens: .all), .init(tokens: .last, finalNormQuirk: true),
                     .init(tokens: .all, finalNormQuirk: true)]
        let tables = try DistanceScorer.profile(model: model, calibration: cal, maxN: 6, modes: modes)
        for (table, want) in zip(tables, [golden.distances_last, golden.distances_all, golden.distances_last_quirk,
                                          golden.distances_all_quirk]) {
            XCTAssertEqual(table.rows.count, want.count)
            for (got, ref) in zip(table.rows, want) {
                XCTAssertEqual(got.count, ref.count)
                XCTAssertLessThan(relativeError(got, ref), 1e-5, "\(table.tokens)")
            }
        }

        // Spans of every case, chosen by the Swift selector on the Swift tables.
        var cases: [(name: String, spans: [Span], quirk: Bool)] = []
        for (name, c) in golden.cases.sorted(by: { $0.key < $1.key }) {
            let spans: [Span]
            if let start = c.start {
                spans = [try SpanSelector.forced(start: start, n: c.n, numLayers: 8)]
            } else {
                let table = c.final_norm_quirk ? tables[2] : tables[0]
                spans = try SpanSelector.select(distances: table.distances(n: c.n), n: c.n, spans: c.spans_requested,
                                                numLayers: 8)
            }
            XCTAssertEqual(spans.map { [$0.start, $0.count] }, c.spans, name)
            cases.append((name, spans, c.final_norm_quirk))
        }
        // Statistics: all spans with the same quirk setting in one pass (independent accumulators).
        let transforms = try SafeTensorsFile(url: Self.fixtures.appendingPathComponent("golden-transforms.safetensors"))
        for quirk in [false, true] {
            let group = cases.filter { $0.quirk == quirk }
            let spans = group.flatMap(\.spans)
            let stats = try SpanStatisticsObserver.collect(model: model, calibration: cal, spans: spans, finalNormQuirk: quirk)
            var k = 0
            for c in group {
                for j in c.spans.indices {
                    let fit = try TransformSolver.solve(stats[k], ridge: 0, layer: c.spans[j].keptLayer)
                    k += 1
                    let want: [Double] = try transforms.withRawBytes("T.\(c.name).\(j)") { raw in
                        (0..<(raw.count / 8)).map { raw.loadUnaligned(fromByteOffset: 8 * $0, as: Double.self) }
                    }
                    let err = relativeError(fit.matrix, want)
                    XCTAssertLessThan(err, 2e-6, "\(c.name) span \(j): relative error of T \(err)")
                    XCTAssertLessThan(fit.relativeResidual, fit.identityRelativeResidual)
                }
            }
        }
    }
}
