/// A bounds-checked little-endian reader over a GGUF file's bytes. Every read states what it reads, so a short
/// file fails with `GGUFError.truncated` naming the structure and offset, never by reading past the mapping.
struct GGUFCursor {
    let bytes: UnsafeRawBufferPointer
    let file: String
    private(set) var offset = 0

    init(_ bytes: UnsafeRawBufferPointer, file: String) { self.bytes = bytes; self.file = file }

    var remaining: Int { bytes.count - offset }

    /// Throws unless `count` more bytes exist.
    func need(_ count: Int, _ what: @autoclosure () -> String) throws(GGUFError) {
        guard count >= 0, count <= remaining else {
            throw .truncated(file: file, what: what(), offset: offset, needed: count, fileSize: bytes.count)
        }
    }

    mutating func scalar<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws(GGUFError) -> T {
        try need(MemoryLayout<T>.size, what())
        let v = T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
        offset += MemoryLayout<T>.size
        return v
    }

    /// A uint64 length or count that must fit in Int (and so in the file).
    mutating func count(_ what: @autoclosure () -> String) throws(GGUFError) -> Int {
        let start = offset
        let v = try scalar(UInt64.self, what())
        guard v <= UInt64(bytes.count) else {
            throw .truncated(file: file, what: what(), offset: start, needed: v > UInt64(Int.max) ? Int.max : Int(v),
                             fileSize: bytes.count)
        }
        return Int(v)
    }

    /// A uint64 count of items each at least `minimumBytes` long, checked to fit in the rest of the file (so no
    /// allocation is ever sized from a count the file cannot back). `what` names the items (`metadata keys`).
    mutating func itemCount(_ what: String, minimumBytes: Int) throws(GGUFError) -> Int {
        let start = offset
        let v = try scalar(UInt64.self, "count of " + what)
        let (needed, overflow) = v.multipliedReportingOverflow(by: UInt64(minimumBytes))
        guard !overflow, needed <= UInt64(remaining) else {
            throw .truncated(file: file, what: "\(v) \(what)", offset: start,
                             needed: overflow || needed > UInt64(Int.max) ? Int.max : Int(needed), fileSize: bytes.count)
        }
        return Int(v)
    }

    /// A gguf_string: uint64 byte length, then that many bytes of UTF-8 (checked).
    mutating func string(_ what: @autoclosure () -> String) throws(GGUFError) -> String {
        let n = try count("length of " + what())
        try need(n, what())
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + n)])
        guard let s = String(validating: slice.bindMemory(to: UInt8.self), as: UTF8.self) else {
            throw .invalidHeader(file: file, reason: "\(what()) at byte \(offset) is not valid UTF-8")
        }
        offset += n
        return s
    }

    mutating func skip(to newOffset: Int, _ what: @autoclosure () -> String) throws(GGUFError) {
        try need(newOffset - offset, what())
        offset = newOffset
    }
}
