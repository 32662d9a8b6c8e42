import Foundation

/// The `replaceme` program: subcommand dispatch, `--help`, `--version` and exit codes.
/// Exit codes: 0 success; 1 failure (`Error: …` on stderr); 64 usage error (message and usage line).
public enum CommandLineTool {
    public static let version = ToolVersion.current

    /// Every subcommand, in the order `--help` lists them. Each lives in `Commands/<Name>Command.swift`.
    static let commands: [CommandSpec] = [
        InspectCommand.spec,
        PerplexityCommand.spec,
        BenchCommand.spec,
        ConvertCommand.spec,
        TokenizeCommand.spec,
        DistancesCommand.spec,
        PruneCommand.spec,
        ApplyCommand.spec,
        SweepCommand.spec,
    ]

    static let overview = """
    OVERVIEW: replaceme \(version): training-free depth pruning of LLaMA-family checkpoints (ReplaceMe).

    USAGE: replaceme <subcommand> [options]
           replaceme <subcommand> --help

    """

    /// Runs the program on `arguments` (argv including the program name) and exits the process.
    public static func runAndExit(_ arguments: [String]) -> Never {
        InterruptHandling.install()
        // One malloc arena, and blocks of 1 MiB or more always mapped on their own: memory freed by a worker thread
        // goes back to the one heap instead of staying in a per-thread arena, and a freed large buffer goes back to
        // the system instead of leaving a hole in the heap, so the peak is what the memory plan says (measured on
        // `perplexity`: 250-288 MB in six runs with one arena, 258-556 MB with glibc's default). The heavy loops
        // reuse their buffers, so the extra page faults are few.
        tuneMalloc()
        exit(run(Array(arguments.dropFirst()), context: .standard()))
    }

    /// glibc's `mallopt(M_ARENA_MAX, 1)` and `mallopt(M_MMAP_THRESHOLD, 1 MiB)` (−8 and −3 in malloc.h, which
    /// Swift's Glibc module does not export; looked up by name, so a libc without it is left alone).
    static func tuneMalloc() {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }   // RTLD_DEFAULT
        let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
        _ = mallopt(-8, 1)
        _ = mallopt(-3, 1 << 20)
    }

    /// Runs the program on `args` (argv without the program name); returns the exit code.
    public static func run(_ args: [String], context: CommandContext) -> Int32 {
        guard let first = args.first else {
            context.writeErr(topLevelHelp())
            return 64
        }
        if first == "--help" || first == "-h" || first == "help" {
            if first == "help", args.count > 1, let spec = commands.first(where: { $0.name == args[1] }) {
                context.writeOut(spec.helpText)
            } else {
                context.writeOut(topLevelHelp())
            }
            return 0
        }
        if first == "--version" {
            context.print("replaceme \(version)")
            return 0
        }
        guard let spec = commands.first(where: { $0.name == first }) else {
            context.printError("Error: unknown subcommand '\(first)'\nUsage: replaceme <subcommand> [options]  (see 'replaceme --help')")
            return 64
        }
        let rest = Array(args.dropFirst())
        if rest.contains("--help") || rest.contains("-h") {
            context.writeOut(spec.helpText)
            return 0
        }
        do {
            let parsed = try ParsedArguments.parse(rest, spec: spec)
            return try spec.run(parsed, context)
        } catch let error as UsageError {
            context.printError("Error: \(error.message)")
            if let usage = error.usageLine { context.printError("Usage: \(usage)\n  See 'replaceme \(spec.name) --help'.") }
            return 64
        } catch {
            context.printError("Error: \(error)")
            return 1
        }
    }

    static func topLevelHelp() -> String {
        var s = overview + "SUBCOMMANDS:\n"
        for c in commands { s += CommandSpec.row(c.name, c.summary) }
        s += "\nOPTIONS:\n" + CommandSpec.row("--version", "Show the version.") + CommandSpec.row("-h, --help", "Show help information.")
        return s
    }
}
