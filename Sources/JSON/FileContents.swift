import Foundation

/// Whole-file reads of the small files the tool parses (config.json, tokenizer.json, indexes, plans, text).
/// `Data(contentsOf:)` of swift-foundation leaks a 4 KiB buffer for an empty file (found by the fuzz harnesses
/// under LeakSanitizer); an empty file is answered here without it. Errors are Foundation's, for the caller to name.
public enum FileContents {
    public static func read(_ url: URL) throws -> Data {
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        if (attributes[.size] as? NSNumber)?.intValue == 0, attributes[.type] as? FileAttributeType == .typeRegular {
            return Data()
        }
        return try Data(contentsOf: url)
    }
}
