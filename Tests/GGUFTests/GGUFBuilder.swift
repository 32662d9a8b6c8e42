import Foundation

/// Builds GGUF files byte by byte for tests: valid ones, and ones broken in one precise place.
struct GGUFBuilder {
    var magic: [UInt8] = Array("GGUF".utf8)
    var version: UInt32 = 3
    /// (key, value type, encoded value)
    var keys: [(String, UInt32, [UInt8])] = []
    /// (name, dims innermost first, ggml type, offset in the data section)
    var tensors: [(String, [UInt64], UInt32, UInt64)] = []
    var data: [UInt8] = []
    var alignment = 32
    /// Overrides of the counts written in the header (to make them lie).
    var tensorCountOverride: UInt64? = nil
    var keyCountOverride: UInt64? = nil

    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
    static func str(_ s: String) -> [UInt8] { le(UInt64(s.utf8.count)) + Array(s.utf8) }

    mutating func add(_ key: String, uint32 v: UInt32) { keys.append((key, 4, Self.le(v))) }
    mutating func add(_ key: String, string v: String) { keys.append((key, 8, Self.str(v))) }
    mutating func add(_ key: String, float32 v: Float) { keys.append((key, 6, Self.le(v.bitPattern))) }
    mutating func add(_ key: String, bool v: Bool) { keys.append((key, 7, [v ? 1 : 0])) }
    mutating func add(_ key: String, strings v: [String]) {
        keys.append((key, 9, Self.le(UInt32(8)) + Self.le(UInt64(v.count)) + v.flatMap { Self.str($0) }))
    }
    mutating func add(_ key: String, int32s v: [Int32]) {
        keys.append((key, 9, Self.le(UInt32(5)) + Self.le(UInt64(v.count)) + v.flatMap { Self.le($0) }))
    }

    /// Appends a tensor of F32 `values` ([rows, cols] as GGUF dims [cols, rows]) at the next aligned offset.
    mutating func addF32(_ name: String, dims: [UInt64], values: [Float]) {
        while data.count % alignment != 0 { data.append(0) }
        tensors.append((name, dims, 0, UInt64(data.count)))
        data += values.flatMap { Self.le($0.bitPattern) }
    }

    func bytes() -> [UInt8] {
        var out = magic + Self.le(version)
        out += Self.le(tensorCountOverride ?? UInt64(tensors.count)) + Self.le(keyCountOverride ?? UInt64(keys.count))
        for (k, t, v) in keys { out += Self.str(k) + Self.le(t) + v }
        for (name, dims, type, offset) in tensors {
            out += Self.str(name) + Self.le(UInt32(dims.count)) + dims.flatMap { Self.le($0) } + Self.le(type) + Self.le(offset)
        }
        while out.count % alignment != 0 { out.append(0) }
        return out + data
    }

    /// Writes the bytes to a fresh temporary file and returns its URL.
    func write(_ bytes: [UInt8]? = nil, name: String = "test.gguf") throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try Data(bytes ?? self.bytes()).write(to: url)
        return url
    }

    /// A small valid file: two keys and two F32 tensors.
    static func small() -> GGUFBuilder {
        var b = GGUFBuilder()
        b.add("general.architecture", string: "llama")
        b.add("test.count", uint32: 7)
        b.addF32("a", dims: [4, 2], values: (0..<8).map(Float.init))
        b.addF32("b", dims: [3], values: [1, 2, 3])
        return b
    }
}
