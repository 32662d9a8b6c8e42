import Foundation

/// Whole-file reads of the small files the tool parses (config.json, tokenizer.json, indexes, plans, text).
/// Failures carry a short plain reason ("the file does not exist", "permission denied", "is a directory") as
/// their `localizedDescription`, instead of Foundation's "The operation could not be completed" texts.
/// `Data(contentsOf:)` of swift-foundation leaks a 4 KiB buffer for an empty file (found by the fuzz harnesses
/// under LeakSanitizer); an empty file is answered here without it.
public enum FileContents {
    public struct ReadFailure: LocalizedError, Equatable {
        public var reason: String
        public var errorDescription: String? { reason }
    }

    public static func read(_ url: URL) throws -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw ReadFailure(reason: "the file does not exist")
        }
        if isDirectory.boolValue { throw ReadFailure(reason: "is a directory, not a file") }
        guard FileManager.default.isReadableFile(atPath: url.path) else { throw ReadFailure(reason: "permission denied") }
        let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
        if (attributes?[.size] as? NSNumber)?.intValue == 0, attributes?[.type] as? FileAttributeType == .typeRegular {
            return Data()
        }
        do { return try Data(contentsOf: url) } catch {
            throw ReadFailure(reason: (error as NSError).localizedFailureReason ?? error.localizedDescription)
        }
    }
}
