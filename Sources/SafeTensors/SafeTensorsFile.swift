import Foundation
import TensorCore

/// One safetensors file, memory-mapped and validated on open. Opening reads only the header: tensor data is
/// touched when a tensor is used, so a 500 MB file costs a few MB of resident memory until then.
///
/// Immutable after `init`; safe to read from several threads.
public final class SafeTensorsFile: @unchecked Sendable {
    public let url: URL
    /// Header entries in data-buffer order.
    public let tensors: [TensorInfo]
    /// The `__metadata__` map (usually `["format": "pt"]`), empty when absent.
    public let metadata: [String: String]
    public let headerLength: Int
    public var fileSize: Int { map.bytes.count }
    /// File offset of the data buffer (`8 + headerLength`).
    public var dataStart: Int { 8 + headerLength }
    /// Bytes of tensor data (the file minus its header).
    public var dataSize: Int { fileSize - dataStart }

    private let map: MappedFile
    private let byName: [String: Int]

    /// Maps and validates `url`. Throws `SafeTensorsError` naming the file (and tensor) for any format violation.
    public init(url: URL) throws(SafeTensorsError) {
        self.url = url
        map = try MappedFile(path: url.path)
        let header = try SafeTensorsHeader.parse(map.bytes, name: url.path)
        headerLength = header.headerLength
        metadata = header.metadata
        tensors = header.tensors
        var byName: [String: Int] = [:]
        for (i, t) in tensors.enumerated() { byName[t.name] = i }
        self.byName = byName
    }

    public var tensorNames: [String] { tensors.map(\.name) }

    /// The header entry of `name`, or nil.
    public func info(_ name: String) -> TensorInfo? { byName[name].map { tensors[$0] } }

    /// The header entry of `name`; throws `tensorNotFound` naming this file.
    public func tensorInfo(_ name: String) throws(SafeTensorsError) -> TensorInfo {
        guard let i = byName[name] else { throw .tensorNotFound(tensor: name, location: url.path) }
        return tensors[i]
    }

    /// Calls `body` with the tensor's raw little-endian bytes, straight from the mapping (no copy; unaligned).
    /// The pointer is valid only inside `body`.
    public func withRawBytes<R>(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let info = try tensorInfo(name)
        return try body(UnsafeRawBufferPointer(rebasing: map.bytes[(dataStart + info.dataRange.lowerBound)..<(dataStart + info.dataRange.upperBound)]))
    }

    /// A copy of the tensor's raw bytes (any dtype; for pass-through of types we do not compute with).
    public func rawBytes(_ name: String) throws -> [UInt8] {
        try withRawBytes(name) { Array($0) }
    }

    /// The tensor converted to Float32 (exact for F32, F16 and BF16), row-major. Other dtypes throw
    /// `unsupportedDType` naming the tensor.
    public func floats(_ name: String) throws -> [Float] {
        let info = try tensorInfo(name)
        return try [Float](unsafeUninitializedCapacity: info.elementCount) { buffer, count in
            try floats(name, into: buffer)
            count = info.elementCount
        }
    }

    /// Converts the tensor to Float32 into `destination`, which must hold exactly `elementCount` floats.
    public func floats(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        let info = try tensorInfo(name)
        guard info.dtype.isConvertibleToFloat else {
            throw SafeTensorsError.unsupportedDType(tensor: name, dtype: info.dtype, operation: "conversion to Float32")
        }
        precondition(destination.count == info.elementCount,
                     "destination holds \(destination.count) floats, tensor \(name) has \(info.elementCount)")
        guard let dst = destination.baseAddress, let type = StorageType(rawValue: info.dtype.rawValue) else { return }
        try withRawBytes(name) { src in
            guard let base = src.baseAddress else { return }
            type.widen(base, dst, count: info.elementCount)
        }
    }

    /// An F64 tensor as Float64 values, row-major (other dtypes throw `unsupportedDType` naming the tensor).
    public func doubles(_ name: String) throws -> [Double] {
        let info = try tensorInfo(name)
        guard info.dtype == .f64 else {
            throw SafeTensorsError.unsupportedDType(tensor: name, dtype: info.dtype, operation: "reading as Float64")
        }
        return try withRawBytes(name) { src in
            (0..<info.elementCount).map { Double(bitPattern: UInt64(littleEndian: src.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self))) }
        }
    }

    /// Calls `body` with consecutive pieces of the tensor's raw bytes (at most `chunkBytes` each, a multiple of
    /// the element size), straight from the mapping, dropping each piece's pages from resident memory once `body`
    /// returns. Streaming a tensor this way costs about one piece of memory whatever the tensor's size.
    public func streamRawBytes(_ name: String, chunkBytes: Int = 8 << 20,
                               _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let info = try tensorInfo(name)
        let element = max(1, info.dtype.bitSize / 8)
        let step = max(element, chunkBytes / element * element)
        var offset = dataStart + info.dataRange.lowerBound
        let end = dataStart + info.dataRange.upperBound
        while offset < end {
            let next = min(end, offset + step)
            try body(UnsafeRawBufferPointer(rebasing: map.bytes[offset..<next]))
            map.release(offset..<next)
            offset = next
        }
    }

    /// Drops the tensor's pages from this process's resident memory (they are re-read from disk if used again).
    /// Streaming code calls it after copying or converting a tensor so resident memory stays small.
    public func releasePages(_ name: String) {
        guard let info = info(name) else { return }
        map.release((dataStart + info.dataRange.lowerBound)..<(dataStart + info.dataRange.upperBound))
    }
}
