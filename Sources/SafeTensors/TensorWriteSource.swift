import TensorCore

/// One tensor to be written: its header entry and a producer of its bytes, called only when the writer reaches
/// it. A pass-through tensor streams straight from the input's mapping; a computed one is produced on demand,
/// so a checkpoint is written without ever holding all its tensors in memory.
public struct TensorWriteSource {
    public var name: String
    public var dtype: DType
    public var shape: [Int]
    /// Emits the tensor's bytes (little-endian, row-major) by calling `sink` once or more; the writer checks
    /// that exactly `byteCount` bytes arrive.
    public var produce: (_ sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Void
    /// Called after the tensor is written (e.g. to free what the producer cached).
    public var didWrite: (() -> Void)?

    public init(name: String, dtype: DType, shape: [Int],
                produce: @escaping (_ sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Void,
                didWrite: (() -> Void)? = nil) {
        self.name = name; self.dtype = dtype; self.shape = shape; self.produce = produce; self.didWrite = didWrite
    }

    /// Byte size implied by dtype and shape, or nil when invalid (overflow, negative dimension, partial byte).
    public var byteCount: Int? { TensorInfo.byteSize(dtype: dtype, shape: shape) }

    /// The tensor `name` of `checkpoint`, unchanged (optionally renamed, e.g. renumbered layers): its bytes are
    /// copied from the mapped input, whatever the dtype.
    public static func copy(_ name: String, from checkpoint: SafeTensorsCheckpoint, as newName: String? = nil) throws -> TensorWriteSource {
        let info = try checkpoint.tensorInfo(name)
        return TensorWriteSource(name: newName ?? name, dtype: info.dtype, shape: info.shape,
                                 produce: { sink in try checkpoint.streamRawBytes(name) { try sink($0) } })
    }

    /// The tensor `name` of `checkpoint` stored as `dtype` (F32, F16 or BF16; narrowing rounds to nearest even).
    /// When the dtype is unchanged this is `copy`, bit for bit.
    public static func converted(_ name: String, from checkpoint: SafeTensorsCheckpoint, to dtype: DType,
                                 as newName: String? = nil) throws -> TensorWriteSource {
        let info = try checkpoint.tensorInfo(name)
        if info.dtype == dtype { return try copy(name, from: checkpoint, as: newName) }
        guard info.dtype.isConvertibleToFloat else {
            throw SafeTensorsError.unsupportedDType(tensor: name, dtype: info.dtype, operation: "dtype conversion")
        }
        guard dtype.isConvertibleToFloat else {
            throw SafeTensorsError.unsupportedDType(tensor: name, dtype: dtype, operation: "conversion from Float32")
        }
        // Converted in chunks straight from the mapping: memory stays at one chunk whatever the tensor size.
        let type = StorageType(rawValue: info.dtype.rawValue)!   // isConvertibleToFloat: F32, F16 or BF16
        return TensorWriteSource(name: newName ?? name, dtype: dtype, shape: info.shape, produce: { sink in
            let chunk = 1 << 18
            let floats = UnsafeMutablePointer<Float>.allocate(capacity: chunk)  // [chunk] Float32
            defer { floats.deallocate() }
            try checkpoint.streamRawBytes(name, chunkBytes: chunk * type.byteSize) { raw in
                guard let src = raw.baseAddress else { return }
                let n = raw.count / type.byteSize
                type.widen(src, floats, count: n)
                try encode(UnsafeBufferPointer(start: floats, count: n), as: dtype, tensor: name, into: sink)
            }
        })
    }

    /// Float32 values computed on demand by `values` (called once, when written), stored as `dtype`
    /// (F32, F16 or BF16; narrowing rounds to nearest even, NaN stays NaN).
    public static func floats(_ name: String, shape: [Int], dtype: DType,
                              _ values: @escaping () throws -> [Float]) -> TensorWriteSource {
        TensorWriteSource(name: name, dtype: dtype, shape: shape, produce: { sink in
            let v = try values()
            try v.withUnsafeBufferPointer { try encode($0, as: dtype, tensor: name, into: sink) }
        })
    }

    /// Bytes given in full (small tensors; tests).
    public static func bytes(_ name: String, dtype: DType, shape: [Int], _ data: [UInt8]) -> TensorWriteSource {
        TensorWriteSource(name: name, dtype: dtype, shape: shape, produce: { sink in
            try data.withUnsafeBytes { try sink($0) }
        })
    }

    /// Encodes `values` as `dtype` in chunks of 64 Ki elements and passes each chunk to `sink`.
    /// values: [n] Float32; emitted bytes: [n]·size(dtype).
    public static func encode(_ values: UnsafeBufferPointer<Float>, as dtype: DType, tensor: String,
                       into sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let base = values.baseAddress else { return }
        switch dtype {
        case .f32:
            try sink(UnsafeRawBufferPointer(values))
        case .bf16, .f16:
            let chunk = 1 << 16
            let scratch = UnsafeMutableRawPointer.allocate(byteCount: 2 * chunk, alignment: 16)  // [chunk] UInt16
            defer { scratch.deallocate() }
            var start = 0
            while start < values.count {
                let n = min(chunk, values.count - start)
                if dtype == .bf16 {
                    HalfConversion.floatToBF16(base + start, scratch, count: n)
                } else {
                    // Finite values from 65520 up would silently become ±Inf in float16.
                    for i in start..<(start + n) where values[i].isFinite && abs(values[i]) >= 65520 {
                        throw SafeTensorsError.invalidOutputTensor(
                            tensor: tensor, reason: "element \(i) = \(values[i]) is outside the float16 range (±65504)")
                    }
                    HalfConversion.floatToF16(base + start, scratch, count: n)
                }
                try sink(UnsafeRawBufferPointer(start: scratch, count: 2 * n))
                start += n
            }
        default:
            throw SafeTensorsError.unsupportedDType(tensor: tensor, dtype: dtype, operation: "writing from Float32")
        }
    }
}
