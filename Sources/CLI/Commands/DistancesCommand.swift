import Foundation
import Pruning

/// `replaceme distances <checkpoint-dir> [--max-n N] [--format text|csv|json] [--svg FILE]`: pass 1 alone, the
/// whole table of mean angular distances for every span length and start.
enum DistancesCommand {
    static let spec = CommandSpec(
        name: "distances",
        summary: "Print the angular-distance table of every span (all lengths n, all starts) on calibration text.",
        discussion: """
        d(start, n) is the mean over calibration samples of arccos(cos(L_{start-1}, L_{start+n-1}))/π, the angle
        between the hidden state entering layer `start` and the one leaving layer start+n-1 (at each sample's last
        token, or all tokens). Low values mark spans whose removal changes the hidden state least; `prune` picks
        the lowest for its n. Layer 0 is never a candidate (start ≥ 1).

        EXAMPLE: replaceme distances models/smollm2-135m-bf16 --max-n 8 --svg distances.svg
        """,
        positionals: [.init("checkpoint", "A Hugging Face checkpoint directory, or a GGUF file (converted once to Float32 in the cache).")],
        options: [
            .value("max-n", "N", "Longest span length in the table.", default: "layers - 2"),
            .value("format", "F", "Output format: text, csv or json.", default: "text"),
            .value("svg", "FILE", "Also write the table as an SVG heat map (replaced if it exists; its directory must exist)."),
        ] + CalibrationOptions.options + [
            .value("distance-tokens", "WHICH", "Positions averaged: last or all.", default: "last"),
            .flag("final-norm-quirk", "Use RMSNorm_final(L_{L-1}) for the last layer, as the reference's HF indexing does."),
        ],
        run: { args, context in
            let format = try args.choice("format", ["text", "csv", "json"]) ?? "text"
            let tokens = try CalibrationOptions.distanceTokens(args)
            let calibration = try CalibrationOptions.parse(args)
            let svgURL = args.string("svg").map { URL(fileURLWithPath: $0) }
            if let svgURL { try Pruner.checkSideFile(svgURL, force: true) }   // before any work
            let pruner = try Pruner(checkpointDirectory: try context.checkpointDirectory(args.positional(0)!))
            let layers = pruner.numLayers
            let maxN = try args.int("max-n", in: 1...max(1, layers - 2)) ?? (layers - 2)
            let set = try pruner.loadCalibration(files: calibration.files, samples: calibration.samples,
                                                 seqLen: calibration.seqLen)
            let scorer = try DistanceScorer(model: pruner.model, maxN: maxN,
                                            modes: [.init(tokens: tokens, finalNormQuirk: args.flag("final-norm-quirk"))])
            let run = CalibrationRun(model: pruner.model, calibration: set)
            let bar = context.progress("distances", total: run.steps(through: layers - 1), unit: "layers")
            try run.run(through: layers - 1, observers: [scorer], progress: { done, _ in bar.update(done) })
            bar.finish()
            let table = try scorer.tables()[0]
            switch format {
            case "csv": context.writeOut(table.csv())
            case "json": context.writeOut(String(decoding: try table.json(), as: UTF8.self) + "\n")
            default: context.writeOut(table.textTable())
            }
            if let svgURL {
                try Pruner.writeSideFile(Data(table.svg(title: "Angular distance: \(pruner.inputDirectory.lastPathComponent)").utf8),
                                         to: svgURL)
            }
            return 0
        })
}
