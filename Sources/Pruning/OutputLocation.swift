import Foundation

/// Early checks of where the output goes, so a bad request fails before minutes of work (the atomic writer
/// checks again when it writes), and a small atomic file write for the report.
enum OutputLocation {
    /// Refuses an output that is the input or inside it, and an existing non-empty output unless `force`.
    static func check(output: URL, input: URL, force: Bool) throws {
        let out = resolved(output), inp = resolved(input)
        if out == inp || out.hasPrefix(inp + "/") {
            throw PruningError.outputInsideInput(output: output.path, input: input.path)
        }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: output.path, isDirectory: &isDir) {
            let empty = isDir.boolValue && ((try? FileManager.default.contentsOfDirectory(atPath: output.path))?.isEmpty ?? false)
            if !empty && !force { throw PruningError.outputExists(path: output.path) }
        }
    }

    /// The path with symlinks resolved as far as it exists.
    static func resolved(_ url: URL) -> String {
        var existing = url.standardizedFileURL
        var rest: [String] = []
        while !FileManager.default.fileExists(atPath: existing.path) && existing.path != "/" {
            rest.insert(existing.lastPathComponent, at: 0)
            existing = existing.deletingLastPathComponent()
        }
        var base = existing.path
        if let r = realpath(existing.path, nil) { base = String(cString: r); free(r) }
        return rest.reduce(base) { $0.hasSuffix("/") ? $0 + $1 : $0 + "/" + $1 }
    }

    /// Writes `data` to a temporary sibling and renames it over `url`.
    static func writeAtomically(_ data: Data, to url: URL) throws {
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        try data.write(to: tmp)
        guard rename(tmp.path, url.path) == 0 else {
            try? FileManager.default.removeItem(at: tmp)
            throw PruningError.unsupportedTensor(name: url.path, reason: "cannot write the report: \(String(cString: strerror(errno)))")
        }
    }
}
