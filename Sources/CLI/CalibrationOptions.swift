import Foundation
import Pruning

/// The calibration options shared by `prune` and `distances`: `--calibration FILE[,FILE...]`, `--samples N`,
/// `--seq-len L`, and the default set `calibration-samples/calibration.jsonl`.
enum CalibrationOptions {
    static let defaultSamples = 64
    static let defaultSeqLen = 1024
    static let defaultRelativePath = "calibration-samples/calibration.jsonl"

    static let options: [CommandSpec.Option] = [
        .value("calibration", "FILE[,FILE...]",
               "Calibration text: plain text files, JSONL with {\"text\": ...} or pre-tokenized {\"ids\": [...]} lines; "
               + "comma-separated, read in order.", default: defaultRelativePath),
        .value("samples", "N", "Number of calibration windows.", default: String(defaultSamples)),
        .value("seq-len", "L", "Tokens per calibration window.", default: String(defaultSeqLen)),
    ]

    /// The calibration files, samples and window length from the parsed arguments.
    static func parse(_ args: ParsedArguments) throws -> (files: [URL], samples: Int, seqLen: Int) {
        let samples = try args.int("samples", in: 1...1_000_000) ?? defaultSamples
        let seqLen = try args.int("seq-len", in: 1...1_000_000) ?? defaultSeqLen
        if let list = args.string("calibration") {
            let files = list.split(separator: ",").map { URL(fileURLWithPath: String($0)) }
            guard !files.isEmpty else { throw args.usageError("option '--calibration' needs at least one file") }
            return (files, samples, seqLen)
        }
        guard let found = defaultCalibrationFile() else {
            throw args.usageError("no --calibration given, and the default \(defaultRelativePath) was not found "
                                  + "(looked in the current directory and above the executable)")
        }
        return ([found], samples, seqLen)
    }

    /// `calibration-samples/calibration.jsonl` in the current directory, or in a directory above the executable
    /// (a build inside the repository: `.build/release/replaceme`).
    static func defaultCalibrationFile() -> URL? {
        let fm = FileManager.default
        let cwd = URL(fileURLWithPath: fm.currentDirectoryPath).appendingPathComponent(defaultRelativePath)
        if fm.fileExists(atPath: cwd.path) { return cwd }
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = dir.appendingPathComponent(defaultRelativePath)
            if fm.fileExists(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    /// `--distance-tokens last|all`.
    static func distanceTokens(_ args: ParsedArguments) throws -> DistanceTokens {
        DistanceTokens(rawValue: try args.choice("distance-tokens", DistanceTokens.allCases.map(\.rawValue)) ?? "last")!
    }

    /// Progress hooks for `Pruner` drawing one bar per phase on stderr.
    static func progress(_ context: CommandContext) -> Pruner.Progress {
        final class Holder: @unchecked Sendable { var bar: ProgressBar? }
        let holder = Holder()
        return Pruner.Progress(
            begin: { label, total, unit in
                let bar = context.progress(label, total: total, unit: unit)
                holder.bar = bar
                return { done, _ in bar.update(done) }
            },
            end: { holder.bar?.finish(); holder.bar = nil },
            note: { context.printError($0) })
    }
}
