import Foundation
import Llama

extension CommandContext {
    /// Whether a checkpoint argument names a GGUF file (true) or a directory (false); anything else (missing, a
    /// file of another kind) is an error saying what was expected.
    static func isGGUFInput(_ path: String) throws -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CLIError.unreadableFile(path: path, reason: "does not exist (expected a checkpoint directory or a GGUF file)")
        }
        if isDirectory.boolValue { return false }
        guard GGUFConversion.isGGUF(URL(fileURLWithPath: path)) else {
            throw CLIError.unreadableFile(path: path, reason: "is a file but not a GGUF file (it does not start with 'GGUF'); expected a checkpoint directory or a GGUF file")
        }
        return true
    }

    /// The checkpoint directory a command's argument names: the directory itself, or, for a GGUF file, its
    /// Float32 Hugging Face conversion, made once in `$REPLACEME_CACHE/gguf-import` (default
    /// `~/.cache/replaceme/gguf-import`) and reused while the file is unchanged. Saying so on stderr when it converts.
    func checkpointDirectory(_ path: String) throws -> URL {
        let url = URL(fileURLWithPath: path)
        guard try Self.isGGUFInput(path) else { return url }
        let env = ProcessInfo.processInfo.environment
        let cache = env["REPLACEME_CACHE"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/replaceme")
        return try GGUFConversion.cachedCheckpoint(for: url, cacheRoot: cache.appendingPathComponent("gguf-import"),
                                                   log: { printError("replaceme: " + $0) })
    }
}
