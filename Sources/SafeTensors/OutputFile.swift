#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A new file opened for writing with a 4 MiB buffer; `finish()` flushes, fsyncs and closes it.
/// Every byte written is also hashed (SHA-256, unless `hashing` is off), so a report can name the file's digest
/// without reading it back.
/// Errors name the path. Used only inside the writers' temporary names.
public final class OutputFile {
    let path: String
    private var fd: Int32
    private let capacity = 4 << 20
    private let buffer: UnsafeMutableRawPointer
    private var used = 0
    private(set) var bytesWritten = 0
    private var hasher = SHA256()
    private let hashing: Bool
    /// SHA-256 of everything written, hex; set by `finish()` (nil when not hashing).
    private(set) var sha256: String?

    /// Creates `path`, which must not exist yet.
    public init(path: String, hashing: Bool = true) throws(SafeTensorsError) {
        self.path = path
        self.hashing = hashing
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .writeFailed(path: path, reason: String(cString: strerror(errno))) }
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 64)
    }

    deinit {
        if fd >= 0 { close(fd) }
        buffer.deallocate()
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(SafeTensorsError) {
        guard let src = bytes.baseAddress, bytes.count > 0 else { return }
        if hashing { hasher.update(bytes) }
        if used + bytes.count <= capacity {
            (buffer + used).copyMemory(from: src, byteCount: bytes.count)
            used += bytes.count
        } else {
            try flush()
            if bytes.count >= capacity {
                try writeAll(src, bytes.count)
            } else {
                buffer.copyMemory(from: src, byteCount: bytes.count)
                used = bytes.count
            }
        }
        bytesWritten += bytes.count
    }

    public func write(_ bytes: [UInt8]) throws(SafeTensorsError) {
        do {
            try bytes.withUnsafeBytes { buf in try write(buf) }
        } catch let e as SafeTensorsError {
            throw e
        } catch {
            throw .writeFailed(path: path, reason: "\(error)")
        }
    }

    private func flush() throws(SafeTensorsError) {
        if used > 0 { try writeAll(buffer, used) }
        used = 0
    }

    private func writeAll(_ p: UnsafeRawPointer, _ count: Int) throws(SafeTensorsError) {
        var done = 0
        while done < count {
            #if canImport(Glibc)
            let n = Glibc.write(fd, p + done, count - done)
            #else
            let n = Darwin.write(fd, p + done, count - done)
            #endif
            if n < 0 {
                if errno == EINTR { continue }
                throw .writeFailed(path: path, reason: String(cString: strerror(errno)))
            }
            done += n
        }
    }

    /// The size and digest of the finished file.
    var digest: FileDigest { FileDigest(bytes: bytesWritten, sha256: sha256) }

    /// Flushes, fsyncs and closes. The file is complete on disk when this returns.
    public func finish() throws(SafeTensorsError) {
        try flush()
        if hashing { sha256 = hasher.finalizeHex() }
        guard fsync(fd) == 0 else { throw .writeFailed(path: path, reason: "fsync: \(String(cString: strerror(errno)))") }
        let rc = close(fd)
        fd = -1
        guard rc == 0 else { throw .writeFailed(path: path, reason: "close: \(String(cString: strerror(errno)))") }
    }
}

/// The size and SHA-256 (hex; nil when the writer was told not to hash) of a written file.
public struct FileDigest: Sendable, Equatable {
    public var bytes: Int
    public var sha256: String?
    public init(bytes: Int, sha256: String?) { self.bytes = bytes; self.sha256 = sha256 }
}
