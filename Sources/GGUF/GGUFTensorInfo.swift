/// One tensor entry of a GGUF file, validated against the file.
public struct GGUFTensorInfo: Equatable, Sendable {
    public let name: String
    /// Dimensions as GGUF stores them: innermost (contiguous) first, `[in, out]` for a linear layer's weight.
    public let dims: [Int]
    public let type: GGMLType
    /// Byte range inside the file (absolute offsets, data start and the entry's offset added).
    public let fileRange: Range<Int>

    /// Dimensions outermost first, as safetensors and PyTorch state them (`[out, in]`): `dims` reversed.
    public var shape: [Int] { dims.reversed() }
    public var elementCount: Int { dims.reduce(1, *) }
    /// Elements of one row (the innermost dimension), the span a block never crosses.
    public var rowLength: Int { dims.first ?? 1 }
}
