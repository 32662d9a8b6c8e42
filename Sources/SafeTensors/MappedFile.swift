#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only into memory with `mmap`. Mapping reads nothing: pages are loaded when first
/// touched and, being clean file pages, can be dropped again by the kernel (or by `release`). The mapping lives
/// as long as this object. (`Data(contentsOf:options:.mappedIfSafe)` was measured to read the whole file.)
public final class MappedFile: @unchecked Sendable {
    public let path: String
    /// The file's bytes; empty for an empty file.
    public let bytes: UnsafeRawBufferPointer

    public init(path: String) throws(SafeTensorsError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotOpen(file: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .cannotOpen(file: path, reason: String(cString: strerror(errno))) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw .cannotOpen(file: path, reason: "not a regular file") }
        let size = Int(st.st_size)
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let p, p != MAP_FAILED else {
            throw .cannotOpen(file: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        bytes = UnsafeRawBufferPointer(start: p, count: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }

    /// Tells the kernel the pages covering `range` are not needed now, so they leave this process's resident set
    /// (they are read again from the file if touched later). Used after streaming a tensor through.
    public func release(_ range: Range<Int>) {
        guard let base = bytes.baseAddress, !range.isEmpty else { return }
        // Only whole pages inside the range: a page shared with a neighbouring tensor stays (it is refetched
        // from the file anyway if dropped, so this is about not wasting work, not correctness).
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (range.lowerBound + page - 1) / page * page
        let end = range.upperBound >= bytes.count ? bytes.count : range.upperBound / page * page
        guard end > start else { return }
        madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, Int32(MADV_DONTNEED))
    }
}
