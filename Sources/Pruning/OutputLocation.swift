import Foundation
import SafeTensors

/// Early checks of where the output goes, so a bad request fails before minutes of work (the atomic writer
/// checks again when it writes), and a small atomic file write for the report.
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

    /// Refuses an existing side file (`--save-transforms`, `--export-ids`) unless `force`, and always a directory
    /// in its place, so the request fails before the work rather than after it.
    static func checkFile(_ url: URL, force: Bool) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return }
        if isDirectory.boolValue || !force { throw PruningError.outputExists(path: url.path) }
    }

    /// Writes `data` to a temporary sibling and renames it over `url`.
    static func writeAtomically(_ data: Data, to url: URL) throws {
        try writeAtomically(to: url) { try data.write(to: $0) }
    }

    /// Produces `url` atomically: `write` fills a temporary sibling, which is renamed over `url` only once complete
    /// and removed on any failure.
    static func writeAtomically(to url: URL, _ write: (URL) throws -> Void) throws {
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        try? FileManager.default.removeItem(at: tmp)
        do {
            try write(tmp)
            guard rename(tmp.path, url.path) == 0 else {
                throw PruningError.unsupportedTensor(name: url.path, reason: "cannot write \(url.lastPathComponent): \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw error
        }
    }
}
