import XCTest
import Llama
@testable import Pruning

/// The sweep's pass 1 on the tiny 8-layer fixture: every candidate window of every n is fitted while the distances
/// run, screened per n; whatever the screen drops, the chosen spans' statistics (and so every configuration's
/// perplexity) are the same, a pass 2 fitting the chosen spans it had dropped.
final class SweepTests: XCTestCase {
    func sweep(screen: ((Int, [[Double]], [Bool]) -> [Bool])?) throws -> SweepReport {
        let pruner = try Pruner(checkpointDirectory: PrunerTests.model)
        pruner.batchRows = 64                               // 2 samples of 32 tokens per batch: 4 batches
        if let screen { pruner.candidateScreen = screen }
        let calibration = try pruner.loadCalibration(files: [PrunerTests.fixtures.appendingPathComponent("calibration.jsonl")],
                                                     samples: 8, seqLen: 32)
        let vocab = pruner.model.geometry.vocabSize
        let text = Sweep.EvalText(name: "ids", tokens: (0..<64).map { Int32(($0 * 7 + 3) % vocab) })
        return try Sweep(pruner: pruner).run(calibration: calibration, layerCounts: [2, 3], methods: [.drop, .replaceme, .replacemeScale],
                                             evalTexts: [text], seqLen: 16, maxTokens: nil, bos: nil).report
    }

    func testFusedStatisticsAreTheSameWhateverTheScreenDrops() throws {
        let screened = try sweep(screen: nil)
        let kept = try sweep(screen: { _, _, alive in alive })
        let dropped = try sweep(screen: { _, _, alive in alive.map { _ in false } })
        // 8 layers: 6 windows of length 2 and 5 of length 3.
        for r in [screened, kept, dropped] { XCTAssertEqual(r.fusedPass?.candidates, 11) }
        XCTAssertEqual(kept.fusedPass?.fittedPerBatch, [11, 11, 11, 11])
        XCTAssertEqual(kept.fusedPass?.secondPass, false)
        XCTAssertNil(kept.timings["statistics"], "no pass 2 when nothing was dropped")
        XCTAssertEqual(dropped.fusedPass?.fittedPerBatch, [0, 0, 0, 0])
        XCTAssertEqual(dropped.fusedPass?.secondPass, true)
        XCTAssertNotNil(dropped.timings["statistics"], "pass 2 fitted the chosen spans")
        XCTAssertLessThanOrEqual(screened.fusedPass!.fittedPerBatch.last!, 11)
        XCTAssertEqual(screened.rows.count, 6)
        for r in [screened, dropped] {
            for (a, b) in zip(r.rows, kept.rows) {
                XCTAssertEqual(a.spanStart, b.spanStart, "\(a.method) n = \(a.layersRemoved)")
                XCTAssertEqual(a.perplexity, b.perplexity, "\(a.method) n = \(a.layersRemoved)")
                XCTAssertEqual(a.scale, b.scale)
                XCTAssertEqual(a.relativeResidual, b.relativeResidual)
            }
        }
        XCTAssertNotEqual(kept.rows[0].perplexity, kept.rows[2].perplexity, "drop and replaceme differ")
    }

    /// With no method that needs statistics, pass 1 fits nothing.
    func testDropOnlySweepFitsNothing() throws {
        let pruner = try Pruner(checkpointDirectory: PrunerTests.model)
        let calibration = try pruner.loadCalibration(files: [PrunerTests.fixtures.appendingPathComponent("calibration.jsonl")],
                                                     samples: 4, seqLen: 32)
        let text = Sweep.EvalText(name: "ids", tokens: (0..<32).map { Int32($0 % pruner.model.geometry.vocabSize) })
        let report = try Sweep(pruner: pruner).run(calibration: calibration, layerCounts: [2], methods: [.drop],
                                                   evalTexts: [text], seqLen: 16, maxTokens: nil, bos: nil).report
        XCTAssertNil(report.fusedPass)
        XCTAssertNotNil(report.timings["distances"])
    }
}
