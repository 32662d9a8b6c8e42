import TensorCore

/// A GGML tensor element type as stored in a GGUF tensor entry (`ggml_type`), with its block geometry.
/// Every type of the format is known by name and size, so any file can be validated; only the float types and
/// `QuantizedFormat`'s block types convert to Float32.
public struct GGMLType: Equatable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    /// Name as llama.cpp spells it (`Q4_K`), or `type N` for an id the format does not define.
    public let name: String
    /// Elements per block and bytes per block (1 and the element size for plain types); nil for unknown ids.
    public let block: (elements: Int, bytes: Int)?

    public static func == (a: GGMLType, b: GGMLType) -> Bool { a.rawValue == b.rawValue }
    public func hash(into h: inout Hasher) { h.combine(rawValue) }
    public var description: String { name }

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
        if let known = Self.table[rawValue] {
            name = known.name; block = (known.elements, known.bytes)
        } else {
            name = "type \(rawValue)"; block = nil
        }
    }

    public static let f32 = GGMLType(rawValue: 0), f16 = GGMLType(rawValue: 1), bf16 = GGMLType(rawValue: 30)
    public static let q8_0 = GGMLType(rawValue: 8)

    /// How this type converts to Float32: a 16/32-bit float widening, a block dequantization, or nil (refused).
    public enum Conversion: Equatable, Sendable { case float(StorageType), blocks(QuantizedFormat) }

    public var conversion: Conversion? {
        switch rawValue {
        case 0: return .float(.f32)
        case 1: return .float(.f16)
        case 30: return .float(.bf16)
        default: return QuantizedFormat(rawValue: name).map { .blocks($0) }
        }
    }

    /// Bytes of `elements` elements (a whole number of blocks), or nil when not whole blocks, unknown or overflowing.
    public func byteCount(elements: Int) -> Int? {
        guard let block, elements >= 0, elements % block.elements == 0 else { return nil }
        let (n, o) = (elements / block.elements).multipliedReportingOverflow(by: block.bytes)
        return o ? nil : n
    }

    /// ggml's types (ggml.h `ggml_type`, gguf-py `GGML_QUANT_SIZES`): id → name, elements and bytes per block.
    static let table: [UInt32: (name: String, elements: Int, bytes: Int)] = [
        0: ("F32", 1, 4), 1: ("F16", 1, 2), 2: ("Q4_0", 32, 18), 3: ("Q4_1", 32, 20),
        6: ("Q5_0", 32, 22), 7: ("Q5_1", 32, 24), 8: ("Q8_0", 32, 34), 9: ("Q8_1", 32, 40),
        10: ("Q2_K", 256, 84), 11: ("Q3_K", 256, 110), 12: ("Q4_K", 256, 144), 13: ("Q5_K", 256, 176),
        14: ("Q6_K", 256, 210), 15: ("Q8_K", 256, 292), 16: ("IQ2_XXS", 256, 66), 17: ("IQ2_XS", 256, 74),
        18: ("IQ3_XXS", 256, 98), 19: ("IQ1_S", 256, 50), 20: ("IQ4_NL", 32, 18), 21: ("IQ3_S", 256, 110),
        22: ("IQ2_S", 256, 82), 23: ("IQ4_XS", 256, 136), 24: ("I8", 1, 1), 25: ("I16", 1, 2), 26: ("I32", 1, 4),
        27: ("I64", 1, 8), 28: ("F64", 1, 8), 29: ("IQ1_M", 256, 56), 30: ("BF16", 1, 2), 34: ("TQ1_0", 256, 54),
        35: ("TQ2_0", 256, 66), 39: ("MXFP4", 32, 17), 40: ("NVFP4", 64, 36), 41: ("Q1_0", 128, 18),
    ]
}
