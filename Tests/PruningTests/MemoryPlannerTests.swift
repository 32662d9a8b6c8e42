import XCTest
import Llama
import SafeTensors
@testable import Pruning

/// `--max-memory`: the plan chooses the fastest settings that fit, in a stated order, refuses a budget nothing fits
/// before any work, and a prune under a budget computes the same T as without one.
final class MemoryPlannerTests: XCTestCase {
    /// SmolLM2-135M's shapes (D 576, I 1536, 30 layers, 9 heads of 64, 3 KV, V 49152), bf16.
    static let smol = LlamaGeometry(hiddenSize: 576, intermediateSize: 1536, layerCount: 30, heads: 9, kvHeads: 3,
                                    headDim: 64, vocabSize: 49152, rmsNormEps: 1e-5, ropeTheta: 10000, maxPositions: 8192)

    func request(n: Int = 8, selection: (Int, Int)? = nil) -> MemoryPlanner.PruneRequest {
        var r = MemoryPlanner.PruneRequest(geometry: Self.smol, biases: LayerBiasLayout(), samples: 64, seqLen: 1024,
                                           windowLength: n, spans: 1, needsStatistics: true, fusedAllowed: true,
                                           distanceTokens: .last, selection: selection.map { (candidates: $0.0, windows: $0.1) })
        r.storedElementBytes = 2
        return r
    }

    func plan(_ budget: Int?, _ r: MemoryPlanner.PruneRequest? = nil) throws -> MemoryPlan {
        try MemoryPlanner.prune(r ?? request(), budget: budget, baseline: 30 << 20, peakSoFar: 40 << 20)
    }

    func testWithoutABudgetTheDefaultsAreKeptAndStated() throws {
        let p = try plan(nil)
        XCTAssertEqual(p.batchRows, 8192)
        XCTAssertEqual(p.fusedPass, true)
        XCTAssertTrue(p.choices.isEmpty)
        XCTAssertEqual(p.phases.map(\.name), ["pass 1", "pass 2", "solve", "write"])
        // Pass 1 is the largest: the 22 candidates' G and C (2·576²·8 bytes each) are in it.
        XCTAssertEqual(p.largestPhase?.name, "pass 1")
        let stats = try XCTUnwrap(p.phases[0].items.first { $0.name.hasPrefix("statistics") })
        XCTAssertEqual(stats.bytes, 22 * 2 * 576 * 576 * 8)
        XCTAssertEqual(p.plannedPeak, 30 << 20 + p.phases[0].bytes)
    }

    /// As the budget shrinks the plan gives up, in order: cached weights, large batches, and the fused pass last;
    /// each plan fits its budget and says what it changed.
    func testShrinkingBudgetsGiveUpSpeedInTheStatedOrder() throws {
        let full = try plan(nil)
        var previous = full
        var seen: [String] = []
        var budget = full.plannedPeak
        while budget > 100 << 20 {
            guard let p = try? plan(budget) else { break }
            XCTAssertLessThanOrEqual(p.plannedAhead, budget)
            XCTAssertLessThanOrEqual(p.plannedPeak, previous.plannedPeak)
            // Never fused after having had to give it up; never larger batches after smaller ones with the same fusing.
            if previous.fusedPass == false { XCTAssertEqual(p.fusedPass, false) }
            if previous.fusedPass == p.fusedPass { XCTAssertLessThanOrEqual(p.batchRows, previous.batchRows) }
            seen.append("\(p.fusedPass!)/\(p.batchRows)/\(p.residency)")
            previous = p
            budget = budget * 9 / 10
        }
        XCTAssertEqual(seen.first, "true/8192/cached")
        XCTAssertTrue(seen.contains { $0.hasPrefix("true/") && $0.hasSuffix("streaming") })
        XCTAssertTrue(seen.contains { $0.hasPrefix("false/") })
        XCTAssertEqual(previous.batchRows, 1024, "the leanest plan has one window per batch")
        XCTAssertTrue(previous.choices.contains { $0.contains("two passes") })
    }

    func testABudgetNothingFitsIsRefusedWithWhatTheLeanestNeeds() throws {
        XCTAssertThrowsError(try plan(100 << 20)) { error in
            guard case let PruningError.memoryBudgetTooSmall(budget, needed, detail) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(budget, 100 << 20)
            XCTAssertGreaterThan(needed, budget)
            XCTAssertTrue(detail.contains("streaming weights, batches of 1024 rows, two passes"), detail)
            XCTAssertTrue("\(error)".hasPrefix("--max-memory 100.0 MiB is too small"), "\(error)")
        }
    }

    /// The cosine estimator's stored rows are planned: all 65,536 rows of the span within the budget (3 matrices for
    /// the accurate form), an even subsample beyond it, and the phase is the largest once they outgrow pass 1.
    func testTheCosineRowsArePlanned() throws {
        var r = request()
        r.cosine = (surrogate: false, budget: 1 << 30, batchRows: 1024)
        let all = try XCTUnwrap(try plan(nil, r).phases.first { $0.name == "cosine" })
        XCTAssertEqual(all.items.first { $0.name.hasPrefix("stored rows") }?.bytes, 3 * 65_536 * 576 * 4)
        XCTAssertEqual(all.items.first { $0.name.hasPrefix("T, gradient") }?.bytes, 4 * 576 * 576 * 8 + 4 * 1024 * 576 * 8)
        r.cosine = (surrogate: true, budget: 100 << 20, batchRows: 1024)
        let sub = try XCTUnwrap(try plan(nil, r).phases.first { $0.name == "cosine" })
        let rows = try XCTUnwrap(sub.items.first { $0.name.hasPrefix("stored rows") })
        XCTAssertEqual(rows.name, "stored rows of 1 span(s), 1 in 3")
        XCTAssertEqual(rows.bytes, 2 * 21_846 * 576 * 4)
        XCTAssertLessThanOrEqual(rows.bytes, 100 << 20)
        XCTAssertNil(try plan(nil).phases.first { $0.name == "cosine" })
        r.cosine = (surrogate: false, budget: 4 << 30, batchRows: 1024)
        r.samples = 256
        XCTAssertEqual(try plan(nil, r).largestPhase?.name, "cosine")
        XCTAssertThrowsError(try plan(1 << 30, r), "1.7 GiB of rows do not fit 1 GiB whatever the batches")
    }

    func testSelectionPlansTheHeadAndTheResumedStreams() throws {
        let p = try plan(nil, request(selection: (8, 8)))
        let select = try XCTUnwrap(p.phases.first { $0.name == "select" })
        XCTAssertEqual(select.items.first { $0.name == "resumed residual streams" }?.bytes, 8 * 1024 * 576 * 4, "racing: one window per batch")
        var r = request(selection: (8, 8))
        r.selectionRace = false
        let all = try XCTUnwrap(try plan(nil, r).phases.first { $0.name == "select" })
        XCTAssertEqual(all.items.first { $0.name == "resumed residual streams" }?.bytes, 8 * 4096 * 576 * 4)
        XCTAssertGreaterThan(select.items.first { $0.name.hasPrefix("weights") }!.bytes,
                             p.phases[0].items.first { $0.name.hasPrefix("weights") }!.bytes, "the head is in the select phase")
    }

    func testPerplexityPlanShrinksWindowsPerBatchUnlessGiven() throws {
        func ppl(_ budget: Int?, perBatch: Int? = nil) throws -> MemoryPlan {
            try MemoryPlanner.perplexity(geometry: Self.smol, biases: LayerBiasLayout(), seqLen: 1024, windows: 16,
                                         windowsPerBatch: perBatch, logits: true, editedLayers: 0, budget: budget,
                                         residency: nil, storedElementBytes: 2, baseline: 30 << 20, peakSoFar: 30 << 20)
        }
        XCTAssertEqual(try ppl(nil).batchRows, 4096)
        let lean = try ppl(300 << 20)
        XCTAssertEqual(lean.residency, "streaming")
        XCTAssertLessThan(lean.batchRows, 4096)
        XCTAssertLessThanOrEqual(lean.plannedAhead, 300 << 20)
        XCTAssertThrowsError(try ppl(300 << 20, perBatch: 4), "windows per batch given: only the residency may change")
    }

    /// A prune whose budget only fits two passes and small batches computes the T of the unbudgeted fused prune,
    /// and the report holds the plan and the measured peak.
    func testABudgetedPruneComputesTheSameTransform() throws {
        let fixtures = ReferenceParityTests.fixtures
        let pruner = try Pruner(checkpointDirectory: fixtures.appendingPathComponent("tiny-llama-8"))
        let cal = try pruner.loadCalibration(files: [fixtures.appendingPathComponent("calibration.jsonl")], samples: 8, seqLen: 32)
        let dir = try temporaryDirectory()
        pruner.residentMemory = { 50 << 20 }
        var options = PruneOptions(layersToRemove: 3)
        options.hashFiles = false
        XCTAssertEqual(try pruner.planMemory(options, samples: 8, seqLen: 32).fusedPass, true)
        // The leanest plan's need is a budget that only two passes fit.
        options.maxMemory = 1 << 20
        var tight = 0
        XCTAssertThrowsError(try pruner.planMemory(options, samples: 8, seqLen: 32)) { error in
            if case let PruningError.memoryBudgetTooSmall(_, needed, _) = error { tight = needed }
        }
        XCTAssertGreaterThan(tight, 50 << 20)
        var transforms: [[Double]] = []
        for budget in [nil, tight] {
            options.maxMemory = budget
            options.saveTransforms = dir.appendingPathComponent("T-\(budget ?? 0).safetensors")
            let report = try pruner.prune(calibration: cal, options: options, output: nil, toolVersion: "test")
            let memory = try XCTUnwrap(report.memory)
            XCTAssertEqual(memory.budget, budget)
            XCTAssertEqual(memory.fusedPass, budget == nil)
            XCTAssertEqual(report.timings["statistics"] == nil, budget == nil)
            XCTAssertNotNil(memory.measuredPeak)
            let file = try SafeTensorsFile(url: options.saveTransforms!)
            transforms.append(try file.withRawBytes("T.0") { raw in (0..<(raw.count / 8)).map { raw.loadUnaligned(fromByteOffset: 8 * $0, as: Double.self) } })
        }
        XCTAssertLessThan(relativeError(transforms[0], transforms[1]), 1e-12)
    }
}
