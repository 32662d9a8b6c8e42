import Dispatch
import Foundation

/// A pointer shared across a parallel loop whose iterations touch disjoint ranges only.
/// Swift 6 forbids capturing raw pointers in `concurrentPerform`; this wrapper documents the promise instead.
public struct DisjointPointer<T>: @unchecked Sendable {
    public let base: UnsafeMutablePointer<T>
    public init(_ base: UnsafeMutablePointer<T>) { self.base = base }
}

/// Read-only pointer shared across a parallel loop.
public struct SharedPointer<T>: @unchecked Sendable {
    public let base: UnsafePointer<T>
    public init(_ base: UnsafePointer<T>) { self.base = base }
}

public enum Parallel {
    /// Worker count: `REPLACEME_THREADS` if set (≥ 1), else the active processor count.
    public static let defaultThreads: Int = {
        if let s = ProcessInfo.processInfo.environment["REPLACEME_THREADS"], let n = Int(s), n >= 1 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// Runs `body(chunk)` for chunk in 0..<chunks, on up to `threads` workers (inline when one).
    public static func forEach(_ chunks: Int, threads: Int = defaultThreads, _ body: (Int) -> Void) {
        if chunks <= 1 || threads <= 1 {
            for i in 0..<chunks { body(i) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { box.value($0) }
        }
    }

    /// Splits `0..<count` into `parts` contiguous ranges whose bounds (except the last) are multiples of
    /// `granule`, as equal as that allows. Empty ranges are dropped.
    public static func split(_ count: Int, parts: Int, granule: Int = 1) -> [Range<Int>] {
        let units = (count + granule - 1) / granule
        let p = max(1, min(parts, units))
        var out: [Range<Int>] = []
        var start = 0
        for i in 0..<p {
            let endUnits = units * (i + 1) / p
            let end = min(count, endUnits * granule)
            if end > start { out.append(start..<end) }
            start = end
        }
        return out
    }
}

private struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
