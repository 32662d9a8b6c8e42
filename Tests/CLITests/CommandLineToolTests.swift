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

    func testMissingPositionalIsUsageError() {
        let r = OutputCapture.run(["inspect"])
        XCTAssertEqual(r.code, 64)
        XCTAssertTrue(r.stderr.contains("missing argument <checkpoint>"), r.stderr)
    }
}
