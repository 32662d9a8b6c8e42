import Foundation

/// Where a command writes: results to stdout, messages and progress to stderr.
/// Tests capture both by passing their own sinks.
public final class CommandContext: @unchecked Sendable {
    public let writeOut: @Sendable (String) -> Void
    public let writeErr: @Sendable (String) -> Void
    /// Whether stderr is a terminal (progress bar with ETA) or not (plain progress lines).
    public let stderrIsTerminal: Bool

    public init(writeOut: @escaping @Sendable (String) -> Void, writeErr: @escaping @Sendable (String) -> Void,
                stderrIsTerminal: Bool) {
        self.writeOut = writeOut; self.writeErr = writeErr; self.stderrIsTerminal = stderrIsTerminal
    }

    /// The process's real stdout and stderr.
    public static func standard() -> CommandContext {
        CommandContext(
            writeOut: { s in FileHandle.standardOutput.write(Data(s.utf8)) },
            writeErr: { s in FileHandle.standardError.write(Data(s.utf8)) },
            stderrIsTerminal: isatty(2) == 1)
    }

    /// Prints a line to stdout.
    public func print(_ line: String) { writeOut(line + "\n") }

    /// Prints a line to stderr.
    public func printError(_ line: String) { writeErr(line + "\n") }

    /// Serialises a JSON-compatible value (dictionaries, arrays, strings, numbers, bools, NSNull) to stdout,
    /// pretty-printed with sorted keys.
    public func printJSON(_ value: Any) throws {
        let data = try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        writeOut(String(decoding: data, as: UTF8.self) + "\n")
    }

    /// A progress display on stderr for `total` units of work labelled `label`.
    public func progress(_ label: String, total: Int, unit: String = "") -> ProgressBar {
        ProgressBar(label: label, total: total, unit: unit, terminal: stderrIsTerminal, write: writeErr)
    }
}
