import Foundation
import Llama

extension CommandContext {
    /// The checkpoint directory a command's argument names: the directory itself, or, for a GGUF file, its
    /// Float32 Hugging Face conversion, made once in `$REPLACEME_CACHE/gguf-import` (default
    /// `~/.cache/replaceme/gguf-import`) and reused while the file is unchanged. Saying so on stderr when it converts.
    func checkpointDirectory(_ path: String) throws -> URL {
        let url = URL(fileURLWithPath: path)
        guard GGUFConversion.isGGUF(url) else { return url }
        let env = ProcessInfo.processInfo.environment
        let cache = env["REPLACEME_CACHE"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/replaceme")
        return try GGUFConversion.cachedCheckpoint(for: url, cacheRoot: cache.appendingPathComponent("gguf-import"),
                                                   log: { printError("replaceme: " + $0) })
    }
}
