/// One tensor's header entry: name, dtype, shape (row-major, C order) and its bytes in the file's data buffer.
public struct TensorInfo: Equatable, Sendable {
    public var name: String
    public var dtype: DType
    /// Dimensions, outermost first (`[out, in]` for a PyTorch Linear weight). `[]` is a scalar.
    public var shape: [Int]
    /// Byte range relative to the start of the data buffer (the file offset is `dataStart + range.lowerBound`).
    public var dataRange: Range<Int>

    public init(name: String, dtype: DType, shape: [Int], dataRange: Range<Int>) {
        self.name = name; self.dtype = dtype; self.shape = shape; self.dataRange = dataRange
    }

    /// Number of elements (`1` for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }
    public var byteCount: Int { dataRange.count }

    /// `BF16[576, 49152]`
    public var shapeDescription: String { "\(dtype.rawValue)[\(shape.map(String.init).joined(separator: ", "))]" }

    /// Byte size of `shape` in `dtype`, or nil on overflow or when the bit count is not a whole number of bytes.
    public static func byteSize(dtype: DType, shape: [Int]) -> Int? {
        var elements = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (p, o) = elements.multipliedReportingOverflow(by: d)
            if o { return nil }
            elements = p
        }
        let (bits, o) = elements.multipliedReportingOverflow(by: dtype.bitSize)
        guard !o, bits % 8 == 0 else { return nil }
        return bits / 8
    }
}
