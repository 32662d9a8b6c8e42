import Foundation

/// How every report is written (prune, apply, sweep): pretty JSON with sorted keys, slashes unescaped, and
/// non-finite numbers as strings ("nan", "inf", "-inf") so the file stays valid JSON.
enum ReportJSON {
    static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(value)
    }
}
