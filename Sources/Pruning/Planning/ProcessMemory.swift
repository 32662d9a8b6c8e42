import Foundation

/// This process's memory, as the kernel counts it.
public enum ProcessMemory {
    /// Resident set size now, in bytes (`/proc/self/statm`'s second field × page size); 0 where unreadable.
    public static func resident() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Peak resident set size so far, in bytes (Linux `ru_maxrss` is in KiB).
    public static func peak() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss) * 1024
    }
}
