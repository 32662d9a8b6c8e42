import XCTest
import Llama
import SafeTensors
@testable import Pruning

/// The whole prune on the tiny 8-layer bf16 sharded fixture: output layout, renumbering, byte-for-byte copies,
/// the fold, the report, and bad requests that must write nothing.
final class PrunerTests: XCTestCase {
    static let fixtures = ReferenceParityTests.fixtures
    static let model = fixtures.appendingPathComponent("tiny-llama-8")

    func calibration(_ pruner: Pruner) throws -> CalibrationSet {
        try pruner.loadCalibration(files: [Self.fixtures.appendingPathComponent("calibration.jsonl")], samples: 8, seqLen: 32)
    }

    func testForcedSpanReplaceMeAndDropOutputs() throws {
        let pruner = try Pruner(checkpointDirectory: Self.model)
        let cal = try calibration(pruner)
        let dir = try temporaryDirectory()
        var options = PruneOptions(layersToRemove: 2)
        options.forcedStart = 3                 // removes layers 3, 4; layer 2 absorbs T; 5, 6, 7 → 3, 4, 5
        let out = dir.appendingPathComponent("pruned")
        let report = try pruner.prune(calibration: cal, options: options, output: out, toolVersion: "test")
        options.method = .drop
        let outDrop = dir.appendingPathComponent("dropped")
        let reportDrop = try pruner.prune(calibration: cal, options: options, output: outDrop, toolVersion: "test")

        let input = try LlamaCheckpoint(directory: Self.model)
        for (dirURL, rep, method) in [(out, report, "replaceme"), (outDrop, reportDrop, "drop")] {
            let pruned = try LlamaCheckpoint(directory: dirURL)   // validates names and shapes against config.json
            XCTAssertEqual(pruned.config.numHiddenLayers, 6)
            XCTAssertEqual(rep.outputLayers, 6)
            XCTAssertEqual(rep.options.method, method)
            XCTAssertTrue(pruned.weights.isSharded)
            XCTAssertEqual(pruned.weights.tensorNames.count, input.weights.tensorNames.count - 2 * 9)
            for file in ["generation_config.json", "tokenizer_config.json", Pruner.reportFileName] {
                XCTAssertTrue(FileManager.default.fileExists(atPath: dirURL.appendingPathComponent(file).path), file)
            }
            for name in pruned.weights.tensorNames {
                var source = name
                if let (k, _) = WeightName.parseLayer(name), k >= 3 { source = WeightName.renumbered(name, to: k + 2) }
                let a = try pruned.weights.withRawBytes(name) { Array($0) }
                let b = try input.weights.withRawBytes(source) { Array($0) }
                if name == WeightName.layer(2, .downProj) && method == "replaceme" {
                    XCTAssertNotEqual(a, b, "the fold must change layer 2's down_proj")
                } else {
                    XCTAssertEqual(a, b, "\(name) must be a byte-for-byte copy of \(source)")
                }
            }
        }
        // The folded weight is Tᵀ·W rounded once to bf16, with the T the report's fit describes.
        let fit = try XCTUnwrap(report.spans.first?.fit)
        XCTAssertLessThan(fit.relativeResidual, fit.identityRelativeResidual)
        XCTAssertNil(reportDrop.spans.first?.fit)
        XCTAssertNil(report.distances, "a forced start skips pass 1")
        let reportJSON = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent(Pruner.reportFileName))) as? [String: Any]
        XCTAssertEqual((reportJSON?["spans"] as? [[String: Any]])?.first?["foldedInto"] as? Int, 2)
        XCTAssertEqual((reportJSON?["inputFiles"] as? [[String: Any]])?.count, 3)
    }

    func testSelectedSpanMatchesReferenceAndFoldIsTransposeTimesW() throws {
        let pruner = try Pruner(checkpointDirectory: Self.model)
        let cal = try calibration(pruner)
        let out = try temporaryDirectory().appendingPathComponent("pruned")
        let report = try pruner.prune(calibration: cal, options: PruneOptions(layersToRemove: 2), output: out, toolVersion: "test")
        // golden.json: case n2 chose start 6 (layers 6, 7; layer 5 absorbs T).
        XCTAssertEqual(report.spans.map(\.start), [6])
        XCTAssertNotNil(report.distances)
        let golden = try SafeTensorsFile(url: Self.fixtures.appendingPathComponent("golden-transforms.safetensors"))
        let t: [Double] = try golden.withRawBytes("T.n2.0") { raw in (0..<(raw.count / 8)).map { raw.loadUnaligned(fromByteOffset: 8 * $0, as: Double.self) } }
        let input = try LlamaCheckpoint(directory: Self.model)
        let w = try input.floats(WeightName.layer(5, .downProj))       // [32, 64]
        let pruned = try LlamaCheckpoint(directory: out)
        let got = try pruned.floats(WeightName.layer(5, .downProj)).map(Double.init)
        var want = [Double](repeating: 0, count: 32 * 64)
        for i in 0..<32 { for j in 0..<64 { for k in 0..<32 { want[i * 64 + j] += t[k * 32 + i] * Double(w[k * 64 + j]) } } }
        XCTAssertLessThan(relativeError(got, want), 4e-3)   // bf16 storage: ≤ 2^-9 per element
        XCTAssertEqual(pruned.config.numHiddenLayers, 6)
        XCTAssertNil(pruned.weights.info(WeightName.layer(6, .downProj)))
    }

    /// One span: pass 1 fits every candidate at once; the result equals the classic two passes.
    func testFusedPassEqualsTwoPasses() throws {
        let pruner = try Pruner(checkpointDirectory: Self.model)
        let cal = try calibration(pruner)
        let dir = try temporaryDirectory()
        var transforms: [[Double]] = []
        for twoPass in [false, true] {
            var options = PruneOptions(layersToRemove: 3)
            options.twoPass = twoPass
            options.hashFiles = false
            options.saveTransforms = dir.appendingPathComponent("T-\(twoPass).safetensors")
            let report = try pruner.prune(calibration: cal, options: options, output: dir.appendingPathComponent("out-\(twoPass)"),
                                          toolVersion: "test")
            XCTAssertEqual(report.timings["statistics"] == nil, !twoPass, "fused runs have no separate pass 2")
            let file = try SafeTensorsFile(url: options.saveTransforms!)
            transforms.append(try file.withRawBytes("T.0") { raw in (0..<(raw.count / 8)).map { raw.loadUnaligned(fromByteOffset: 8 * $0, as: Double.self) } })
        }
        XCTAssertEqual(transforms[0].count, 32 * 32)
        XCTAssertLessThan(relativeError(transforms[0], transforms[1]), 1e-12)
    }

    /// Several batches: the screen stops fitting candidates as their windows end (judged against the windows ended
    /// so far) and after each batch; if the winner was among the dropped, pass 2 fits it. Either way T is the
    /// two-pass T.
    func testScreenedFusedPassEqualsTwoPassesEvenWhenTheWinnerWasDropped() throws {
        let dir = try temporaryDirectory()
        func transform(_ configure: (Pruner, inout PruneOptions) -> Void, _ name: String) throws -> ([Double], PruneReport) {
            let pruner = try Pruner(checkpointDirectory: Self.model)
            pruner.batchRows = 64                           // 2 samples of 32 tokens per batch: 4 batches
            var options = PruneOptions(layersToRemove: 3)
            options.hashFiles = false
            options.saveTransforms = dir.appendingPathComponent("T-\(name).safetensors")
            configure(pruner, &options)
            let report = try pruner.prune(calibration: try calibration(pruner), options: options,
                                          output: dir.appendingPathComponent(name), toolVersion: "test")
            let file = try SafeTensorsFile(url: options.saveTransforms!)
            return (try file.withRawBytes("T.0") { raw in (0..<(raw.count / 8)).map { raw.loadUnaligned(fromByteOffset: 8 * $0, as: Double.self) } }, report)
        }
        let (twoPass, r2) = try transform({ _, o in o.twoPass = true }, "two-pass")
        XCTAssertNil(r2.fusedPass)
        // Keep only the running leader: the winner may or may not be it.
        let (leaderOnly, r1) = try transform({ p, _ in
            p.candidateScreen = { _, d, alive in
                CandidateScreen(z: -.infinity, minimumSamples: 1).survivors(distances: d, alive: alive)
            }
        }, "leader-only")
        let fitted = try XCTUnwrap(r1.fusedPass?.fittedPerBatch)
        XCTAssertEqual(r1.fusedPass?.candidates, 5, "8 layers, n = 3: 5 candidate windows")
        XCTAssertEqual(fitted.count, 4)
        XCTAssertTrue((1...5).contains(fitted[0]), "the first window ends as the leader so far, so it is fitted")
        XCTAssertTrue(fitted.dropFirst().allSatisfy { $0 <= 1 }, "\(fitted)")
        // Drop every candidate: the winner is always refitted in pass 2.
        let (refit, r0) = try transform({ p, _ in p.candidateScreen = { _, _, alive in alive.map { _ in false } } }, "refit")
        XCTAssertEqual(r0.fusedPass?.fittedPerBatch, [0, 0, 0, 0])
        XCTAssertEqual(r0.fusedPass?.secondPass, true)
        XCTAssertNotNil(r0.timings["statistics"], "pass 2 ran")
        XCTAssertEqual(r0.spans.map(\.start), r2.spans.map(\.start))
        for t in [leaderOnly, refit] { XCTAssertLessThan(relativeError(t, twoPass), 1e-12) }
    }

    func testBadRequestsWriteNothing() throws {
        let pruner = try Pruner(checkpointDirectory: Self.model)
        let cal = try calibration(pruner)
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("out")
        func expect(_ options: PruneOptions, output: URL = out, _ check: (PruningError) -> Bool, line: UInt = #line) {
            XCTAssertThrowsError(try pruner.prune(calibration: cal, options: options, output: output, toolVersion: "t"), line: line) {
                XCTAssertTrue(($0 as? PruningError).map(check) ?? false, "unexpected \($0)", line: line)
            }
        }
        expect(PruneOptions(layersToRemove: 7)) { $0 == .spanTooLong(n: 7, numLayers: 8) }
        var forced = PruneOptions(layersToRemove: 2)
        forced.forcedStart = 7
        expect(forced) { $0 == .spanOutOfRange(start: 7, n: 2, numLayers: 8) }
        forced.forcedStart = 0
        expect(forced) { $0 == .spanOutOfRange(start: 0, n: 2, numLayers: 8) }
        expect(PruneOptions(layersToRemove: 2), output: Self.model.appendingPathComponent("sub")) {
            if case .outputInsideInput = $0 { true } else { false }
        }
        expect(PruneOptions(layersToRemove: 2), output: Self.model) { if case .outputInsideInput = $0 { true } else { false } }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [], "nothing written")
        let existing = dir.appendingPathComponent("existing")
        try FileManager.default.createDirectory(at: existing, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: existing.appendingPathComponent("keep.txt"))
        expect(PruneOptions(layersToRemove: 2), output: existing) { $0 == .outputExists(path: existing.path) }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: existing.path), ["keep.txt"])
        // An existing --save-transforms file is refused before any work (a directory even with --force).
        let oldT = existing.appendingPathComponent("keep.txt")
        var withT = PruneOptions(layersToRemove: 2)
        withT.saveTransforms = oldT
        expect(withT) { $0 == .outputExists(path: oldT.path) }
        withT.force = true
        withT.saveTransforms = existing
        func expectWriteFailed(_ options: PruneOptions, _ path: String, _ reason: String, line: UInt = #line) {
            XCTAssertThrowsError(try pruner.prune(calibration: cal, options: options, output: out, toolVersion: "t"), line: line) {
                XCTAssertEqual($0 as? SafeTensorsError, .writeFailed(path: path, reason: reason), line: line)
            }
        }
        expectWriteFailed(withT, existing.path, "is a directory")
        // A side file into a directory that does not exist fails before the work, naming it.
        let nowhere = dir.appendingPathComponent("missing/T.safetensors")
        withT.saveTransforms = nowhere
        expectWriteFailed(withT, nowhere.path, "its directory \(dir.appendingPathComponent("missing").path) does not exist")
        // So does an existing --save-plan file, or its transforms file beside it.
        var withPlan = PruneOptions(layersToRemove: 2)
        withPlan.savePlan = oldT
        expect(withPlan) { $0 == .outputExists(path: oldT.path) }
        let planURL = existing.appendingPathComponent("plan.json")
        try Data("t".utf8).write(to: existing.appendingPathComponent("plan.transforms.safetensors"))
        withPlan.savePlan = planURL
        expect(withPlan) { $0 == .outputExists(path: existing.appendingPathComponent("plan.transforms.safetensors").path) }
        try FileManager.default.removeItem(at: existing.appendingPathComponent("plan.transforms.safetensors"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["existing"], "nothing written")
        XCTAssertEqual(try String(contentsOf: oldT, encoding: .utf8), "x")
        XCTAssertThrowsError(try pruner.loadCalibration(files: [Self.fixtures.appendingPathComponent("calibration.jsonl")],
                                                        samples: 1, seqLen: 4096)) {
            XCTAssertEqual($0 as? PruningError, .sequenceTooLong(seqLen: 4096, maxPositions: 128))
        }
        XCTAssertThrowsError(try pruner.loadCalibration(files: [Self.fixtures.appendingPathComponent("calibration.jsonl")],
                                                        samples: 9, seqLen: 32)) {
            XCTAssertEqual($0 as? PruningError, .calibrationTooShort(tokens: 256, samples: 9, seqLen: 32))
        }
    }
}
