import XCTest
import Llama
import SafeTensors
import TestSupport
@testable import Pruning

/// `--compensate scale` against our PyTorch reference (`scripts/make-compensation-fixtures.py`), on the float32
/// copy of the tiny fixture (so folds are not rounded): the scale s and the folded T'/s within 1e-5, and the
/// edited model as written (prefix untouched, later layers ÷ s) against Prune&Comp's literal fold (embedding and
/// earlier o_proj/down_proj × s, the tied head's final norm ÷ s).
final class CompensationTests: XCTestCase {
    static let fixtures = ReferenceParityTests.fixtures
    static let model = fixtures.appendingPathComponent("tiny-llama-8-f32")

    struct Case: Decodable {
        var method: String; var start: Int; var n: Int; var scale: Double; var relative_residual: Double?
        /// Relative distance of the two folds' logits in PyTorch, with the model's ε and with ε = 0.
        var folds_apart: Double; var folds_apart_eps0: Double
    }
    struct Golden: Decodable { var cases: [String: Case] }

    static func golden() throws -> Golden {
        try JSONDecoder().decode(Golden.self, from: Data(contentsOf: fixtures.appendingPathComponent("golden-compensation.json")))
    }

    static func tensor<T>(_ file: SafeTensorsFile, _ name: String, as: T.Type) throws -> [T] {
        try file.withRawBytes(name) { raw in
            (0..<(raw.count / MemoryLayout<T>.size)).map { raw.loadUnaligned(fromByteOffset: MemoryLayout<T>.size * $0, as: T.self) }
        }
    }

    func testScaleAndTransformMatchTheReferenceAndTheFoldEqualsPruneAndComps() throws {
        let golden = try Self.golden()
        XCTAssertEqual(golden.cases.count, 4)
        let goldenFile = try SafeTensorsFile(url: Self.fixtures.appendingPathComponent("golden-compensation.safetensors"))
        let pruner = try Pruner(checkpointDirectory: Self.model)
        let cal = try pruner.loadCalibration(files: [Self.fixtures.appendingPathComponent("calibration.jsonl")], samples: 8, seqLen: 32)
        let dir = try temporaryDirectory()
        for (name, c) in golden.cases.sorted(by: { $0.key < $1.key }) {
            var options = PruneOptions(layersToRemove: c.n)
            options.forcedStart = c.start
            options.method = c.method == "drop" ? .drop : .replaceme
            options.compensation = .scale
            options.hashFiles = false
            options.saveTransforms = dir.appendingPathComponent("T-\(name).safetensors")
            let report = try pruner.prune(calibration: cal, options: options, output: nil, toolVersion: "test")
            let span = try XCTUnwrap(report.spans.first)
            let s = try XCTUnwrap(span.scale, name)
            XCTAssertEqual(s, c.scale, accuracy: 1e-5 * c.scale, name)
            var transforms: [Int: [Double]] = [:]
            if c.method == "replaceme" {
                let ours = try Self.tensor(SafeTensorsFile(url: options.saveTransforms!), "T.0", as: Double.self)
                let theirs = try Self.tensor(goldenFile, "T.\(name)", as: Double.self)
                XCTAssertLessThan(relativeError(ours, theirs), 1e-5, name)
                XCTAssertEqual(try XCTUnwrap(span.fit?.relativeResidual), try XCTUnwrap(c.relative_residual), accuracy: 1e-6, name)
                transforms[c.start - 1] = ours
            }
            // The edit as written against Prune&Comp's literal fold, on the first two windows.
            let spanValue = Span(start: c.start, count: c.n)
            let edit = try ModelEdit.removing(spans: [spanValue], numLayers: 8, transforms: transforms, scales: [c.start - 1: s])
            XCTAssertEqual(edit.layers[c.start + c.n].residualScale ?? 0, 1 / s, accuracy: 1e-15)
            XCTAssertNil(edit.layers[0].residualScale, "the prefix is not touched")
            let batch = ForwardBatch(samples: cal.windows.prefix(2).map { $0.map { Int32($0) } })
            let logits = LogitsCollector(rows: batch.rows, vocabSize: 256)
            try pruner.model.forward(batch, edit: edit, logits: logits)
            let ours = logits.logits.map(Double.init)
            let suffix = try Self.tensor(goldenFile, "suffix.\(name)", as: Float.self).map(Double.init)
            XCTAssertLessThan(relativeError(ours, suffix), 2e-6, "\(name): our edit vs the same fold in PyTorch")
            // Against Prune&Comp's literal prefix fold: no farther than the two folds are in PyTorch (RMSNorm's ε;
            // the tiny model's streams are small, mean h² ≈ 0.02, so ε/mean h² ≈ 5e-4), and equal without ε.
            let prefix = try Self.tensor(goldenFile, "prefix.\(name)", as: Float.self).map(Double.init)
            XCTAssertLessThan(relativeError(ours, prefix), c.folds_apart * 1.05 + 2e-6, "\(name): vs the prefix fold")
            XCTAssertLessThan(c.folds_apart_eps0, 1e-6, "\(name): the folds are one function without ε")
        }
    }

    /// With two spans the later one's layers carry both scales; the identity scale changes nothing.
    func testScalesCompoundAcrossSpans() throws {
        let edit = try ModelEdit.removing(spans: [Span(start: 2, count: 1), Span(start: 5, count: 2)], numLayers: 10,
                                          scales: [1: 2, 4: 4])
        XCTAssertEqual(edit.layers.map { $0.residualScale }, [nil, nil, nil, 0.5, 0.5, nil, nil, 0.125, 0.125, 0.125])
        XCTAssertThrowsError(try ModelEdit.removing(spans: [Span(start: 2, count: 1)], numLayers: 10, scales: [3: 2]))
    }
}

/// The joint fit's guard: a non-positive optimum (here the span output is exactly −2·R, so s = −2) is refused, and T is
/// the plain least-squares T; a positive one (target 0.5·R + X·A) is recovered exactly.
final class ScaledTransformSolverTests: XCTestCase {
    func stats(rows: Int, d: Int, target: (_ r: [Float], _ x: [Float]) -> [Float]) -> LeastSquaresAccumulator {
        var generator = SeededGenerator(seed: 42)
        let x = (0..<(rows * d)).map { _ in Float.random(in: -1...1, using: &generator) }
        let r = (0..<(rows * d)).map { _ in Float.random(in: -1...1, using: &generator) }
        let z = target(r, x)                                   // Z = L_end − R
        let end = zip(z, r).map { $0 + $1 }
        var acc = LeastSquaresAccumulator(width: d, withResidual: true)
        var scratch: [Float] = []
        acc.add(rows: rows, mlpOut: x, attnResidual: r, spanOut: end, scratch: &scratch)
        return acc
    }

    func testNonPositiveOptimumIsRefused() throws {
        let st = stats(rows: 200, d: 6) { r, _ in r.map { -3 * $0 } }   // Z = −3R, so L_end = −2R: s = −2
        let fit = try ScaledTransformSolver.solve(st, ridge: 0, layer: 3)
        XCTAssertNil(fit.scale)
        XCTAssertEqual(try XCTUnwrap(fit.rejectedScale), -2, accuracy: 1e-6)
        XCTAssertEqual(fit.matrix, try TransformSolver.solve(st, ridge: 0, layer: 3).matrix)
    }

    func testExactScaleAndTransformAreRecovered() throws {
        let d = 5
        let a: [Float] = (0..<(d * d)).map { Float(($0 * 7) % 11) / 10 - 0.5 }   // A: [D, D]
        let st = stats(rows: 300, d: d) { r, x in
            // L_end = 0.5·R + X·A, so Z = −0.5·R + X·A: s = 0.5, T' = A, folded T'/s = 2A.
            (0..<r.count).map { i in
                let row = i / d, col = i % d
                var v = -0.5 * r[i]
                for k in 0..<d { v += x[row * d + k] * a[k * d + col] }
                return v
            }
        }
        let fit = try ScaledTransformSolver.solve(st, ridge: 0, layer: 1)
        XCTAssertEqual(try XCTUnwrap(fit.scale), 0.5, accuracy: 1e-6)
        XCTAssertLessThan(relativeError(fit.matrix, a.map { 2 * Double($0) }), 1e-6)
        XCTAssertLessThan(fit.relativeResidual, 1e-6)
    }
}
