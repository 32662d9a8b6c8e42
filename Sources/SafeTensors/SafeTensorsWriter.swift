import JSON
import Foundation

/// Writes one safetensors file, streaming: the header is computed from the sources' dtypes and shapes, then each
/// source produces its bytes in turn, straight to the file.
///
/// Layout (matches the reference writer): `UInt64` little-endian header length N; the header, compact JSON with
/// `__metadata__` first, space-padded so that 8 + N is a multiple of 8; the tensors, contiguous from offset 0,
/// ordered by descending dtype size then name, so that every tensor is naturally aligned in the file.
public enum SafeTensorsWriter {
    /// Writes `tensors` to a new file at `url` (which must not exist), fsyncs it, and returns its size and SHA-256.
    /// `didWriteTensor` is called after each tensor. On error the partial file is left for the caller to remove
    /// (`CheckpointWriter` writes inside a temporary directory that it removes).
    @discardableResult
    public static func write(_ tensors: [TensorWriteSource], to url: URL, metadata: [String: String] = ["format": "pt"],
                             hashing: Bool = true, didWriteTensor: (() -> Void)? = nil) throws -> FileDigest {
        let ordered = try layout(tensors)
        let header = headerBytes(ordered, metadata: metadata)
        let file = try OutputFile(path: url.path, hashing: hashing)
        var length = UInt64(header.count).littleEndian
        try withUnsafeBytes(of: &length) { try file.write($0) }
        try file.write(header)
        for (source, range) in ordered {
            var produced = 0
            try source.produce { chunk in
                produced += chunk.count
                guard produced <= range.count else {
                    throw SafeTensorsError.wrongTensorByteCount(tensor: source.name, expected: range.count, produced: produced)
                }
                try file.write(chunk)
            }
            guard produced == range.count else {
                throw SafeTensorsError.wrongTensorByteCount(tensor: source.name, expected: range.count, produced: produced)
            }
            source.didWrite?()
            didWriteTensor?()
        }
        try file.finish()
        return file.digest
    }

    /// Checks the sources (unique names, valid sizes) and assigns contiguous data offsets in file order.
    static func layout(_ tensors: [TensorWriteSource]) throws -> [(TensorWriteSource, Range<Int>)] {
        var seen = Set<String>()
        for t in tensors {
            guard seen.insert(t.name).inserted else { throw SafeTensorsError.duplicateOutputTensor(tensor: t.name) }
            guard !t.name.isEmpty, t.name != "__metadata__" else {
                throw SafeTensorsError.invalidOutputTensor(tensor: t.name, reason: "reserved or empty name")
            }
            guard t.byteCount != nil, t.shape.allSatisfy({ $0 < (1 << 48) }) else {
                throw SafeTensorsError.invalidOutputTensor(tensor: t.name, reason: "shape \(t.shape) is not a valid \(t.dtype.rawValue) tensor")
            }
        }
        let sorted = tensors.sorted {
            $0.dtype.bitSize != $1.dtype.bitSize ? $0.dtype.bitSize > $1.dtype.bitSize
                                                 : Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8))
        }
        var offset = 0
        return sorted.map { t in
            let r = offset..<(offset + t.byteCount!)
            offset = r.upperBound
            return (t, r)
        }
    }

    /// The header JSON, padded with spaces so that the data starts at a multiple of 8.
    static func headerBytes(_ ordered: [(TensorWriteSource, Range<Int>)], metadata: [String: String]) -> [UInt8] {
        var o = JSONObject()
        if !metadata.isEmpty {
            o["__metadata__"] = .object(JSONObject(metadata.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))
        }
        for (t, r) in ordered {
            o.appendUnchecked(t.name, .object(JSONObject([
                ("dtype", .string(t.dtype.rawValue)),
                ("shape", .array(t.shape.map { .int($0) })),
                ("data_offsets", .array([.int(r.lowerBound), .int(r.upperBound)])),
            ])))
        }
        var bytes = Array(JSONValue.object(o).serialized().utf8)
        while bytes.count % 8 != 0 { bytes.append(0x20) }
        return bytes
    }
}
