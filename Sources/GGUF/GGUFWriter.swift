import Foundation
import SafeTensors

/// Writes a GGUF file (version 3), atomically: header, metadata, tensor entries, then each tensor's bytes at the
/// next multiple of the alignment, produced one tensor at a time (the writer never holds more than one).
/// The temporary sibling is fsynced and renamed over the target (`AtomicFile`); nothing is left on failure.
public struct GGUFWriter {
    /// One tensor to write: `shape` outermost first (as safetensors), its type, and a producer of exactly
    /// `type.byteCount(elements:)` bytes, called when the writer reaches it.
    public struct Tensor {
        public var name: String
        public var shape: [Int]
        public var type: GGMLType
        public var produce: () throws -> [UInt8]
        public init(name: String, shape: [Int], type: GGMLType, produce: @escaping () throws -> [UInt8]) {
            self.name = name; self.shape = shape; self.type = type; self.produce = produce
        }
        var byteCount: Int? { type.byteCount(elements: shape.reduce(1, *)) }
    }

    public var metadata: [(String, GGUFValue)]
    public var tensors: [Tensor]
    public let alignment = 32

    public init(metadata: [(String, GGUFValue)], tensors: [Tensor]) { self.metadata = metadata; self.tensors = tensors }

    /// Writes to `url` (replacing a file there only when `replace`); `progress(done, total)` counts tensors.
    public func write(to url: URL, replace: Bool, progress: ((Int, Int) -> Void)? = nil) throws -> FileDigest {
        try AtomicFile.check(url, replace: replace)
        var header = Self.le(UInt32(0x4655_4747)) + Self.le(UInt32(3))
        header += Self.le(UInt64(tensors.count)) + Self.le(UInt64(metadata.count))
        for (key, value) in metadata { header += Self.string(key) + Self.encode(value) }
        var offset = 0
        var offsets: [Int] = []
        for t in tensors {
            guard let n = t.byteCount, let first = t.shape.last, first % (t.type.block?.elements ?? 1) == 0 else {
                throw GGUFError.invalidTensor(file: url.path, tensor: t.name, reason: "shape \(t.shape) is not whole \(t.type.name) blocks per row")
            }
            offsets.append(offset)
            header += Self.string(t.name) + Self.le(UInt32(t.shape.count))
            for d in t.shape.reversed() { header += Self.le(UInt64(d)) }
            header += Self.le(t.type.rawValue) + Self.le(UInt64(offset))
            offset = (offset + n + alignment - 1) / alignment * alignment
        }
        header += [UInt8](repeating: 0, count: (alignment - header.count % alignment) % alignment)
        var digest = FileDigest(bytes: 0, sha256: nil)
        try AtomicFile.write(to: url) { tmp in
            let file = try OutputFile(path: tmp.path, hashing: false)
            try file.write(header)
            var written = 0
            for (i, t) in tensors.enumerated() {
                let bytes = try t.produce()
                guard bytes.count == t.byteCount else {
                    throw GGUFError.invalidTensor(file: url.path, tensor: t.name, reason: "produced \(bytes.count) bytes, expected \(t.byteCount ?? -1)")
                }
                try file.write([UInt8](repeating: 0, count: offsets[i] - written))
                try file.write(bytes)
                written = offsets[i] + bytes.count
                progress?(i + 1, tensors.count)
            }
            try file.finish()
            digest = FileDigest(bytes: header.count + written, sha256: nil)
        }
        return digest
    }

    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
    static func string(_ s: String) -> [UInt8] { le(UInt64(s.utf8.count)) + Array(s.utf8) }

    /// The value's type id and its encoding.
    static func encode(_ v: GGUFValue) -> [UInt8] { le(typeID(v)) + payload(v) }

    static func typeID(_ v: GGUFValue) -> UInt32 {
        switch v {
        case .uint8: return 0
        case .int8: return 1
        case .uint16: return 2
        case .int16: return 3
        case .uint32: return 4
        case .int32: return 5
        case .float32: return 6
        case .bool: return 7
        case .string: return 8
        case .array: return 9
        case .uint64: return 10
        case .int64: return 11
        case .float64: return 12
        }
    }

    static func elementName(_ v: GGUFValue) -> String {
        if case .array(let name, _) = v { return name }
        return v.typeName
    }

    static func payload(_ v: GGUFValue) -> [UInt8] {
        switch v {
        case .uint8(let x): return [x]
        case .int8(let x): return [UInt8(bitPattern: x)]
        case .uint16(let x): return le(x)
        case .int16(let x): return le(x)
        case .uint32(let x): return le(x)
        case .int32(let x): return le(x)
        case .float32(let x): return le(x.bitPattern)
        case .bool(let x): return [x ? 1 : 0]
        case .string(let s): return string(s)
        case .uint64(let x): return le(x)
        case .int64(let x): return le(x)
        case .float64(let x): return le(x.bitPattern)
        case .array(_, let items):
            let names = ["uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "bool", "string", "array",
                         "uint64", "int64", "float64"]
            let element = items.first.map(typeID) ?? UInt32(names.firstIndex(of: elementName(v)) ?? 8)
            var out = le(element) + le(UInt64(items.count))
            for item in items { out += payload(item) }
            return out
        }
    }
}
