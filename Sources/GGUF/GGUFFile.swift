import Foundation
import SafeTensors
import TensorCore

/// A GGUF file (versions 2 and 3), memory-mapped and validated on open: magic, version, counts, every metadata
/// key and value (lengths and counts bounded by the file, strings valid UTF-8, no duplicate keys, no nested
/// arrays), `general.alignment`, and every tensor entry (at most 4 dimensions, whole blocks per row, no
/// overflow, offset aligned, bytes inside the file, no two tensors overlapping). Tensor data is read only when
/// asked for, and dequantized to Float32 then (`floats`).
///
/// Layout: "GGUF", uint32 version, uint64 tensor count, uint64 key count; the keys (string key, uint32 value
/// type, value); the tensor entries (string name, uint32 dimension count, uint64 dims innermost first, uint32
/// ggml type, uint64 offset from the data section); padding to the alignment; the data section.
public final class GGUFFile: @unchecked Sendable {
    public let url: URL
    public let version: UInt32
    /// Metadata keys in file order, and their values.
    public let keys: [String]
    public let metadata: [String: GGUFValue]
    /// Tensor entries in file order.
    public let tensors: [GGUFTensorInfo]
    public let alignment: Int
    /// Absolute offset of the data section.
    public let dataStart: Int
    private let byName: [String: Int]
    private let map: MappedFile

    public var path: String { url.path }

    public init(url: URL) throws {
        self.url = url
        let path = url.path
        map = try Self.mapFile(path)
        var c = GGUFCursor(map.bytes, file: path)
        guard map.bytes.count >= 4, c.bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self) == 0x4655_4747 else {
            throw GGUFError.notGGUF(file: path)
        }
        _ = try c.scalar(UInt32.self, "magic")
        version = try c.scalar(UInt32.self, "version")
        guard version == 2 || version == 3 else {
            if (2...3).contains(version.byteSwapped) {
                throw GGUFError.invalidHeader(file: path, reason: "the file is big-endian GGUF, which is not supported")
            }
            throw GGUFError.unsupportedVersion(file: path, version: version)
        }
        // A key takes at least 13 bytes (8 length, 1 character, 4 type), a tensor entry at least 25.
        let tensorCount = try c.itemCount("tensor entries", minimumBytes: 25)
        let keyCount = try c.itemCount("metadata keys", minimumBytes: 13)

        var keys: [String] = []
        var metadata: [String: GGUFValue] = [:]
        for k in 0..<keyCount {
            let key = try c.string("metadata key #\(k)")
            guard !key.isEmpty else { throw GGUFError.invalidMetadata(file: path, key: "#\(k)", reason: "empty key") }
            let type = try c.scalar(UInt32.self, "type of metadata '\(key)'")
            let value = try Self.readValue(&c, type: type, key: key, nested: false)
            guard metadata.updateValue(value, forKey: key) == nil else { throw GGUFError.duplicateKey(file: path, key: key) }
            keys.append(key)
        }
        self.keys = keys
        self.metadata = metadata

        var alignment = 32
        if let a = metadata["general.alignment"] {
            guard case .uint32(let v) = a, v > 0, v & (v - 1) == 0 else {
                throw GGUFError.invalidMetadata(file: path, key: "general.alignment",
                                                reason: "must be a uint32 power of two, found \(a.typeName) \(a)")
            }
            alignment = Int(v)
        }
        self.alignment = alignment

        try c.need(tensorCount * 25, "\(tensorCount) tensor entries")
        var entries: [(name: String, dims: [Int], type: GGMLType, offset: Int, bytes: Int)] = []
        var byName: [String: Int] = [:]
        for t in 0..<tensorCount {
            let name = try c.string("name of tensor #\(t)")
            let nDims = try c.scalar(UInt32.self, "dimension count of tensor '\(name)'")
            guard (1...4).contains(nDims) else {
                throw GGUFError.invalidTensor(file: path, tensor: name, reason: "has \(nDims) dimensions (1 to 4 allowed)")
            }
            var dims: [Int] = []
            var elements = 1
            for d in 0..<Int(nDims) {
                let v = try c.scalar(UInt64.self, "dimension \(d) of tensor '\(name)'")
                guard v <= UInt64(Int32.max) * 64 else {
                    throw GGUFError.invalidTensor(file: path, tensor: name, reason: "dimension \(d) is \(v), beyond any file")
                }
                let (p, o) = elements.multipliedReportingOverflow(by: Int(v))
                guard !o else { throw GGUFError.invalidTensor(file: path, tensor: name, reason: "element count overflows") }
                elements = p
                dims.append(Int(v))
            }
            let type = GGMLType(rawValue: try c.scalar(UInt32.self, "type of tensor '\(name)'"))
            let offset = try c.scalar(UInt64.self, "offset of tensor '\(name)'")
            guard let block = type.block else {
                throw GGUFError.invalidTensor(file: path, tensor: name, reason: "unknown ggml type id \(type.rawValue)")
            }
            guard dims[0] % block.elements == 0 else {
                throw GGUFError.invalidTensor(file: path, tensor: name,
                    reason: "innermost dimension \(dims[0]) is not a multiple of \(type.name)'s block of \(block.elements)")
            }
            guard let bytes = type.byteCount(elements: elements) else {
                throw GGUFError.invalidTensor(file: path, tensor: name, reason: "byte size overflows")
            }
            guard offset <= UInt64(map.bytes.count), Int(offset) % alignment == 0 else {
                throw GGUFError.invalidTensor(file: path, tensor: name,
                    reason: "offset \(offset) is not a multiple of the alignment \(alignment) inside the file")
            }
            guard byName.updateValue(entries.count, forKey: name) == nil else {
                throw GGUFError.duplicateTensor(file: path, tensor: name)
            }
            entries.append((name, dims, type, Int(offset), bytes))
        }
        let start = (c.offset + alignment - 1) / alignment * alignment
        guard start <= map.bytes.count || entries.isEmpty else {
            throw GGUFError.truncated(file: path, what: "data section", offset: c.offset, needed: start - c.offset,
                                      fileSize: map.bytes.count)
        }
        dataStart = start
        var infos: [GGUFTensorInfo] = []
        for e in entries {
            let (end, o) = (start + e.offset).addingReportingOverflow(e.bytes)
            guard !o, end <= map.bytes.count else {
                throw GGUFError.truncated(file: path, what: "data of tensor '\(e.name)' (\(e.type.name)\(e.dims))",
                                          offset: start + e.offset, needed: e.bytes, fileSize: map.bytes.count)
            }
            infos.append(GGUFTensorInfo(name: e.name, dims: e.dims, type: e.type, fileRange: (start + e.offset)..<end))
        }
        let sorted = infos.sorted { $0.fileRange.lowerBound < $1.fileRange.lowerBound }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.fileRange.upperBound > b.fileRange.lowerBound {
            throw GGUFError.invalidTensor(file: path, tensor: b.name, reason: "its data overlaps tensor '\(a.name)'")
        }
        tensors = infos
        self.byName = byName
    }

    private static func mapFile(_ path: String) throws(GGUFError) -> MappedFile {
        do {
            return try MappedFile(path: path)
        } catch {
            if case .cannotOpen(_, let reason) = error { throw .cannotOpen(file: path, reason: reason) }
            throw .cannotOpen(file: path, reason: error.description)
        }
    }

    /// Reads one value of GGUF type `type`. Arrays hold scalars or strings (arrays of arrays are refused).
    private static func readValue(_ c: inout GGUFCursor, type: UInt32, key: String, nested: Bool) throws(GGUFError) -> GGUFValue {
        switch type {
        case 0: return .uint8(try c.scalar(UInt8.self, "value of '\(key)'"))
        case 1: return .int8(try c.scalar(Int8.self, "value of '\(key)'"))
        case 2: return .uint16(try c.scalar(UInt16.self, "value of '\(key)'"))
        case 3: return .int16(try c.scalar(Int16.self, "value of '\(key)'"))
        case 4: return .uint32(try c.scalar(UInt32.self, "value of '\(key)'"))
        case 5: return .int32(try c.scalar(Int32.self, "value of '\(key)'"))
        case 6: return .float32(Float(bitPattern: try c.scalar(UInt32.self, "value of '\(key)'")))
        case 7:
            let b = try c.scalar(UInt8.self, "value of '\(key)'")
            guard b <= 1 else { throw .invalidMetadata(file: c.file, key: key, reason: "bool byte is \(b), not 0 or 1") }
            return .bool(b == 1)
        case 8: return .string(try c.string("string value of '\(key)'"))
        case 9:
            guard !nested else { throw .invalidMetadata(file: c.file, key: key, reason: "arrays of arrays are not supported") }
            let elementType = try c.scalar(UInt32.self, "array element type of '\(key)'")
            guard elementType <= 12, elementType != 9 else {
                throw .invalidMetadata(file: c.file, key: key, reason: "array element type \(elementType) is not a GGUF scalar or string type")
            }
            let n = try c.itemCount("array elements of '\(key)'", minimumBytes: Self.minimumSize(elementType))
            var items: [GGUFValue] = []
            items.reserveCapacity(n)
            for i in 0..<n { items.append(try readValue(&c, type: elementType, key: "\(key)[\(i)]", nested: true)) }
            let name = items.first?.typeName ?? Self.typeName(elementType)
            return .array(elementType: name, items)
        case 10: return .uint64(try c.scalar(UInt64.self, "value of '\(key)'"))
        case 11: return .int64(try c.scalar(Int64.self, "value of '\(key)'"))
        case 12: return .float64(Double(bitPattern: try c.scalar(UInt64.self, "value of '\(key)'")))
        default: throw .invalidMetadata(file: c.file, key: key, reason: "unknown value type \(type)")
        }
    }

    private static func minimumSize(_ type: UInt32) -> Int {
        switch type {
        case 0, 1, 7: return 1
        case 2, 3: return 2
        case 4, 5, 6: return 4
        default: return 8   // 64-bit scalars, and strings (their length field)
        }
    }

    private static func typeName(_ type: UInt32) -> String {
        ["uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "bool", "string", "array", "uint64",
         "int64", "float64"][Int(type)]
    }

    // MARK: tensors

    public func contains(_ name: String) -> Bool { byName[name] != nil }

    public func tensor(_ name: String) throws(GGUFError) -> GGUFTensorInfo {
        guard let i = byName[name] else { throw .tensorNotFound(file: path, tensor: name) }
        return tensors[i]
    }

    /// The tensor's raw bytes, straight from the mapping.
    public func withRawBytes<R>(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let t = try tensor(name)
        return try body(UnsafeRawBufferPointer(rebasing: map.bytes[t.fileRange]))
    }

    /// Rows `rows` of the tensor seen as [elements / rowLength, rowLength], dequantized to Float32 into
    /// dst: [rows.count · rowLength], and checked finite (the error names the element).
    public func floats(_ name: String, rows: Range<Int>? = nil, into dst: UnsafeMutablePointer<Float>) throws {
        let t = try tensor(name)
        guard let conversion = t.type.conversion, let block = t.type.block else {
            throw GGUFError.unsupportedType(file: path, tensor: name, type: t.type.name)
        }
        let rowCount = t.elementCount / max(t.rowLength, 1)
        let r = rows ?? 0..<rowCount
        precondition(r.lowerBound >= 0 && r.upperBound <= rowCount, "rows \(r) outside tensor \(name) of \(rowCount) rows")
        let rowBytes = t.rowLength / block.elements * block.bytes
        let src = map.bytes.baseAddress! + t.fileRange.lowerBound + r.lowerBound * rowBytes
        let count = r.count * t.rowLength
        switch conversion {
        case .float(let storage): storage.widen(src, dst, count: count)
        case .blocks(let format): Dequantize.blocks(format, src, count: count / format.blockElements, into: dst)
        }
        for i in 0..<count where !dst[i].isFinite {
            throw GGUFError.nonFinite(file: path, tensor: name, element: r.lowerBound * t.rowLength + i)
        }
    }

    /// The whole tensor as Float32, in its element order (row-major over `shape`).
    public func floats(_ name: String) throws -> [Float] {
        let t = try tensor(name)
        var out = [Float](repeating: 0, count: t.elementCount)
        try out.withUnsafeMutableBufferPointer { try floats(name, into: $0.baseAddress!) }
        return out
    }

    /// Drops the tensor's pages from the resident set (they are read again from the file when touched).
    public func releasePages(_ name: String) {
        if let i = byName[name] { map.release(tensors[i].fileRange) }
    }

    // MARK: metadata

    /// `key`'s value, or `missingKey`.
    public func value(_ key: String) throws(GGUFError) -> GGUFValue {
        guard let v = metadata[key] else { throw .missingKey(file: path, key: key) }
        return v
    }

    public func int(_ key: String) throws(GGUFError) -> Int {
        let v = try value(key)
        guard let i = v.intValue else { throw .wrongKeyType(file: path, key: key, expected: "an integer", found: v.typeName) }
        return i
    }

    public func double(_ key: String) throws(GGUFError) -> Double {
        let v = try value(key)
        guard let d = v.doubleValue else { throw .wrongKeyType(file: path, key: key, expected: "a number", found: v.typeName) }
        return d
    }

    public func string(_ key: String) throws(GGUFError) -> String {
        let v = try value(key)
        guard let s = v.stringValue else { throw .wrongKeyType(file: path, key: key, expected: "a string", found: v.typeName) }
        return s
    }

    /// An array of strings (`tokenizer.ggml.tokens`).
    public func strings(_ key: String) throws(GGUFError) -> [String] { try array(key, "strings", \.stringValue) }

    /// An array of numbers (`tokenizer.ggml.scores`).
    public func doubles(_ key: String) throws(GGUFError) -> [Double] { try array(key, "numbers", \.doubleValue) }

    /// An array of integers (`tokenizer.ggml.token_type`).
    public func ints(_ key: String) throws(GGUFError) -> [Int] { try array(key, "integers", \.intValue) }

    /// `key`'s array with every element converted by `element`, or `wrongKeyType` naming `kind`.
    private func array<T>(_ key: String, _ kind: String, _ element: (GGUFValue) -> T?) throws(GGUFError) -> [T] {
        let v = try value(key)
        guard case .array(_, let items) = v else {
            throw .wrongKeyType(file: path, key: key, expected: "an array of \(kind)", found: v.typeName)
        }
        var out: [T] = []
        out.reserveCapacity(items.count)
        for item in items {
            guard let x = element(item) else { throw .wrongKeyType(file: path, key: key, expected: "an array of \(kind)", found: v.typeName) }
            out.append(x)
        }
        return out
    }
}
