/// Everything that can be wrong with a GGUF file or with what it describes. Every case names the file and the
/// key, tensor or byte offset concerned, so the message alone says what to look at.
public enum GGUFError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(file: String, reason: String)
    case notGGUF(file: String)
    case unsupportedVersion(file: String, version: UInt32)
    /// A structure (`what`) needs bytes past the end of the file (or past the header's own limits).
    case truncated(file: String, what: String, offset: Int, needed: Int, fileSize: Int)
    case invalidHeader(file: String, reason: String)
    case invalidMetadata(file: String, key: String, reason: String)
    case duplicateKey(file: String, key: String)
    case invalidTensor(file: String, tensor: String, reason: String)
    case duplicateTensor(file: String, tensor: String)
    case tensorNotFound(file: String, tensor: String)
    /// The tensor's type has no conversion to Float32 here.
    case unsupportedType(file: String, tensor: String, type: String)
    case missingKey(file: String, key: String)
    case wrongKeyType(file: String, key: String, expected: String, found: String)
    case unsupportedModel(file: String, key: String, value: String, supported: [String])
    case nonFinite(file: String, tensor: String, element: Int)

    public var description: String {
        switch self {
        case .cannotOpen(let f, let r): return "\(f): cannot open: \(r)"
        case .notGGUF(let f): return "\(f): not a GGUF file (the first four bytes are not 'GGUF')"
        case .unsupportedVersion(let f, let v): return "\(f): GGUF version \(v) is not supported (versions 2 and 3 are)"
        case .truncated(let f, let w, let o, let n, let s):
            return "\(f): truncated: \(w) at byte \(o) needs \(n) bytes, but the file has \(s)"
        case .invalidHeader(let f, let r): return "\(f): invalid GGUF header: \(r)"
        case .invalidMetadata(let f, let k, let r): return "\(f): metadata '\(k)': \(r)"
        case .duplicateKey(let f, let k): return "\(f): metadata key '\(k)' appears twice"
        case .invalidTensor(let f, let t, let r): return "\(f): tensor '\(t)': \(r)"
        case .duplicateTensor(let f, let t): return "\(f): tensor '\(t)' appears twice"
        case .tensorNotFound(let f, let t): return "\(f): no tensor named '\(t)'"
        case .unsupportedType(let f, let t, let ty):
            return "\(f): tensor '\(t)' has type \(ty), which replaceme cannot dequantize (supported: F32, F16, BF16, \(QuantizedNames.list))"
        case .missingKey(let f, let k): return "\(f): metadata key '\(k)' is missing"
        case .wrongKeyType(let f, let k, let e, let found): return "\(f): metadata '\(k)' must be \(e), found \(found)"
        case .unsupportedModel(let f, let k, let v, let s):
            return "\(f): \(k) = '\(v)' is not supported (supported: \(s.joined(separator: ", ")))"
        case .nonFinite(let f, let t, let e): return "\(f): tensor '\(t)' element \(e) is not finite"
        }
    }
}

import TensorCore

enum QuantizedNames {
    static let list = QuantizedFormat.allCases.map(\.rawValue).joined(separator: ", ")
}
