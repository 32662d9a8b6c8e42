import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Single files that appear only complete: the contents go to a temporary sibling `.<name>.replaceme-tmp-<pid>`,
/// which is fsynced, renamed over the final name, and the directory fsynced; on any failure the temporary is
/// removed and the final name is untouched. (`CheckpointWriter` does the same for whole directories.)
public enum AtomicFile {
    /// Checks, before any work, that `url` can be written: its directory exists and is a directory, and `url` is
    /// not a directory and does not exist (unless `replace`). Throws `SafeTensorsError.writeFailed` naming the path.
    public static func check(_ url: URL, replace: Bool) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { throw SafeTensorsError.writeFailed(path: url.path, reason: "is a directory") }
            if !replace { throw SafeTensorsError.fileExists(path: url.path) }
        }
        let parent = url.deletingLastPathComponent()
        guard fm.fileExists(atPath: parent.path, isDirectory: &isDirectory) else {
            throw SafeTensorsError.writeFailed(path: url.path, reason: "its directory \(parent.path) does not exist")
        }
        guard isDirectory.boolValue else {
            throw SafeTensorsError.writeFailed(path: url.path, reason: "\(parent.path) is not a directory")
        }
        if let reason = unwritableReason(parent) { throw SafeTensorsError.writeFailed(path: url.path, reason: reason) }
    }

    /// Why files cannot be created in the existing directory `dir` (permissions, a read-only filesystem), or nil.
    public static func unwritableReason(_ dir: URL) -> String? {
        guard access(dir.path, W_OK) != 0 else { return nil }
        switch errno {
        case EROFS: return "its directory \(dir.path) is on a read-only filesystem"
        case EACCES, EPERM: return "its directory \(dir.path) is not writable (permission denied)"
        case let e: return "its directory \(dir.path) is not writable (\(String(cString: strerror(e))))"
        }
    }

    /// Writes `bytes` to `url` atomically and returns the file's size and digest.
    @discardableResult
    public static func write(_ bytes: [UInt8], to url: URL) throws -> FileDigest {
        var digest = FileDigest(bytes: 0, sha256: "")
        try write(to: url) { tmp in
            let file = try OutputFile(path: tmp.path)
            try file.write(bytes)
            try file.finish()
            digest = file.digest
        }
        return digest
    }

    /// Produces `url` atomically: `body` creates and fills the temporary path it is given (and fsyncs it, as
    /// `OutputFile` and `SafeTensorsWriter` do); it is then renamed over `url`.
    public static func write(to url: URL, _ body: (URL) throws -> Void) throws {
        let parent = url.deletingLastPathComponent()
        let tmp = parent.appendingPathComponent(".\(url.lastPathComponent).replaceme-tmp-\(getpid())")
        CheckpointWriter.removeStaleTemporaries(parent: parent)
        try? FileManager.default.removeItem(at: tmp)
        TemporaryOutputs.register(tmp)
        defer { TemporaryOutputs.unregister(tmp) }
        do {
            try body(tmp)
            guard rename(tmp.path, url.path) == 0 else {
                throw SafeTensorsError.writeFailed(path: url.path, reason: "rename: \(String(cString: strerror(errno)))")
            }
            try CheckpointWriter.fsyncDirectory(parent)
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw error
        }
    }
}
