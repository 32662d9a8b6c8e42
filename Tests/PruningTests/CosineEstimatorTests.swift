import XCTest
import Llama
import SafeTensors
import TensorCore
import TestSupport
@testable import Pruning

/// `--estimator cosine` against our PyTorch port (`scripts/make-cosine-fixtures.py`: autograd and torch.optim.Adam
/// on the rows transformers produces for the tiny float32 fixture, span 3...4): the shuffle, the rows the observer
/// stores, the fitter on the port's own rows, and the whole prune.
final class CosineEstimatorTests: XCTestCase {
    static let fixtures = ReferenceParityTests.fixtures
    static let model = fixtures.appendingPathComponent("tiny-llama-8-f32")

    struct Case: Decodable {
        var objective: String; var start: String; var lr: Double; var epochs: Int; var batch: Int; var seed: UInt64
        var loss_start: Double; var loss_end: Double; var moved: Double
        /// The port's least-squares scalar on its fitted T (surrogate cases).
        var alpha: Double?
        var settings: CosineTransformFitter.Settings {
            .init(objective: .init(rawValue: objective)!, start: .init(rawValue: start)!, learningRate: lr, epochs: epochs,
                  batchRows: batch, seed: seed)
        }
    }
    struct Golden: Decodable { var start: Int; var n: Int; var permutation: [[Int]]; var cases: [String: Case] }

    static func golden() throws -> (Golden, SafeTensorsFile) {
        (try JSONDecoder().decode(Golden.self, from: Data(contentsOf: fixtures.appendingPathComponent("golden-cosine.json"))),
         try SafeTensorsFile(url: fixtures.appendingPathComponent("golden-cosine.safetensors")))
    }

    func testShuffleIsThePortsShuffle() throws {
        let (golden, _) = try Self.golden()
        var shuffle = RowShuffle(seed: 7)
        XCTAssertEqual([shuffle.permutation(10), shuffle.permutation(10)], golden.permutation)
    }

    /// The fitter on exactly the port's rows: T within 1e-5 (both step in Float64, so it is far closer).
    func testFitterMatchesThePortOnTheSameRows() throws {
        let (golden, file) = try Self.golden()
        let x = try CompensationTests.tensor(file, "rows.x", as: Float.self)
        let y = try CompensationTests.tensor(file, "rows.y", as: Float.self)
        let end = try CompensationTests.tensor(file, "rows.end", as: Float.self)
        let d = 32, n = x.count / d
        XCTAssertEqual(n, 256)
        var stats = LeastSquaresAccumulator(width: d)
        var scratch: [Float] = []
        stats.add(rows: n, mlpOut: x, attnResidual: y, spanOut: end, scratch: &scratch)
        let ls = try TransformSolver.solve(stats, ridge: 0, layer: 2).matrix
        XCTAssertEqual(golden.cases.count, 3)
        for (name, c) in golden.cases.sorted(by: { $0.key < $1.key }) {
            let rows = SpanRows(total: n, width: d, stride: 1, surrogate: c.objective == "surrogate")
            rows.x = x
            if rows.surrogate {
                rows.target = zip(end, y).map { $0 - $1 }
            } else {
                rows.target = end
                rows.residual = y
            }
            let start = c.start == "identity" ? LinearTransform.identity(width: d) : ls
            let (t, report) = CosineTransformFitter.fit(rows, start: start, settings: c.settings)
            let theirs = try CompensationTests.tensor(file, "T.\(name)", as: Double.self)
            let worst = zip(t, theirs).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(worst, 1e-5, "\(name): max |ΔT| (T moved \(c.moved) from its start)")
            XCTAssertGreaterThan(c.moved, 100 * worst, "\(name): the fit must move T far more than the tolerance")
            XCTAssertEqual(report.lossStart, c.loss_start, accuracy: 1e-7, name)
            XCTAssertEqual(report.lossEnd, c.loss_end, accuracy: 1e-7, name)
            XCTAssertLessThan(report.lossEnd, report.lossStart, name)
            XCTAssertEqual(report.steps, c.epochs * ((n + c.batch - 1) / c.batch), name)
        }
    }

    /// The observer stores the rows transformers sees (M_2, Y_2, L_4), for both objectives, and subsamples evenly
    /// beyond its budget.
    func testObserverStoresTheRowsTheReferenceSees() throws {
        let (golden, file) = try Self.golden()
        let x = try CompensationTests.tensor(file, "rows.x", as: Float.self).map(Double.init)
        let y = try CompensationTests.tensor(file, "rows.y", as: Float.self).map(Double.init)
        let end = try CompensationTests.tensor(file, "rows.end", as: Float.self).map(Double.init)
        let pruner = try Pruner(checkpointDirectory: Self.model)
        let cal = try pruner.loadCalibration(files: [Self.fixtures.appendingPathComponent("calibration.jsonl")], samples: 8, seqLen: 32)
        let span = Span(start: golden.start, count: golden.n)
        func collect(surrogate: Bool, budget: Int) throws -> SpanRows {
            let observer = SpanRowsObserver(spans: [span], samples: 8, seqLen: 32, numLayers: 8, width: 32, surrogate: surrogate, budget: budget)
            try CalibrationRun(model: pruner.model, calibration: cal, batches: CalibrationBatches(samples: 8, seqLen: 32, targetRows: 96))
                .run(through: observer.lastLayer, observers: [observer])
            return observer.rows[0]
        }
        let surrogate = try collect(surrogate: true, budget: 1 << 20)
        XCTAssertEqual(surrogate.stride, 1)
        XCTAssertNil(surrogate.residual)
        XCTAssertLessThan(relativeError(surrogate.x.map(Double.init), x), 1e-5)
        XCTAssertLessThan(relativeError(surrogate.target.map(Double.init), zip(end, y).map { $0 - $1 }), 1e-5)
        let accurate = try collect(surrogate: false, budget: 1 << 20)
        XCTAssertLessThan(relativeError(accurate.target.map(Double.init), end), 1e-5)
        XCTAssertLessThan(relativeError(try XCTUnwrap(accurate.residual).map(Double.init), y), 1e-5)
        // 256 rows × 2 matrices × 32 floats = 64 KiB; a 20 KiB budget keeps one row in 4 (64 rows, 16 KiB).
        let sub = try collect(surrogate: true, budget: 20 << 10)
        XCTAssertEqual(sub.stride, 4)
        XCTAssertEqual(sub.count, 64)
        XCTAssertLessThanOrEqual(sub.bytes, 20 << 10)
        var everyFourth: [Double] = []
        for i in 0..<64 { everyFourth += x[(128 * i)..<(128 * i + 32)] }
        XCTAssertLessThan(relativeError(sub.x.map(Double.init), everyFourth), 1e-5)
    }

    /// The whole prune with `--estimator cosine` (span forced to 3...4): T against the port's within 1e-5
    /// relative, the report's record of the fit. The surrogate case is rescaled (the default): T = α·T_port with
    /// the port's α, computed from its rows rather than from Gram traces.
    func testPruneWithTheCosineEstimatorMatchesThePort() throws {
        let (golden, file) = try Self.golden()
        let pruner = try Pruner(checkpointDirectory: Self.model)
        let cal = try pruner.loadCalibration(files: [Self.fixtures.appendingPathComponent("calibration.jsonl")], samples: 8, seqLen: 32)
        let dir = try temporaryDirectory()
        for name in ["identity-surrogate", "ls-accurate"] {
            let c = try XCTUnwrap(golden.cases[name])
            var options = PruneOptions(layersToRemove: golden.n)
            options.forcedStart = golden.start
            options.estimator = .cosine
            options.cosine = c.settings
            options.hashFiles = false
            options.saveTransforms = dir.appendingPathComponent("T-\(name).safetensors")
            let report = try pruner.prune(calibration: cal, options: options, output: nil, toolVersion: "test")
            XCTAssertEqual(report.options.estimator, "cosine")
            let fit = try XCTUnwrap(report.spans.first?.cosine, name)
            XCTAssertEqual(fit.rows, 256)
            XCTAssertEqual(fit.rowStride, 1)
            XCTAssertEqual(fit.lossEnd, c.loss_end, accuracy: 1e-5, name)
            let ours = try CompensationTests.tensor(SafeTensorsFile(url: options.saveTransforms!), "T.0", as: Double.self)
            var theirs = try CompensationTests.tensor(file, "T.\(name)", as: Double.self)
            if let alpha = c.alpha {
                let ours = try XCTUnwrap(fit.rescale, name)
                XCTAssertEqual(ours, alpha, accuracy: 1e-5 * alpha, name)
                XCTAssertGreaterThan(abs(alpha - 1), 1e-3, "\(name): the rescale must change T measurably")
                theirs = theirs.map { $0 * alpha }
            } else {
                XCTAssertNil(fit.rescale, "\(name): the accurate objective sets its own scale")
            }
            XCTAssertLessThan(relativeError(ours, theirs), 1e-5, name)
        }
    }
}
