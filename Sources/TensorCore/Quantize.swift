import Foundation

/// Float32 → GGML block formats (what a GGUF writer stores). Only Q8_0, the format llama.cpp requantizes from
/// without loss of its own precision: per block of 32, d = max|x| / 127 (Float32), q = round(x / d) computed as
/// round(x · (1/d)), half away from zero, and d stored as float16 (round to nearest even); d = 0 gives q = 0.
/// The same arithmetic as ggml's `quantize_row_q8_0_ref` and gguf-py's `Q8_0.quantize_blocks`, so the bytes are
/// identical. Twin: `ReferenceKernels.quantizeQ8_0`.
public enum Quantize {
    /// src: [blocks·32] Float32 (finite); dst: [blocks]·34 bytes.
    public static func q8_0(_ src: UnsafePointer<Float>, count blocks: Int, into dst: UnsafeMutableRawPointer) {
        let parts = blocks >= 4096 ? Parallel.defaultThreads : 1
        let ranges = Parallel.split(blocks, parts: parts)
        let input = SharedPointer(src)
        let out = DisjointPointer(dst.assumingMemoryBound(to: UInt8.self))
        Parallel.forEach(ranges.count, threads: parts) { part in
            for b in ranges[part] {
                let x = input.base + 32 * b
                let y = UnsafeMutableRawPointer(out.base + 34 * b)
                var amax: Float = 0
                for j in 0..<32 { amax = max(amax, abs(x[j])) }
                let d = amax / 127
                let id: Float = d != 0 ? 1 / d : 0
                y.storeBytes(of: Float16(d).bitPattern.littleEndian, toByteOffset: 0, as: UInt16.self)
                for j in 0..<32 {
                    y.storeBytes(of: Int8((x[j] * id).rounded(.toNearestOrAwayFromZero)), toByteOffset: 2 + j, as: Int8.self)
                }
            }
        }
    }
}

extension ReferenceKernels {
    /// Twin of `Quantize.q8_0`: one block at a time, rounding with the C library's `roundf` (as ggml does).
    public static func quantizeQ8_0(_ src: UnsafePointer<Float>, count blocks: Int, into dst: UnsafeMutableRawPointer) {
        for b in 0..<blocks {
            let block = Array(UnsafeBufferPointer(start: src + 32 * b, count: 32))
            let amax = block.map { $0.magnitude }.max() ?? 0
            let d = amax / Float(127)
            let id = d == 0 ? Float(0) : Float(1) / d
            var bytes = [UInt8](repeating: 0, count: 34)
            let bits = Float16(d).bitPattern
            bytes[0] = UInt8(bits & 0xFF); bytes[1] = UInt8(bits >> 8)
            for j in 0..<32 { bytes[2 + j] = UInt8(bitPattern: Int8(roundf(block[j] * id))) }   // C's roundf, as ggml
            for (i, byte) in bytes.enumerated() { dst.storeBytes(of: byte, toByteOffset: 34 * b + i, as: UInt8.self) }
        }
    }
}
