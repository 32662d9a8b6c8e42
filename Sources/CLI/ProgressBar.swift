import Foundation

/// Progress on stderr. On a terminal: one redrawn line `label [#####.....] 12/30 layers  ETA 0:42`.
/// Otherwise: plain lines, at most one per 10% step (and at the end), so CI logs stay short.
public final class ProgressBar: @unchecked Sendable {
    private let label: String
    private let total: Int
    private let unit: String
    private let terminal: Bool
    private let write: @Sendable (String) -> Void
    private let start = Date()
    private var lastDecile = -1
    private var lastDraw = Date.distantPast
    private var finished = false
    private let lock = NSLock()

    init(label: String, total: Int, unit: String, terminal: Bool, write: @escaping @Sendable (String) -> Void) {
        self.label = label; self.total = max(total, 1); self.unit = unit; self.terminal = terminal; self.write = write
    }

    /// A closure suitable for lower layers' `progress: (done, total) -> Void` callbacks.
    public var callback: @Sendable (Int, Int) -> Void {
        { [self] done, _ in self.update(done) }
    }

    /// Reports `done` units completed out of `total`.
    public func update(_ done: Int) {
        lock.lock(); defer { lock.unlock() }
        guard !finished else { return }
        let done = min(max(done, 0), total)
        let elapsed = Date().timeIntervalSince(start)
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : .nan
        let unitText = unit.isEmpty ? "" : " \(unit)"
        if terminal {
            let now = Date()
            guard done == total || now.timeIntervalSince(lastDraw) > 0.1 else { return }
            lastDraw = now
            let width = 30
            let filled = width * done / total
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            write("\r\u{1B}[K\(label) [\(bar)] \(done)/\(total)\(unitText)  ETA \(Self.clock(eta))")
        } else {
            let decile = 10 * done / total
            guard decile > lastDecile else { return }
            lastDecile = decile
            write("\(label): \(done)/\(total)\(unitText) (\(10 * decile)%), elapsed \(Self.clock(elapsed)), ETA \(Self.clock(eta))\n")
        }
    }

    /// Marks the work complete and ends the line.
    public func finish() {
        update(total)
        lock.lock(); defer { lock.unlock() }
        if !finished {
            finished = true
            if terminal { write("  done in \(Self.clock(Date().timeIntervalSince(start)))\n") }
        }
    }

    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--:--" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                         : String(format: "%d:%02d", s / 60, s % 60)
    }
}
