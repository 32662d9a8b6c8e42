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
            let best = candidates.filter { $0.windows == 4 }.min { $0.perplexity < $1.perplexity }!
            XCTAssertEqual(report.spans.map(\.start), [best.start])
            XCTAssertEqual(report.spans[0].fit != nil, method == .replaceme)
            // The winner's calibration perplexity is the written checkpoint's on the same 4 windows.
            let written = try LlamaModel(source: CheckpointWeights(directory: out))
            let onDisk = try PerplexityEvaluator(model: written, seqLen: 32, bos: nil)
                .evaluate(tokens: cal.windows.prefix(4).flatMap { $0.map { Int32($0) } }).perplexity
            XCTAssertEqual(best.perplexity, onDisk, accuracy: 1e-9 * onDisk, "\(method)")
        }
    }

    /// The fused pass screens the candidates down to those that can still be shortlisted; whatever it drops that
    /// is shortlisted after all is fitted in a second pass: the candidates' perplexities and the winner are those
    /// of fitting every window (no screen), whichever screen runs.
    func testScreeningTheFusedPassLeavesTheSelectionUnchanged() throws {
        let dir = try temporaryDirectory()
        func select(_ screen: ((Int, [[Double]], [Bool]) -> [Bool])?, _ name: String) throws -> PruneReport {
            let pruner = try Pruner(checkpointDirectory: PlanTests.model)
            pruner.batchRows = 32                           // 2 samples of 16 tokens per batch: 4 batches
            if let screen { pruner.candidateScreen = screen }
            let cal = try pruner.loadCalibration(files: [PlanTests.fixtures.appendingPathComponent("calibration.jsonl")],
                                                 samples: 8, seqLen: 16)
            var options = PruneOptions(layersToRemove: 2)
            options.hashFiles = false
            options.selection = .perplexity(candidates: 3, windows: 4)
            return try pruner.prune(calibration: cal, options: options, output: dir.appendingPathComponent(name), toolVersion: "t")
        }
        let everything = try select({ _, _, alive in alive }, "all")
        XCTAssertEqual(everything.fusedPass?.secondPass, false)
        let none = try select({ _, _, alive in alive.map { _ in false } }, "none")
        XCTAssertEqual(none.fusedPass?.secondPass, true, "every shortlisted window fitted after pass 1")
        XCTAssertNotNil(none.timings["statistics"])
        let leaderOnly = try select({ _, d, alive in CandidateScreen(z: -.infinity, minimumSamples: 1).survivors(distances: d, alive: alive) },
                                    "leader")
        let standard = try select(nil, "standard")
        let reference = try XCTUnwrap(everything.selection)
        for report in [none, leaderOnly, standard] {
            let got = try XCTUnwrap(report.selection)
            XCTAssertEqual(got.map(\.start), reference.map(\.start))
            for (a, b) in zip(got, reference) { XCTAssertEqual(a.perplexity, b.perplexity, accuracy: 1e-9 * b.perplexity) }
            XCTAssertEqual(report.spans.map(\.start), everything.spans.map(\.start))
        }
        XCTAssertLessThan(try XCTUnwrap(leaderOnly.fusedPass?.fittedPerBatch.last), 6, "the screen dropped candidates")
    }

    /// The race stops scoring trailing candidates: the winner is scored on every window, with the perplexity it
    /// has when no candidate is dropped, and is chosen among the finishers even when a dropped candidate's partial
    /// perplexity is lower; `--select-all-windows` (no race) scores every candidate on every window.
    func testTheRaceScoresTheWinnerOnEveryWindow() throws {
        let dir = try temporaryDirectory()
        func select(_ racing: CandidateScreen, race: Bool = true, _ name: String) throws -> PruneReport {
            let pruner = try Pruner(checkpointDirectory: PlanTests.model)
            pruner.selectionRacing = racing
            let cal = try pruner.loadCalibration(files: [PlanTests.fixtures.appendingPathComponent("calibration.jsonl")],
                                                 samples: 6, seqLen: 16)
            var options = PruneOptions(layersToRemove: 2)
            options.hashFiles = false
            options.selection = .perplexity(candidates: 4, windows: 6)
            options.selectionRace = race
            return try pruner.prune(calibration: cal, options: options, output: dir.appendingPathComponent(name), toolVersion: "t")
        }
        let all = try XCTUnwrap(try select(PerplexitySelector.defaultRacing, race: false, "all").selection)
        XCTAssertEqual(all.map(\.windows), [6, 6, 6, 6])
        // Everything but the leader after one window.
        let sprint = try select(CandidateScreen(z: -.infinity, minimumSamples: 1), "sprint")
        let raced = try XCTUnwrap(sprint.selection)
        XCTAssertEqual(raced.filter { $0.windows == 6 }.count, 1)
        XCTAssertEqual(raced.filter { $0.windows == 1 }.count, 3)
        let winner = try XCTUnwrap(raced.first { $0.windows == 6 })
        XCTAssertEqual(sprint.spans.map(\.start), [winner.start])
        let unraced = try XCTUnwrap(all.first { $0.start == winner.start })
        XCTAssertEqual(winner.perplexity, unraced.perplexity, accuracy: 1e-9 * unraced.perplexity)
        XCTAssertEqual(sprint.options.selectionRace, true)

        let selector = PerplexitySelector(candidates: 3, windows: 6)
        let candidates = [PerplexitySelector.Candidate(start: 1, end: 2, distance: 0.1, perplexity: 9, windows: 6),
                          PerplexitySelector.Candidate(start: 2, end: 3, distance: 0.2, perplexity: 3, windows: 2),
                          PerplexitySelector.Candidate(start: 3, end: 4, distance: 0.3, perplexity: 8, windows: 6)]
        XCTAssertEqual(selector.best(candidates), 2, "the lowest among the candidates scored on every window")
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
