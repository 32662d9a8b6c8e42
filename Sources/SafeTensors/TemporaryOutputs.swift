import Foundation

/// The temporary directories of writes in progress, so that an interrupted program (Ctrl-C, SIGTERM) can remove
/// them before exiting. A SIGKILL cannot be caught: then the next write to the same output removes them
/// (`CheckpointWriter.removeStaleTemporaries`).
public enum TemporaryOutputs {
    nonisolated(unsafe) private static var paths = Set<String>()
    private static let lock = NSLock()

    static func register(_ url: URL) { lock.lock(); paths.insert(url.path); lock.unlock() }
    static func unregister(_ url: URL) { lock.lock(); paths.remove(url.path); lock.unlock() }

    /// `removeAll`, unless another thread holds the registry (a synchronous signal handler must not wait for it).
    public static func removeAllIfFree() {
        guard lock.try() else { return }
        for p in paths { try? FileManager.default.removeItem(atPath: p) }
        paths.removeAll()
        lock.unlock()
    }

    /// Removes every registered directory (called from the CLI's signal handlers).
    public static func removeAll() {
        lock.lock(); defer { lock.unlock() }
        for p in paths { try? FileManager.default.removeItem(atPath: p) }
        paths.removeAll()
    }
}
