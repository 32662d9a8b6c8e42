import Foundation
import JSON

/// Text inputs read strictly, for calibration and evaluation alike: UTF-8 validated with the first bad byte's
/// offset and line in the error, and JSON-lines files parsed line by line with the project's byte-exact JSON
/// parser (one object per non-blank line). Errors name the file and line (`PruningError.textUnreadable`,
/// `.textNotUTF8`, `.badJSONLine`).
public enum TextFile {
    /// A leading byte-order mark: calibration drops it (it is not text to learn from); evaluation keeps it, so
    /// the text scored is the file's every byte, as Python reads it with `newline=""`.
    public enum BOM: Sendable { case drop, keep }

    /// The file's bytes and its text (validated UTF-8).
    public static func read(_ url: URL, bom: BOM) throws -> (data: Data, text: String) {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw PruningError.textUnreadable(file: url.path, reason: "the file does not exist")
        }
        let data: Data
        do { data = try FileContents.read(url) } catch {
            throw PruningError.textUnreadable(file: url.path, reason: (error as NSError).localizedDescription)
        }
        return (data, try decodeUTF8(data, file: url.path, bom: bom))
    }

    /// Decodes UTF-8 strictly; a bad byte is reported with its offset in the file and its 1-based line.
    public static func decodeUTF8(_ data: Data, file: String, bom: BOM) throws -> String {
        let hasBOM = data.starts(with: [0xEF, 0xBB, 0xBF])
        let bytes = hasBOM && bom == .drop ? [UInt8](data.dropFirst(3)) : [UInt8](data)
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): offset += encoded.count
            case .emptyInput: return String(decoding: bytes, as: UTF8.self)
            case .error:
                let line = 1 + bytes[..<offset].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
                throw PruningError.textNotUTF8(file: file, line: line, byteOffset: offset + (hasBOM && bom == .drop ? 3 : 0))
            }
        }
    }

    /// Every non-blank line of a JSON-lines text as an object, with its 1-based line number.
    public static func jsonObjects(_ text: String, file: String) throws -> [(line: Int, object: JSONObject)] {
        var out: [(Int, JSONObject)] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            let value: JSONValue
            do { value = try JSONParser.parse(Array(trimmed.utf8)) } catch {
                throw PruningError.badJSONLine(file: file, line: i + 1, reason: "not valid JSON (\(error))")
            }
            guard let object = value.objectValue else {
                throw PruningError.badJSONLine(file: file, line: i + 1, reason: "not a JSON object")
            }
            out.append((i + 1, object))
        }
        return out
    }

    /// The documents of a file: a JSON-lines file's `"text"` fields (`jsonl`; nil: by the `.jsonl` extension), or
    /// a plain file's whole text (empty: none).
    public static func documents(_ url: URL, bom: BOM, jsonl: Bool? = nil) throws -> [String] {
        let text = try read(url, bom: bom).text
        guard jsonl ?? (url.pathExtension.lowercased() == "jsonl") else { return text.isEmpty ? [] : [text] }
        return try jsonObjects(text, file: url.path).map { line, object in
            guard let s = object["text"]?.stringValue else {
                throw PruningError.badJSONLine(file: url.path, line: line, reason: "no string field \"text\"")
            }
            return s
        }
    }
}
