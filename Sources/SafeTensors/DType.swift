/// A safetensors element type, named exactly as in the header (`"BF16"`). Every dtype of the format is known, so
/// any tensor can be copied through; only `F32`, `F16` and `BF16` convert to Float32 (see `SafeTensorsFile.floats`).
public enum DType: String, CaseIterable, Sendable {
    case bool = "BOOL"
    case u8 = "U8", i8 = "I8"
    case f8e5m2 = "F8_E5M2", f8e4m3 = "F8_E4M3", f8e8m0 = "F8_E8M0"
    case f8e4m3fnuz = "F8_E4M3FNUZ", f8e5m2fnuz = "F8_E5M2FNUZ"
    case i16 = "I16", u16 = "U16", f16 = "F16", bf16 = "BF16"
    case i32 = "I32", u32 = "U32", f32 = "F32"
    case f64 = "F64", i64 = "I64", u64 = "U64", c64 = "C64"
    case f4 = "F4", f6e2m3 = "F6_E2M3", f6e3m2 = "F6_E3M2"

    /// Bits per element (sub-byte types pack: a tensor's bit count must be a multiple of 8).
    public var bitSize: Int {
        switch self {
        case .f4: return 4
        case .f6e2m3, .f6e3m2: return 6
        case .bool, .u8, .i8, .f8e5m2, .f8e4m3, .f8e8m0, .f8e4m3fnuz, .f8e5m2fnuz: return 8
        case .i16, .u16, .f16, .bf16: return 16
        case .i32, .u32, .f32: return 32
        case .f64, .i64, .u64, .c64: return 64
        }
    }

    /// Whether `floats(_:)` can convert this dtype to Float32 (exactly).
    public var isConvertibleToFloat: Bool { self == .f32 || self == .f16 || self == .bf16 }

    /// The name transformers uses in config.json `torch_dtype` (`bfloat16`), for the float dtypes.
    public var torchName: String? {
        switch self {
        case .f32: return "float32"
        case .f16: return "float16"
        case .bf16: return "bfloat16"
        case .f64: return "float64"
        default: return nil
        }
    }
}
