/// Everything that can be wrong with a safetensors file, a sharded checkpoint or a write. Each case names the
/// file and, where there is one, the tensor; messages say what was expected and what was found.
public enum SafeTensorsError: Error, CustomStringConvertible, Equatable {
    // Reading one file
    case cannotOpen(file: String, reason: String)
    case headerTooSmall(file: String, fileSize: Int)
    case headerTooLarge(file: String, headerLength: UInt64, limit: Int)
    case invalidHeaderLength(file: String, headerLength: UInt64, fileSize: Int)
    case headerNotUTF8(file: String)
    case headerNotObject(file: String, firstByte: UInt8)
    case invalidHeaderJSON(file: String, reason: String)
    case duplicateTensor(file: String, tensor: String)
    case invalidMetadata(file: String, reason: String)
    case invalidTensorEntry(file: String, tensor: String, reason: String)
    case unknownDType(file: String, tensor: String, dtype: String)
    case sizeOverflow(file: String, tensor: String, shape: String)
    case misalignedSlice(file: String, tensor: String, dtype: DType, elements: Int)
    case shapeSizeMismatch(file: String, tensor: String, shape: String, expectedBytes: Int, actualBytes: Int)
    case invalidOffsets(file: String, tensor: String, begin: UInt64, end: UInt64)
    case overlappingTensors(file: String, tensor: String, previous: String, begin: Int, previousEnd: Int)
    case gapBeforeTensor(file: String, tensor: String, gapStart: Int, gapEnd: Int)
    case tensorOutOfBounds(file: String, tensor: String, end: Int, bufferSize: Int)
    case bufferNotFullyCovered(file: String, coveredBytes: Int, bufferSize: Int)
    // Using tensors
    case tensorNotFound(tensor: String, location: String)
    case unsupportedDType(tensor: String, dtype: DType, operation: String)
    // Checkpoint directories
    case notADirectory(path: String)
    case noWeights(directory: String)
    case invalidIndex(file: String, reason: String)
    case missingShard(index: String, shard: String, tensor: String)
    case tensorMissingFromShard(index: String, tensor: String, shard: String)
    case tensorNotInIndex(index: String, tensor: String, shard: String)
    case tensorInSeveralFiles(tensor: String, first: String, second: String)
    // Writing
    case outputNotEmpty(path: String)
    /// A single output file exists and replacing it was not asked for.
    case fileExists(path: String)
    case outputInsideInput(output: String, input: String)
    case inputInsideOutput(output: String, input: String)
    case writeFailed(path: String, reason: String)
    case wrongTensorByteCount(tensor: String, expected: Int, produced: Int)
    case duplicateOutputTensor(tensor: String)
    case invalidOutputTensor(tensor: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let f, let r):
            return "cannot open \(f): \(r)"
        case .headerTooSmall(let f, let size):
            return "\(f): file is \(size) bytes, shorter than the 8-byte safetensors header length (not a safetensors file?)"
        case .headerTooLarge(let f, let n, let limit):
            return "\(f): header length \(n) exceeds the \(limit)-byte limit (corrupt or not a safetensors file)"
        case .invalidHeaderLength(let f, let n, let size):
            return "\(f): header length \(n) runs past the end of the \(size)-byte file (truncated or not a safetensors file)"
        case .headerNotUTF8(let f):
            return "\(f): header is not valid UTF-8"
        case .headerNotObject(let f, let b):
            return "\(f): header must start with '{' but starts with byte 0x\(String(b, radix: 16, uppercase: true))"
        case .invalidHeaderJSON(let f, let r):
            return "\(f): header is not valid JSON: \(r)"
        case .duplicateTensor(let f, let t):
            return "\(f): tensor '\(t)' appears more than once in the header"
        case .invalidMetadata(let f, let r):
            return "\(f): invalid __metadata__: \(r)"
        case .invalidTensorEntry(let f, let t, let r):
            return "\(f): tensor '\(t)': \(r)"
        case .unknownDType(let f, let t, let d):
            return "\(f): tensor '\(t)' has unknown dtype '\(d)'"
        case .sizeOverflow(let f, let t, let s):
            return "\(f): tensor '\(t)' shape \(s) overflows the addressable size"
        case .misalignedSlice(let f, let t, let d, let n):
            return "\(f): tensor '\(t)' has \(n) elements of \(d.rawValue) (\(d.bitSize) bits), not a whole number of bytes"
        case .shapeSizeMismatch(let f, let t, let s, let e, let a):
            return "\(f): tensor '\(t)' shape \(s) needs \(e) bytes but its data_offsets span \(a) bytes"
        case .invalidOffsets(let f, let t, let b, let e):
            return "\(f): tensor '\(t)' has invalid data_offsets [\(b), \(e)]"
        case .overlappingTensors(let f, let t, let p, let b, let pe):
            return "\(f): tensor '\(t)' starts at byte \(b) of the data buffer, inside '\(p)' which ends at \(pe) (overlapping offsets)"
        case .gapBeforeTensor(let f, let t, let s, let e):
            return "\(f): bytes \(s)..<\(e) of the data buffer before tensor '\(t)' belong to no tensor (gap)"
        case .tensorOutOfBounds(let f, let t, let e, let size):
            return "\(f): tensor '\(t)' ends at byte \(e), past the end of the \(size)-byte data buffer (truncated file?)"
        case .bufferNotFullyCovered(let f, let covered, let size):
            return "\(f): tensors cover \(covered) of the \(size) data bytes; the \(size - covered) trailing bytes belong to no tensor"
        case .tensorNotFound(let t, let loc):
            return "tensor '\(t)' not found in \(loc)"
        case .unsupportedDType(let t, let d, let op):
            return "tensor '\(t)' has dtype \(d.rawValue), which \(op) does not support (F32, F16 and BF16 only)"
        case .notADirectory(let p):
            return "\(p) is not a directory"
        case .noWeights(let d):
            return "\(d) has neither model.safetensors nor model.safetensors.index.json (nor any *.safetensors file)"
        case .invalidIndex(let f, let r):
            return "\(f): \(r)"
        case .missingShard(let i, let s, let t):
            return "\(i) maps tensor '\(t)' to shard \(s), which does not exist"
        case .tensorMissingFromShard(let i, let t, let s):
            return "\(i) maps tensor '\(t)' to \(s), but that shard has no such tensor"
        case .tensorNotInIndex(let i, let t, let s):
            return "\(s) contains tensor '\(t)', which \(i) does not map to it"
        case .tensorInSeveralFiles(let t, let a, let b):
            return "tensor '\(t)' appears in both \(a) and \(b)"
        case .fileExists(let p):
            return "'\(p)' already exists; choose another path or pass --force to replace it"
        case .outputNotEmpty(let p):
            return "output directory \(p) exists and is not empty (use --force to replace it)"
        case .outputInsideInput(let o, let i):
            return "output \(o) is inside the input checkpoint \(i); choose a directory outside it"
        case .inputInsideOutput(let o, let i):
            return "input checkpoint \(i) is inside the output \(o), which would be replaced; choose another output"
        case .writeFailed(let p, let r):
            return "writing \(p) failed: \(r)"
        case .wrongTensorByteCount(let t, let e, let p):
            return "tensor '\(t)' should have \(e) bytes but its source produced \(p)"
        case .duplicateOutputTensor(let t):
            return "tensor '\(t)' was given twice to the writer"
        case .invalidOutputTensor(let t, let r):
            return "cannot write tensor '\(t)': \(r)"
        }
    }
}
