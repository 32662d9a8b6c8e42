import XCTest
@testable import CLI
import Pruning

/// `replaceme sweep` in-process on the tiny 8-layer fixture (with the Llama fixtures' byte-level tokenizer).
final class SweepCommandTests: XCTestCase {
    func scratch(_ name: String = #function) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("replaceme-cli-sweep-\(getpid())")
            .appendingPathComponent(name.filter { $0.isLetter })
        try? FileManager.default.removeItem(at: url)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The 8-layer fixture with a tokenizer, and an evaluation text of 2 windows of 16 tokens.
    func setUpModel(_ dir: URL) throws -> (model: String, eval: String) {
        let model = dir.appendingPathComponent("model").path
        try FileManager.default.copyItem(atPath: PruneCommandTests.model, toPath: model)
        try FileManager.default.copyItem(atPath: URL(fileURLWithPath: PerplexityCommandTests.model).appendingPathComponent("tokenizer.json").path,
                                         toPath: model + "/tokenizer.json")
        let eval = dir.appendingPathComponent("eval.txt")
        try Data("It was the best of times, it was the worst of times; it was the age of wisdom.".utf8).write(to: eval)
        return (model, eval.path)
    }

    /// Each configuration's perplexity in the sweep equals prune (the same span) then perplexity on the written
    /// checkpoint; the written checkpoints are those --write leaves.
    func testSweepEqualsPruneThenPerplexity() throws {
        let rows = try checkSweepEqualsPrune(layers: "2,3", methods: "drop,replaceme")
        XCTAssertEqual(rows.count, 4)
        XCTAssertNotEqual(rows[0]["perplexity"] as? [Double], rows[2]["perplexity"] as? [Double], "drop and replaceme differ")
    }

    /// The same for the methods with magnitude compensation: the sweep's scale and T are those prune writes.
    func testCompensatedMethodsInTheSweepEqualPrune() throws {
        let rows = try checkSweepEqualsPrune(layers: "3", methods: "drop-scale,replaceme-scale")
        XCTAssertEqual(rows.count, 2)
        for row in rows { XCTAssertNotNil(row["scale"] as? Double, "\(row)") }
    }

    /// --write-best writes, for each layer count, only the configuration with the lowest geometric-mean ratio.
    func testWriteBestWritesTheBestConfigurationPerLayerCount() throws {
        let dir = try scratch()
        let (model, eval) = try setUpModel(dir)
        let best = dir.appendingPathComponent("best")
        let r = OutputCapture.run(["sweep", model, "--layers", "2,3", "--methods", "drop,replaceme", "--eval", eval,
                                   "--eval-seq-len", "16", "--format", "json", "--write-best", best.path] + PruneCommandTests.calibration)
        XCTAssertEqual(r.code, 0, r.stderr)
        let rows = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])?["rows"] as? [[String: Any]])
        var expected: [String] = []
        for n in [2, 3] {
            let candidates = rows.filter { $0["layersRemoved"] as? Int == n }
            let winner = try XCTUnwrap(candidates.min { (($0["ratioToDense"] as? [Double])?.first ?? 0) < (($1["ratioToDense"] as? [Double])?.first ?? 0) })
            expected.append("\(winner["method"]!)-\(n)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: best.path).sorted(), expected.sorted())
        XCTAssertTrue(r.stderr.contains("best with 2 layers removed: "), r.stderr)
        let both = OutputCapture.run(["sweep", model, "--layers", "2", "--methods", "drop", "--eval", eval, "--write", best.path,
                                      "--write-best", best.path] + PruneCommandTests.calibration)
        XCTAssertEqual(both.code, 64)
        XCTAssertTrue(both.stderr.contains("not both"), both.stderr)
    }

    @discardableResult
    func checkSweepEqualsPrune(layers: String, methods: String, _ name: String = #function) throws -> [[String: Any]] {
        let dir = try scratch(name)
        let (model, eval) = try setUpModel(dir)
        let written = dir.appendingPathComponent("written")
        let svg = dir.appendingPathComponent("sweep.svg"), heat = dir.appendingPathComponent("heat.svg")
        let r = OutputCapture.run(["sweep", model, "--layers", layers, "--methods", methods, "--eval", eval,
                                   "--eval-seq-len", "16", "--format", "json", "--write", written.path, "--svg", svg.path,
                                   "--distances-svg", heat.path] + PruneCommandTests.calibration)
        XCTAssertEqual(r.code, 0, r.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let rows = try XCTUnwrap(json["rows"] as? [[String: Any]])
        XCTAssertTrue(try String(contentsOf: svg, encoding: .utf8).contains("<polyline"))
        XCTAssertTrue(try String(contentsOf: heat, encoding: .utf8).hasPrefix("<?xml"))
        func perplexity(_ args: [String]) throws -> Double {
            let p = OutputCapture.run(["perplexity"] + args + ["--text", eval, "--seq-len", "16", "--json"])
            XCTAssertEqual(p.code, 0, p.stderr)
            return try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(p.stdout.utf8)) as? [String: Any])?["perplexity"] as? Double)
        }
        let dense = try XCTUnwrap((json["texts"] as? [[String: Any]])?.first?["densePerplexity"] as? Double)
        XCTAssertEqual(dense, try perplexity([model]), accuracy: 1e-12 * dense)
        for row in rows {
            let method = try XCTUnwrap(row["method"] as? String), n = try XCTUnwrap(row["layersRemoved"] as? Int)
            let ppl = try XCTUnwrap((row["perplexity"] as? [Double])?.first)
            XCTAssertEqual(ppl, try perplexity([written.appendingPathComponent("\(method)-\(n)").path]), accuracy: 1e-9 * ppl, "\(method) \(n)")
            // prune with the same span writes a checkpoint with the same perplexity (its fused pass gives the same T
            // to rounding).
            let start = try XCTUnwrap(row["spanStart"] as? Int)
            let out = dir.appendingPathComponent("pruned-\(method)-\(n)")
            let p = OutputCapture.run(["prune", model, "--layers", "\(n)", "--start", "\(start)", "--method", method,
                                       "--output", out.path] + PruneCommandTests.calibration)
            XCTAssertEqual(p.code, 0, p.stderr)
            XCTAssertEqual(ppl, try perplexity([out.path]), accuracy: 1e-5 * ppl, "\(method) \(n) via prune")
        }
        return rows
    }

    /// replaceme-select in the sweep chooses, for each n, the span `prune --method replaceme-select` chooses, with
    /// the same perplexity.
    func testSelectingMethodEqualsPrune() throws {
        let dir = try scratch()
        let (model, eval) = try setUpModel(dir)
        let r = OutputCapture.run(["sweep", model, "--layers", "2", "--methods", "replaceme,replaceme-select", "--eval", eval,
                                   "--eval-seq-len", "16", "--format", "json"] + PruneCommandTests.calibration)
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("select replaceme-select n = 2: 6 candidates × 8 windows"), r.stderr)
        let rows = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])?["rows"] as? [[String: Any]])
        for row in rows where row["method"] as? String == "replaceme-select" {
            let n = try XCTUnwrap(row["layersRemoved"] as? Int)
            let out = dir.appendingPathComponent("select-\(n)")
            let p = OutputCapture.run(["prune", model, "--layers", "\(n)", "--method", "replaceme-select", "--output", out.path,
                                       "--json"] + PruneCommandTests.calibration)
            XCTAssertEqual(p.code, 0, p.stderr)
            let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(p.stdout.utf8)) as? [String: Any])
            let start = try XCTUnwrap((report["spans"] as? [[String: Any]])?.first?["start"] as? Int)
            XCTAssertEqual(row["spanStart"] as? Int, start, "n = \(n)")
            XCTAssertEqual((report["selection"] as? [Any])?.count, 8 - n, "every window of length n is a candidate here")
            let q = OutputCapture.run(["perplexity", out.path, "--text", eval, "--seq-len", "16", "--json"])
            let ppl = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(q.stdout.utf8)) as? [String: Any])?["perplexity"] as? Double)
            let sweepPPL = try XCTUnwrap((row["perplexity"] as? [Double])?.first)
            XCTAssertEqual(sweepPPL, ppl, accuracy: 1e-5 * ppl)
        }
    }

    /// A method with passes of its own (iterative removal, the cosine estimator) joins the sweep: its rows say so,
    /// and each equals `prune --method M` then `perplexity` on the written checkpoint.
    func testMethodsWithOwnPassesEqualPrune() throws {
        let dir = try scratch()
        let (model, eval) = try setUpModel(dir)
        let small = ["--calibration", PruneCommandTests.fixtures.appendingPathComponent("calibration.jsonl").path,
                     "--samples", "4", "--seq-len", "16"]
        let r = OutputCapture.run(["sweep", model, "--layers", "2", "--methods", "replaceme,replaceme-iterative,replaceme-cosine",
                                   "--eval", eval, "--eval-seq-len", "16", "--format", "json"] + small)
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("sweep: replaceme-iterative n = 2 runs its own calibration passes"), r.stderr)
        let rows = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])?["rows"] as? [[String: Any]])
        XCTAssertEqual(rows.count, 3)
        XCTAssertNil(rows[0]["ownPasses"], "replaceme shares the sweep's passes")
        for row in rows.dropFirst() {
            let method = try XCTUnwrap(row["method"] as? String)
            XCTAssertEqual(row["ownPasses"] as? Bool, true, method)
            let out = dir.appendingPathComponent(method)
            let p = OutputCapture.run(["prune", model, "--layers", "2", "--method", method, "--output", out.path, "--json"]
                                      + small)
            XCTAssertEqual(p.code, 0, p.stderr)
            let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(p.stdout.utf8)) as? [String: Any])
            let removed = try XCTUnwrap(report["spans"] as? [[String: Any]]).flatMap { span -> [Int] in
                (span["layers"] as? [Int]) ?? Array((span["start"] as! Int)...(span["end"] as! Int))
            }.sorted()
            XCTAssertEqual(removed.first, row["spanStart"] as? Int, method)
            XCTAssertEqual(removed.last, row["spanEnd"] as? Int, method)
            XCTAssertEqual(removed, (row["layers"] as? [Int]) ?? Array((row["spanStart"] as! Int)...(row["spanEnd"] as! Int)), method)
            let q = OutputCapture.run(["perplexity", out.path, "--text", eval, "--seq-len", "16", "--json"])
            let ppl = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(q.stdout.utf8)) as? [String: Any])?["perplexity"] as? Double)
            let sweepPPL = try XCTUnwrap((row["perplexity"] as? [Double])?.first)
            XCTAssertEqual(sweepPPL, ppl, accuracy: 1e-5 * ppl, method)
        }
        let text = OutputCapture.run(["sweep", model, "--layers", "2", "--methods", "replaceme-iterative", "--eval", eval,
                                      "--eval-seq-len", "16"] + small)
        XCTAssertTrue(text.stdout.contains("replaceme-iterative *"), text.stdout)
        XCTAssertTrue(text.stdout.contains("* ran its own calibration passes"), text.stdout)
    }

    /// MultiPruner and BlockPruner in the sweep: at the parameter share of n blocks (the replaceme row's), on the
    /// search calibration; the multipruner row's perplexity equals prune --method multipruner --ratio r on the same
    /// calibration, written per-layer, then perplexity; --write writes each row per-layer with the row's perplexity.
    func testParameterRatioMethodsEqualPrune() throws {
        let dir = try scratch()
        let (model, eval) = try setUpModel(dir)
        let calibration = PruneCommandTests.fixtures.appendingPathComponent("calibration.jsonl").path
        let r = OutputCapture.run(["sweep", model, "--layers", "1", "--methods", "replaceme,blockpruner,multipruner",
                                   "--eval", eval, "--eval-seq-len", "16", "--format", "json", "--calibration", calibration,
                                   "--samples", "4", "--seq-len", "16", "--search-samples", "2", "--search-seq-len", "16",
                                   "--write", dir.appendingPathComponent("written").path])
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("sweep: multipruner n = 1 searches to"), r.stderr)
        let rows = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])?["rows"] as? [[String: Any]])
        XCTAssertEqual(rows.map { $0["method"] as? String }, ["replaceme", "blockpruner", "multipruner"])
        let ratio = try XCTUnwrap(rows[0]["fractionOfParameters"] as? Double)
        for row in rows.dropFirst() {
            let method = try XCTUnwrap(row["method"] as? String)
            XCTAssertEqual(row["ownPasses"] as? Bool, true, method)
            XCTAssertNotNil(row["removed"] as? String, method)
            XCTAssertNil(row["distance"], method)
            XCTAssertGreaterThanOrEqual(try XCTUnwrap(row["fractionOfParameters"] as? Double), ratio, method)
            var checkpoints = [dir.appendingPathComponent("written/\(method)-1")]
            if method == "multipruner" {   // (blockpruner is its first stage: the same search, not run twice here)
                let out = dir.appendingPathComponent(method)
                let p = OutputCapture.run(["prune", model, "--method", method, "--ratio", "\(ratio)", "--calibration", calibration,
                                           "--samples", "2", "--seq-len", "16", "--output", out.path, "--json"])
                XCTAssertEqual(p.code, 0, p.stderr)
                let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(p.stdout.utf8)) as? [String: Any])
                XCTAssertEqual(report["removedFraction"] as? Double, row["fractionOfParameters"] as? Double, method)
                checkpoints.append(out)
            }
            for checkpoint in checkpoints {
                let q = OutputCapture.run(["perplexity", checkpoint.path, "--text", eval, "--seq-len", "16", "--json"])
                XCTAssertEqual(q.code, 0, q.stderr)
                let ppl = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(q.stdout.utf8)) as? [String: Any])?["perplexity"] as? Double)
                XCTAssertEqual(try XCTUnwrap((row["perplexity"] as? [Double])?.first), ppl, accuracy: 1e-5 * ppl, "\(method) \(checkpoint.path)")
            }
        }
        let text = try JSONDecoder().decode(SweepReport.self, from: Data(r.stdout.utf8)).textTable()
        XCTAssertTrue(text.contains("blockpruner *"), text)
        XCTAssertTrue(text.contains(" attn") || text.contains(" mlp"), text)
        XCTAssertTrue(text.contains("n is the parameter share of n whole blocks"), text)
    }

    func testGateExitsThreeAfterPrinting() throws {
        let dir = try scratch()
        let (model, eval) = try setUpModel(dir)
        let base = ["sweep", model, "--layers", "2", "--methods", "replaceme", "--eval", eval, "--eval-seq-len", "16"] + PruneCommandTests.calibration
        let fail = OutputCapture.run(base + ["--gate", "replaceme:2", "--max-perplexity-ratio", "1.0"])
        XCTAssertEqual(fail.code, 3, fail.stderr)
        XCTAssertTrue(fail.stdout.contains("replaceme"), "results printed first: \(fail.stdout)")
        XCTAssertTrue(fail.stderr.contains("gate failed: replaceme with 2 layers removed"), fail.stderr)
        let pass = OutputCapture.run(base + ["--gate", "replaceme:2", "--max-perplexity-ratio", "1000"])
        XCTAssertEqual(pass.code, 0, pass.stderr)
        XCTAssertTrue(pass.stderr.contains("gate passed"), pass.stderr)
    }

    /// Bad requests fail before any calibration work, each with its own message.
    func testBadRequestsFailBeforeWork() throws {
        let dir = try scratch()
        let (model, eval) = try setUpModel(dir)
        let short = dir.appendingPathComponent("short.txt")
        try Data("abc".utf8).write(to: short)
        let cal = PruneCommandTests.calibration
        for (args, code, message) in [
            (["--layers", "", "--eval", eval], 64, "needs a comma-separated list without empty items"),
            (["--layers", "2,,4", "--eval", eval], 64, "without empty items, got '2,,4'"),
            (["--layers", "two", "--eval", eval], 64, "'two' is not a positive whole number"),
            (["--ratios", "0.01", "--eval", eval], 64, "--ratios 0.01 of 8 layers removes no layer"),
            (["--ratios", "0.95", "--eval", eval], 64, "removes 8; at most 6 can go"),
            (["--layers", "2", "--methods", "drop,magic", "--eval", eval], 64, "unknown method 'magic'"),
            (["--layers", "2"], 64, "missing option '--eval"),
            (["--layers", "2", "--layers", "3", "--ratios", "0.2", "--eval", eval], 64, "give exactly one of"),
            (["--layers", "2", "--eval", dir.appendingPathComponent("none.txt").path], 1, "none.txt: the file does not exist"),
            (["--layers", "2", "--eval", short.path], 1, "too short to evaluate"),
            (["--layers", "7", "--eval", eval], 1, "cannot remove 7 layers"),
            (["--layers", "2", "--eval", eval, "--write", model + "/inner"], 1, "is inside the input checkpoint"),
            (["--layers", "2", "--eval", eval, "--gate", "replaceme:4", "--max-perplexity-ratio", "2"], 64, "must be METHOD:N"),
        ] as [([String], Int32, String)] {
            let r = OutputCapture.run(["sweep", model] + args + ["--eval-seq-len", "16"] + cal)
            XCTAssertEqual(r.code, code, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(message), "\(args): \(r.stderr)")
            XCTAssertFalse(r.stderr.contains("pass 1"), "no calibration work: \(args)")
        }
    }
}
