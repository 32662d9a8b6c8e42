import Foundation
import XCTest

/// A fresh directory under the system temp dir, removed when the test ends.
final class TemporaryDirectory {
    let url: URL

    init(_ test: XCTestCase) throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("replaceme-tests-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { [url] in try? FileManager.default.removeItem(at: url) }
    }

    func path(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Writes a safetensors-shaped file by hand: the 8-byte length (or `declaredLength`), `header`, then `data`.
    @discardableResult
    func writeSafeTensors(_ name: String, header: String, data: [UInt8], declaredLength: UInt64? = nil) throws -> URL {
        let h = Array(header.utf8)
        var bytes: [UInt8] = []
        var n = (declaredLength ?? UInt64(h.count)).littleEndian
        withUnsafeBytes(of: &n) { bytes += $0 }
        bytes += h + data
        let u = path(name)
        try Data(bytes).write(to: u)
        return u
    }

    func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: path(name))
    }

    /// Names in the directory, hidden ones included.
    func contents() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
    }
}
