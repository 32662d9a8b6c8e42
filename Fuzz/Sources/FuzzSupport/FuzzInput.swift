import Foundation

/// Helpers for the harnesses: the input as bytes, and as a scratch file (for readers that map a file).
public enum FuzzInput {
    public static func bytes(_ data: UnsafePointer<UInt8>, _ size: Int) -> [UInt8] {
        Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// Writes the input to a per-process scratch file in /dev/shm (or the temporary directory) and returns it.
    public static func file(_ data: UnsafePointer<UInt8>, _ size: Int, suffix: String) -> URL {
        let dir = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let url = URL(fileURLWithPath: dir).appendingPathComponent("replaceme-fuzz-\(getpid())\(suffix)")
        try! Data(bytes: data, count: size).write(to: url)
        return url
    }
}
