import XCTest
import Llama
import SafeTensors
@testable import Pruning

/// Selection by calibration perplexity on the tiny fixture: the shortlist is the K lowest-distance windows, the
/// winner is the one with the lowest calibration perplexity, and that perplexity is the written checkpoint's.
final class SelectionTests: XCTestCase {
    func testPerplexitySelectionPicksTheLowestAndMatchesTheWrittenCheckpoint() throws {
        let dir = try temporaryDirectory()
        for method in [PruneOptions.Method.replaceme, .drop] {
            let pruner = try Pruner(checkpointDirectory: PlanTests.model)
            let cal = try pruner.loadCalibration(files: [PlanTests.fixtures.appendingPathComponent("calibration.jsonl")],
                                                 samples: 8, seqLen: 32)
            var options = PruneOptions(layersToRemove: 2)
            options.method = method
            options.selection = .perplexity(candidates: 3, windows: 4)
            let out = dir.appendingPathComponent("pruned-\(method)")
            let report = try pruner.prune(calibration: cal, options: options, output: out, toolVersion: "t")
            let candidates = try XCTUnwrap(report.selection)
            XCTAssertEqual(candidates.count, 3)
            // The shortlist is the three lowest distances of n = 2, in order.
            let table = try XCTUnwrap(report.distances)
            let order = table.distances(n: 2).indices.sorted { table.distances(n: 2)[$0] < table.distances(n: 2)[$1] }
            XCTAssertEqual(candidates.map(\.start), order.prefix(3).map { $0 + 1 })
            let best = candidates.min { $0.perplexity < $1.perplexity }!
            XCTAssertEqual(report.spans.map(\.start), [best.start])
            XCTAssertEqual(report.spans[0].fit != nil, method == .replaceme)
            // The winner's calibration perplexity is the written checkpoint's on the same 4 windows.
            let written = try LlamaModel(source: CheckpointWeights(directory: out))
            let onDisk = try PerplexityEvaluator(model: written, seqLen: 32, bos: nil)
                .evaluate(tokens: cal.windows.prefix(4).flatMap { $0.map { Int32($0) } }).perplexity
            XCTAssertEqual(best.perplexity, onDisk, accuracy: 1e-9 * onDisk, "\(method)")
        }
    }

    func testSelectionByPerplexityNeedsOneSpan() throws {
        let pruner = try Pruner(checkpointDirectory: PlanTests.model)
        var options = PruneOptions(layersToRemove: 4)
        options.spans = 2
        options.selection = .perplexity(candidates: 3, windows: 2)
        XCTAssertThrowsError(try pruner.validate(options, output: nil)) {
            XCTAssertEqual($0 as? PruningError, .selectionNeedsOneSpan)
        }
    }
}
