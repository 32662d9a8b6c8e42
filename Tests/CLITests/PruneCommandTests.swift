import XCTest
@testable import CLI

/// `replaceme prune` and `replaceme distances` in-process on the tiny 8-layer fixture of the Pruning tests.
final class PruneCommandTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("PruningTests/Fixtures")
    static let model = fixtures.appendingPathComponent("tiny-llama-8").path
    static let calibration = ["--calibration", fixtures.appendingPathComponent("calibration.jsonl").path,
                              "--samples", "8", "--seq-len", "32"]

    func scratch(_ name: String = #function) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("replaceme-cli-prune-\(getpid())")
            .appendingPathComponent(name.filter { $0.isLetter })
        try? FileManager.default.removeItem(at: url)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func testPruneWritesCheckpointAndSummary() throws {
        let out = try scratch().appendingPathComponent("pruned")
        let r = OutputCapture.run(["prune", Self.model, "--output", out.path, "--layers", "2"] + Self.calibration)
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("(8 layers) → \(out.path) (6 layers), method replaceme"), r.stdout)
        XCTAssertTrue(r.stdout.contains("removed layers 6...7"), r.stdout)
        XCTAssertTrue(r.stdout.contains("layer 5's down_proj absorbed T"), r.stdout)
        XCTAssertTrue(r.stderr.contains("pass 1: distances + statistics"), r.stderr)
        XCTAssertTrue(r.stderr.contains("write"), r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("replaceme-report.json").path))
        // Again into the same output: refused, nothing changed; with --force: replaced; --json: the report.
        let again = OutputCapture.run(["prune", Self.model, "--output", out.path, "--layers", "2"] + Self.calibration)
        XCTAssertEqual(again.code, 1)
        XCTAssertTrue(again.stderr.contains("Error: output '\(out.path)' already exists"), again.stderr)
        let forced = OutputCapture.run(["prune", Self.model, "--output", out.path, "--ratio", "0.25", "--method", "drop",
                                        "--force", "--json", "--no-hash"] + Self.calibration)
        XCTAssertEqual(forced.code, 0, forced.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(forced.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(json?["outputLayers"] as? Int, 6)
        XCTAssertEqual((json?["options"] as? [String: Any])?["method"] as? String, "drop")
    }

    func testUsageErrors() throws {
        let out = try scratch().appendingPathComponent("o").path
        for (args, message) in [
            (["--output", out], "give exactly one of '--layers N' and '--ratio R'"),
            (["--output", out, "--layers", "2", "--ratio", "0.5"], "give exactly one of"),
            (["--layers", "2"], "missing option '--output DIR' (or '--dry-run')"),
            (["--output", out, "--layers", "2", "--dry-run"], "'--dry-run' writes no checkpoint; drop '--output'"),
            (["--output", out, "--layers", "2", "--spans", "2", "--start", "3"], "cannot be combined"),
            (["--output", out, "--ratio", "0.01"], "removes no layer"),
            (["--output", out, "--layers", "3", "--spans", "2"], "not a multiple of --spans 2"),
            (["--output", out, "--layers", "2", "--method", "magic"], "must be one of replaceme, drop, replaceme-select"),
            (["--output", out, "--layers", "2", "--max-memory", "lots"], "option '--max-memory' must be a size such as 2GB"),
            (["--output", out, "--layers", "2", "--max-memory", "0"], "option '--max-memory' must be a size"),
        ] {
            let r = OutputCapture.run(["prune", Self.model] + args + Self.calibration)
            XCTAssertEqual(r.code, 64, "\(args)")
            XCTAssertTrue(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    func testBadInputsAreSpecificErrors() throws {
        let dir = try scratch()
        let out = dir.appendingPathComponent("o").path
        let bad = dir.appendingPathComponent("bad.jsonl")
        try Data("{\"ids\": [1, 2]}\n{\"ids\": [3,\n".utf8).write(to: bad)
        let notUTF8 = dir.appendingPathComponent("latin1.txt")
        try Data([0x63, 0x61, 0x66, 0xE9, 0x0A]).write(to: notUTF8)
        let empty = dir.appendingPathComponent("empty.txt")
        try Data().write(to: empty)
        for (args, message) in [
            (["--layers", "7"], "cannot remove 7 layers from a model with 8 layers"),
            (["--layers", "2", "--start", "7"], "span start 7 with 2 layers is out of range"),
            (["--layers", "2", "--calibration", bad.path], "bad.jsonl:2: not valid JSON (unexpected end of input at byte 11)"),
            (["--layers", "2", "--calibration", notUTF8.path], "is not valid UTF-8: bad byte at offset 3 (line 1)"),
            (["--layers", "2", "--calibration", empty.path], "contains no tokens"),
            (["--layers", "2", "--samples", "9"], "fewer than --samples 9 × --seq-len 32"),
            (["--layers", "2", "--output", Self.model + "/inner"], "is inside the input checkpoint"),
            (["--layers", "2", "--max-memory", "1MB"], "--max-memory 1.0 MiB is too small: the leanest settings need"),
        ] {
            var full = ["prune", Self.model, "--output", out] + Self.calibration + args
            if args.contains("--output") { full.removeSubrange(2..<4) }
            let r = OutputCapture.run(full)
            XCTAssertEqual(r.code, 1, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        XCTAssertFalse(FileManager.default.fileExists(atPath: Self.model + "/inner"))
    }

    func testMultiPrunerWritesPerLayerCheckpointAndRefusesBadRequests() throws {
        let dir = try scratch()
        let out = dir.appendingPathComponent("mp")
        let small = ["--calibration", Self.fixtures.appendingPathComponent("calibration.jsonl").path, "--samples", "1", "--seq-len", "8"]
        let r = OutputCapture.run(["prune", Self.model, "--method", "blockpruner", "--ratio", "0.05", "--output", out.path, "--no-hash"] + small)
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("method blockpruner, format per-layer"), r.stdout)
        XCTAssertTrue(r.stdout.contains("1. stage 1: attention of layer"), r.stdout)
        XCTAssertTrue(r.stderr.contains("stage 1 step 1: 16 candidates"), r.stderr)
        XCTAssertTrue(r.stderr.contains("stage 1 step 2: 15 candidates (so far "), r.stderr)
        for name in ["config.json", "pruning_config.json", "replaceme-report.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), name)
        }
        let config = try String(contentsOf: out.appendingPathComponent("config.json"), encoding: .utf8)
        XCTAssertTrue(config.contains("\"per_layer_config\"") && config.contains("\"attention\""), config)
        // The output reads back: inspect and perplexity; pruning it again is refused.
        let inspect = OutputCapture.run(["inspect", out.path])
        XCTAssertEqual(inspect.code, 0, inspect.stderr)
        XCTAssertTrue(inspect.stdout.contains("per_layer_config"), inspect.stdout)
        let again = OutputCapture.run(["prune", out.path, "--method", "blockpruner", "--ratio", "0.05", "--output", dir.appendingPathComponent("again").path] + small)
        XCTAssertEqual(again.code, 1)
        XCTAssertTrue(again.stderr.contains("has a per_layer_config"), again.stderr)

        let never = dir.appendingPathComponent("never").path
        for (args, code, message) in [
            (["--method", "multipruner", "--layers", "2"], 64, "'--layers' does not apply to '--method multipruner'"),
            (["--method", "multipruner", "--ratio", "0.2", "--select-all-windows"], 64, "'--select-all-windows' does not apply to '--method multipruner'"),
            (["--method", "multipruner"], 64, "'--method multipruner' needs '--ratio R'"),
            (["--method", "multipruner", "--ratio", "0.2", "--distribution", "1:2"], 64, "'1:2' is not three non-negative numbers"),
            (["--method", "multipruner", "--ratio", "0.2", "--distribution", "0:0:0"], 64, "sums to zero"),
            (["--method", "blockpruner", "--ratio", "0.2", "--mlp-group", "8"], 64, "'--mlp-group' goes with '--method multipruner'"),
            (["--method", "replaceme", "--layers", "2", "--format", "padded"], 64, "'--format' goes with '--method multipruner'"),
            (["--method", "multipruner", "--ratio", "0.2", "--format", "gguf"], 64, "must be one of per-layer, padded"),
            (["--method", "multipruner", "--ratio", "0.2", "--mlp-group", "24"], 1, "'--mlp-group': 24 does not divide intermediate_size 64"),
            (["--method", "multipruner", "--ratio", "0.9"], 1, "--ratio 0.9 cannot be reached: at most 85.68%"),
        ] {
            let r = OutputCapture.run(["prune", Self.model, "--output", never] + args + small)
            XCTAssertEqual(r.code, Int32(code), "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: never))
    }

    /// `--estimator cosine` and `--iterative` run from the command line; their misuse is a usage error before any
    /// work, naming the option.
    func testCosineAndIterativeOptions() throws {
        let small = ["--calibration", Self.fixtures.appendingPathComponent("calibration.jsonl").path, "--samples", "2", "--seq-len", "16"]
        let r = OutputCapture.run(["prune", Self.model, "--dry-run", "--layers", "2", "--estimator", "cosine",
                                   "--cosine-epochs", "2", "--iterative", "--no-hash"] + small)
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("estimator cosine, iterative 1 at a time (targets edited)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("round 2: removed layer"), r.stdout)
        XCTAssertTrue(r.stdout.contains("cosine estimator (accurate, from least squares): mean cosine distance"), r.stdout)
        XCTAssertTrue(r.stderr.contains("cosine estimator: holding 32 of 32 calibration rows per span (all)"), r.stderr)
        XCTAssertTrue(r.stderr.contains("iterative round 2: 1 of 7 layers (1 removed so far)"), r.stderr)
        let s = OutputCapture.run(["prune", Self.model, "--dry-run", "--layers", "2", "--estimator", "cosine", "--cosine-objective",
                                   "surrogate", "--cosine-start", "identity", "--cosine-epochs", "2", "--no-hash"] + small)
        XCTAssertEqual(s.code, 0, s.stderr)
        XCTAssertTrue(s.stdout.contains("cosine estimator (surrogate, from T = I)"), s.stdout)
        XCTAssertTrue(s.stdout.contains("rescaled by α = "), s.stdout)
        for (args, message) in [
            (["--cosine-rescale", "off"], "'--cosine-rescale' goes with '--estimator cosine'"),
            (["--estimator", "cosine", "--cosine-rescale", "maybe"], "must be one of on, off"),
            (["--estimator", "cosine", "--cosine-parity", "--cosine-start", "ls"], "drop '--cosine-start'"),
            (["--cosine-lr", "1e-3"], "'--cosine-lr' goes with '--estimator cosine'"),
            (["--cosine-parity"], "'--cosine-parity' goes with '--estimator cosine'"),
            (["--estimator", "cosine", "--method", "drop"], "'--method drop' fits no transform"),
            (["--estimator", "cosine", "--compensate", "scale"], "'--estimator cosine' has no joint scale"),
            (["--estimator", "cosine", "--method", "replaceme-scale"], "'--estimator cosine' has no joint scale"),
            (["--estimator", "cosine", "--cosine-parity", "--cosine-epochs", "3"], "'--cosine-parity' fixes the published settings; drop '--cosine-epochs'"),
            (["--estimator", "cosine", "--cosine-objective", "mse"], "must be one of surrogate, accurate"),
            (["--targets", "dense"], "'--targets' goes with '--iterative [STEP]'"),
            (["--iterative", "1", "--spans", "2"], "'--iterative' chooses one span per round"),
            (["--iterative", "0"], "'--iterative'"),
            (["--iterative", "1", "--targets", "dense", "--estimator", "cosine"], "'--targets dense' goes with the least-squares estimator"),
        ] {
            let r = OutputCapture.run(["prune", Self.model, "--dry-run", "--layers", "2"] + args + small)
            XCTAssertEqual(r.code, 64, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(message), "\(args): \(r.stderr)")
            XCTAssertFalse(r.stderr.contains("pass 1"), "\(args): refused before any work")
        }
    }

    /// `--select perplexity` lists the race's finishers apart from the candidates it stopped early (whose partial
    /// perplexities are not comparable); `--select-all-windows` scores all and says so in the report.
    func testSelectionListsTheRaceFinishersApart() throws {
        let select = ["prune", Self.model, "--dry-run", "--layers", "2", "--select", "perplexity", "--candidates", "4",
                      "--select-windows", "6", "--no-hash", "--calibration", Self.fixtures.appendingPathComponent("calibration.jsonl").path,
                      "--samples", "6", "--seq-len", "16"]
        let raced = OutputCapture.run(select)
        XCTAssertEqual(raced.code, 0, raced.stderr)
        XCTAssertTrue(raced.stdout.contains("selected by calibration perplexity among 4 candidate spans on 6 calibration windows: "), raced.stdout)
        XCTAssertTrue(raced.stdout.contains("stopped early by the race (on the windows they ran): "), raced.stdout)
        let all = OutputCapture.run(select + ["--select-all-windows", "--json"])
        XCTAssertEqual(all.code, 0, all.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(all.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((json["options"] as? [String: Any])?["selectionRace"] as? Bool, false)
        XCTAssertEqual((json["selection"] as? [[String: Any]])?.map { $0["windows"] as? Int }, [6, 6, 6, 6])
        let refused = OutputCapture.run(["prune", Self.model, "--dry-run", "--layers", "2", "--select-all-windows"] + Self.calibration)
        XCTAssertEqual(refused.code, 64)
        XCTAssertTrue(refused.stderr.contains("'--select-all-windows' go with '--select perplexity'"), refused.stderr)
    }

    static let smallCalibration = ["--calibration", fixtures.appendingPathComponent("calibration.jsonl").path,
                                   "--samples", "2", "--seq-len", "16"]

    func testDistancesFormats() throws {
        let svg = try scratch().appendingPathComponent("d.svg")
        let text = OutputCapture.run(["distances", Self.model, "--max-n", "3", "--svg", svg.path] + Self.smallCalibration)
        XCTAssertEqual(text.code, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("n\\start"), text.stdout)
        XCTAssertEqual(text.stdout.split(separator: "\n").count, 2 + 3)
        XCTAssertTrue(try String(contentsOf: svg, encoding: .utf8).hasPrefix("<?xml"))
        let csv = OutputCapture.run(["distances", Self.model, "--max-n", "2", "--format", "csv"] + Self.smallCalibration)
        XCTAssertEqual(csv.stdout.split(separator: "\n").count, 1 + 7 + 6)
        let json = OutputCapture.run(["distances", Self.model, "--max-n", "1", "--format", "json", "--distance-tokens", "all"] + Self.smallCalibration)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        XCTAssertEqual((object?["table"] as? [String: Any])?["tokens"] as? String, "all")
        let bad = OutputCapture.run(["distances", Self.model, "--max-n", "7"] + Self.smallCalibration)
        XCTAssertEqual(bad.code, 64)
    }

    /// `distances --svg` into a missing directory fails at once (before the pass), naming the path.
    func testDistancesSVGIntoMissingDirectoryFailsBeforeWork() throws {
        let svg = try scratch().appendingPathComponent("nowhere/d.svg")
        let r = OutputCapture.run(["distances", Self.model, "--max-n", "2", "--svg", svg.path] + Self.smallCalibration)
        XCTAssertEqual(r.code, 1)
        XCTAssertTrue(r.stderr.contains("its directory \(svg.deletingLastPathComponent().path) does not exist"), r.stderr)
        XCTAssertFalse(r.stderr.contains("distances ["), "no pass ran: \(r.stderr)")
        XCTAssertEqual(r.stdout, "")
    }

    /// prune --dry-run --save-plan, then perplexity --plan and apply: the plan evaluated on the dense checkpoint
    /// scores what the applied checkpoint scores, and apply writes the bytes prune writes.
    func testDryRunPlanPerplexityAndApply() throws {
        let dir = try scratch()
        // The 8-layer fixture with the byte-level tokenizer of the Llama fixtures (both have 256 ids), to score text.
        let model = dir.appendingPathComponent("model").path
        try FileManager.default.copyItem(atPath: Self.model, toPath: model)
        try FileManager.default.copyItem(atPath: URL(fileURLWithPath: PerplexityCommandTests.model).appendingPathComponent("tokenizer.json").path,
                                         toPath: model + "/tokenizer.json")
        let plan = dir.appendingPathComponent("plan.json")
        let dry = OutputCapture.run(["prune", model, "--layers", "2", "--dry-run", "--save-plan", plan.path] + Self.calibration)
        XCTAssertEqual(dry.code, 0, dry.stderr)
        XCTAssertTrue(dry.stdout.contains("no checkpoint written (--dry-run)"), dry.stdout)
        XCTAssertTrue(dry.stdout.contains("plan: \(plan.path)"), dry.stdout)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["model", "plan.json", "plan.transforms.safetensors"])

        let applied = dir.appendingPathComponent("applied")
        let apply = OutputCapture.run(["apply", model, "--plan", plan.path, "--output", applied.path])
        XCTAssertEqual(apply.code, 0, apply.stderr)
        XCTAssertTrue(apply.stdout.contains("dropped layers 6, 7; transforms folded into layers 5"), apply.stdout)
        let pruned = dir.appendingPathComponent("pruned")
        XCTAssertEqual(OutputCapture.run(["prune", model, "--layers", "2", "--output", pruned.path] + Self.calibration).code, 0)
        for f in ["model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors", "config.json"] {
            XCTAssertEqual(try Data(contentsOf: applied.appendingPathComponent(f)), try Data(contentsOf: pruned.appendingPathComponent(f)), f)
        }
        let jsonl = dir.appendingPathComponent("eval.jsonl")
        try Data(#"{"text": "abcdefghijklmnopqrstuvwxyz abcdefghijklmnopqrstuvwxyz 0123456789 the quick brown fox"}"#.utf8).write(to: jsonl)
        func perplexity(_ args: [String]) throws -> Double {
            let r = OutputCapture.run(["perplexity"] + args + ["--jsonl", jsonl.path, "--seq-len", "16", "--json"])
            XCTAssertEqual(r.code, 0, r.stderr)
            return try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])?["perplexity"] as? Double)
        }
        let viaPlan = try perplexity([model, "--plan", plan.path])
        XCTAssertEqual(viaPlan, try perplexity([applied.path]), accuracy: 1e-9 * viaPlan)
        XCTAssertNotEqual(viaPlan, try perplexity([model]))

        let bad = OutputCapture.run(["apply", model, "--plan", dir.appendingPathComponent("none.json").path,
                                     "--output", dir.appendingPathComponent("x").path])
        XCTAssertEqual(bad.code, 1)
        XCTAssertTrue(bad.stderr.contains("none.json': (file): does not exist"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("x").path))
        XCTAssertEqual(OutputCapture.run(["apply", model, "--output", applied.path]).code, 64)
    }
}
