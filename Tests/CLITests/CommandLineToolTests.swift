import XCTest
@testable import CLI

/// Runs the tool in-process and captures stdout, stderr and the exit code.
final class OutputCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var out = "", err = ""
    var stdout: String { lock.lock(); defer { lock.unlock() }; return out }
    var stderr: String { lock.lock(); defer { lock.unlock() }; return err }

    func context() -> CommandContext {
        CommandContext(writeOut: { s in self.lock.lock(); self.out += s; self.lock.unlock() },
                       writeErr: { s in self.lock.lock(); self.err += s; self.lock.unlock() },
                       stderrIsTerminal: false)
    }

    static func run(_ args: [String]) -> (code: Int32, stdout: String, stderr: String) {
        let capture = OutputCapture()
        let code = CommandLineTool.run(args, context: capture.context())
        return (code, capture.stdout, capture.stderr)
    }
}

final class CommandLineToolTests: XCTestCase {
    func testVersion() {
        let r = OutputCapture.run(["--version"])
        XCTAssertEqual(r.code, 0)
        XCTAssertEqual(r.stdout, "replaceme \(CommandLineTool.version)\n")
    }

    func testNoArgumentsIsUsageError() {
        let r = OutputCapture.run([])
        XCTAssertEqual(r.code, 64)
        XCTAssertTrue(r.stderr.contains("USAGE: replaceme <subcommand>"))
    }

    func testUnknownSubcommand() {
        let r = OutputCapture.run(["frobnicate"])
        XCTAssertEqual(r.code, 64)
        XCTAssertTrue(r.stderr.contains("Error: unknown subcommand 'frobnicate'"), r.stderr)
    }

    func testEverySubcommandHasHelp() {
        for spec in CommandLineTool.commands {
            let r = OutputCapture.run([spec.name, "--help"])
            XCTAssertEqual(r.code, 0, spec.name)
            XCTAssertTrue(r.stdout.contains("USAGE: replaceme \(spec.name)"), spec.name)
            XCTAssertTrue(r.stdout.contains("OPTIONS:"), spec.name)
        }
    }

    func testUnknownOptionIsUsageErrorWithUsageLine() {
        let r = OutputCapture.run(["inspect", "somewhere", "--bogus"])
        XCTAssertEqual(r.code, 64)
        XCTAssertTrue(r.stderr.contains("Error: unknown option '--bogus'"), r.stderr)
        XCTAssertTrue(r.stderr.contains("Usage: replaceme inspect"), r.stderr)
    }

    /// An option with an implicit value (`--iterative [STEP]`) takes a following number, and is bare otherwise,
    /// never swallowing a positional; usage and help show the value as optional.
    func testOptionalValueTakesANumberOrStandsBare() throws {
        let spec = CommandSpec(name: "t", summary: "", positionals: [.init("x", "", optional: true)],
                               options: [.optionalValue("iterative", "STEP", "", implicit: "1"), .flag("json", "")]) { _, _ in 0 }
        func parse(_ a: [String]) throws -> ParsedArguments { try ParsedArguments.parse(a, spec: spec) }
        XCTAssertEqual(try parse(["--iterative", "3"]).string("iterative"), "3")
        XCTAssertEqual(try parse(["--iterative=2"]).string("iterative"), "2")
        XCTAssertEqual(try parse(["--iterative"]).string("iterative"), "1")
        let before = try parse(["--iterative", "model-dir"])
        XCTAssertEqual(before.string("iterative"), "1")
        XCTAssertEqual(before.positionals, ["model-dir"])
        let flag = try parse(["--iterative", "--json"])
        XCTAssertEqual(flag.string("iterative"), "1")
        XCTAssertTrue(flag.flag("json"))
        XCTAssertNil(try parse([]).string("iterative"))
        XCTAssertTrue(spec.usageLine.contains("[--iterative [STEP]]"), spec.usageLine)
        XCTAssertTrue(spec.helpText.contains("--iterative [<STEP>]"), spec.helpText)
        XCTAssertTrue(spec.helpText.contains("(given bare: 1)"), spec.helpText)
    }

    func testMissingPositionalIsUsageError() {
        let r = OutputCapture.run(["inspect"])
        XCTAssertEqual(r.code, 64)
        XCTAssertTrue(r.stderr.contains("missing argument <checkpoint>"), r.stderr)
    }

    /// Required options show unbracketed in usage lines; a value judged without the checkpoint is a usage error.
    func testUsageLinesShowRequiredOptionsAndRatioOneIsAUsageError() {
        let prune = OutputCapture.run(["prune", "--help"])
        XCTAssertTrue(prune.stdout.contains("replaceme prune <checkpoint> (--output DIR | --dry-run) (--layers N | --ratio R) [--method M]"), prune.stdout)
        XCTAssertTrue(OutputCapture.run(["tokenize", "--help"]).stdout.contains("<checkpoint> (--text T | --file F) [--no-special-tokens]"))
        XCTAssertTrue(OutputCapture.run(["perplexity", "--help"]).stdout.contains("<checkpoint> (--text FILE | --jsonl FILE) [--seq-len N]"))
        XCTAssertTrue(OutputCapture.run(["apply", "--help"]).stdout.contains("<checkpoint> --plan PLAN.json --output DIR [--format F] [--force]"))
        for ratio in ["1.0", "1", "0"] {
            let r = OutputCapture.run(["prune", "/nonexistent", "--dry-run", "--ratio", ratio])
            XCTAssertEqual(r.code, 64, "--ratio \(ratio): \(r.stderr)")
        }
    }
}
