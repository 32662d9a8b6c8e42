import Foundation
import SafeTensors

/// The calibration token windows: `samples` windows of exactly `seqLen` token ids, in a deterministic order.
///
/// Inputs, read in the order given: plain text files (one document each), JSONL files (`.jsonl`; one JSON object
/// per line, `{"text": "..."}` or pre-tokenized `{"ids": [1, 2, ...]}`; blank lines are skipped). Every file must
/// be UTF-8. Text documents are tokenized without special tokens by the `encode` closure; all documents' ids are
/// concatenated into one stream, which is cut into consecutive windows of `seqLen` ids, and the first `samples`
/// windows are used (tokenizing stops as soon as there are enough ids). Every window is full length, so no row of
/// the regression is padding.
public struct CalibrationSet: Sendable {
    /// One input file and what it gave.
    public struct Source: Sendable, Codable, Equatable {
        public var path: String
        public var sha256: String
        public var bytes: Int
        public var format: String
        /// Documents (lines or files) actually tokenized.
        public var documentsUsed: Int
    }

    /// windows[i]: [seqLen] token ids of sample i.
    public var windows: [[Int]]
    public var seqLen: Int
    public var sources: [Source]

    public var samples: Int { windows.count }

    /// Loads `samples` windows of `seqLen` tokens from `files`.
    /// - Parameters:
    ///   - encode: text → token ids, without special tokens.
    ///   - vocabSize: when given, pre-tokenized ids must lie in 0..<vocabSize.
    public static func load(files: [URL], samples: Int, seqLen: Int, vocabSize: Int? = nil,
                            encode: (String) throws -> [Int], tokenName: (Int) -> String? = { _ in nil }) throws -> CalibrationSet {
        // Tokenized text must stay inside the model's vocabulary too (a tokenizer.json can hold ids the
        // embedding lacks): refused here, naming the token, before anything reaches the embedding.
        func checkedEncode(_ text: String, _ file: String) throws -> [Int] {
            let ids = try encode(text)
            if let v = vocabSize { try VocabularyCheck.require(ids, vocabSize: v, file: file, tokenName: tokenName) }
            return ids
        }
        let needed = samples * seqLen
        var stream: [Int] = []
        stream.reserveCapacity(needed)
        var sources: [Source] = []
        for url in files {
            let (data, text) = try TextFile.read(url, bom: .drop)
            let isJSONL = url.pathExtension.lowercased() == "jsonl"
            var used = 0
            if isJSONL {
                used = try appendJSONL(text, file: url.path, into: &stream, needed: needed, vocabSize: vocabSize,
                                       encode: checkedEncode)
            } else if !text.isEmpty, stream.count < needed {
                stream += try checkedEncode(text, url.path)
                used = 1
            }
            sources.append(Source(path: url.path, sha256: SHA256.hex(data), bytes: data.count,
                                  format: isJSONL ? "jsonl" : "text", documentsUsed: used))
        }
        if stream.isEmpty { throw PruningError.calibrationEmpty(files: files.map(\.path)) }
        guard stream.count >= needed else {
            throw PruningError.calibrationTooShort(tokens: stream.count, samples: samples, seqLen: seqLen)
        }
        let windows = (0..<samples).map { Array(stream[($0 * seqLen)..<(($0 + 1) * seqLen)]) }
        return CalibrationSet(windows: windows, seqLen: seqLen, sources: sources)
    }

    /// Parses and validates every JSONL line; appends ids until `needed` ids are in `stream`; returns documents used.
    private static func appendJSONL(_ text: String, file: String, into stream: inout [Int], needed: Int,
                                    vocabSize: Int?, encode: (String, String) throws -> [Int]) throws -> Int {
        var used = 0
        for (lineNumber, object) in try TextFile.jsonObjects(text, file: file) {
            // Every line is validated; only tokenizing stops once there are enough ids.
            let wanted = stream.count < needed
            if let t = object["text"] {
                guard let s = t.stringValue else {
                    throw PruningError.badJSONLine(file: file, line: lineNumber, reason: "\"text\" is not a string")
                }
                if wanted { stream += try encode(s, "\(file) line \(lineNumber)") }
            } else if let ids = object["ids"] {
                guard let array = ids.arrayValue else {
                    throw PruningError.badJSONLine(file: file, line: lineNumber, reason: "\"ids\" is not an array")
                }
                for value in array {
                    // Integer literals only (no fraction or exponent, no booleans).
                    guard case .number(let literal) = value, let id = Int(literal) else {
                        throw PruningError.badJSONLine(file: file, line: lineNumber,
                                                       reason: "\"ids\" holds a non-integer value '\(value.serialized())'")
                    }
                    if let v = vocabSize, id < 0 || id >= v {
                        throw PruningError.calibrationTokenOutOfRange(file: file, line: lineNumber, id: id, vocabSize: v)
                    }
                    if wanted { stream.append(id) }
                }
            } else {
                throw PruningError.badJSONLine(file: file, line: lineNumber,
                                               reason: "the object has neither \"text\" nor \"ids\" (each line must be {\"text\": \"...\"} or {\"ids\": [1, 2, ...]})")
            }
            if wanted { used += 1 }
        }
        return used
    }

    /// The windows as pre-tokenized JSONL (`{"ids": [...]}` per line), for other tools to use the same inputs.
    public func idsJSONL() -> String {
        windows.map { "{\"ids\": [" + $0.map(String.init).joined(separator: ", ") + "]}\n" }.joined()
    }
}
