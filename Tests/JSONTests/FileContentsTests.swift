import Foundation
import XCTest
import JSON

/// Replays the fuzzers' finding (fuzz-jsonl and fuzz-plan, LeakSanitizer: Data(contentsOf:) of an empty file
/// leaked its buffer): an empty file reads as empty data without it; a missing file is an error.
final class FileContentsTests: XCTestCase {
    func testEmptyAndMissingFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("file-contents-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let empty = dir.appendingPathComponent("empty.jsonl")
        FileManager.default.createFile(atPath: empty.path, contents: Data())
        XCTAssertEqual(try FileContents.read(empty), Data())
        let full = dir.appendingPathComponent("x.json")
        try Data("{\"a\": 1}".utf8).write(to: full)
        XCTAssertEqual(try FileContents.read(full), Data("{\"a\": 1}".utf8))
        XCTAssertThrowsError(try FileContents.read(dir.appendingPathComponent("missing")))
    }
}
