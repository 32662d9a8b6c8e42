import Foundation
import SafeTensors

/// Early checks of where the outputs go, so a bad request fails before minutes of work (the atomic writers
/// check again when they write).
enum OutputLocation {
    /// Refuses an output that is the input or inside it (or contains it), and an existing non-empty output unless
    /// `force`: the writer's own check, run before the work, with the errors named in pruning's terms.
    static func check(output: URL, input: URL, force: Bool) throws {
        do {
            try CheckpointWriter(output: output, force: force, inputs: [input]).checkLocation()
        } catch SafeTensorsError.outputNotEmpty(let path) {
            throw PruningError.outputExists(path: path)
        } catch SafeTensorsError.outputInsideInput(let out, let inp) {
            throw PruningError.outputInsideInput(output: out, input: inp)
        }
    }

    /// Refuses an existing side file (`--save-transforms`, `--export-ids`, `--save-plan`) unless `force`, a
    /// directory in its place, and a missing or unwritable directory, so the request fails before the work rather
    /// than after it.
    static func checkFile(_ url: URL, force: Bool) throws {
        do {
            try AtomicFile.check(url, replace: force)
        } catch SafeTensorsError.fileExists(let path) {
            throw PruningError.outputExists(path: path)
        }
    }
}
