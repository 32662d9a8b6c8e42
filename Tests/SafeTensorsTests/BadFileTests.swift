import Foundation
import XCTest
@testable import SafeTensors

/// One test per malformed safetensors file: each must fail with its specific error naming the file (and tensor).
final class BadFileTests: XCTestCase {
    private var dir: TemporaryDirectory!
    override func setUpWithError() throws { dir = try TemporaryDirectory(self) }

    private let eight = [UInt8](repeating: 0, count: 8)

    /// Opens `url` and returns the error it throws (failing the test when it opens).
    private func openError(_ url: URL, file: StaticString = #filePath, line: UInt = #line) -> SafeTensorsError? {
        do {
            _ = try SafeTensorsFile(url: url)
            XCTFail("\(url.lastPathComponent) opened without error", file: file, line: line)
        } catch {
            XCTAssertTrue(error.description.contains(url.path), "error does not name the file: \(error)", file: file, line: line)
            return error
        }
        return nil
    }

    func testValidBaselineOpens() throws {
        let u = try dir.writeSafeTensors("ok.safetensors", header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: eight)
        XCTAssertEqual(try SafeTensorsFile(url: u).tensorNames, ["a"])
    }

    func testFileShorterThanEightBytes() throws {
        let u = dir.path("short.safetensors")
        try Data([1, 2, 3]).write(to: u)
        guard case .headerTooSmall(_, 3)? = openError(u) else { return XCTFail() }
    }

    func testHeaderLengthLargerThanFile() throws {
        let u = try dir.writeSafeTensors("long.safetensors", header: "{}", data: [], declaredLength: 500)
        guard case .invalidHeaderLength(_, 500, 10)? = openError(u) else { return XCTFail() }
    }

    func testHeaderOverTheCap() throws {
        let u = try dir.writeSafeTensors("huge.safetensors", header: "{}", data: [], declaredLength: 100_000_001)
        guard case .headerTooLarge(_, 100_000_001, 100_000_000)? = openError(u) else { return XCTFail() }
    }

    func testHeaderNotJSON() throws {
        let u = try dir.writeSafeTensors("notjson.safetensors", header: #"{"a":{"dtype":"F32",,}}"#, data: [])
        guard case .invalidHeaderJSON? = openError(u) else { return XCTFail() }
    }

    func testHeaderNotStartingWithBrace() throws {
        let u = try dir.writeSafeTensors("bracket.safetensors", header: #" {"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: eight)
        guard case .headerNotObject(_, 0x20)? = openError(u) else { return XCTFail() }
    }

    func testHeaderNotUTF8() throws {
        let u = dir.path("utf8.safetensors")
        var bytes: [UInt8] = [6, 0, 0, 0, 0, 0, 0, 0]
        bytes += Array(#"{"":1}"#.utf8)
        bytes[9] = 0xFF  // the opening quote of the key becomes an invalid byte
        try Data(bytes).write(to: u)
        guard case .headerNotUTF8? = openError(u) else { return XCTFail() }
    }

    func testUnknownDType() throws {
        let u = try dir.writeSafeTensors("dtype.safetensors", header: #"{"w":{"dtype":"F12","shape":[2],"data_offsets":[0,8]}}"#, data: eight)
        guard case .unknownDType(_, "w", "F12")? = openError(u) else { return XCTFail() }
    }

    func testShapeSizeMismatch() throws {
        let u = try dir.writeSafeTensors("size.safetensors", header: #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: eight)
        guard case .shapeSizeMismatch(_, "w", _, 12, 8)? = openError(u) else { return XCTFail() }
    }

    func testOverlappingOffsets() throws {
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        let u = try dir.writeSafeTensors("overlap.safetensors", header: header, data: eight)
        guard case .overlappingTensors(_, "b", "a", 4, 8)? = openError(u) else { return XCTFail() }
    }

    func testGapBetweenTensors() throws {
        let header = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
        let u = try dir.writeSafeTensors("gap.safetensors", header: header, data: eight + [0, 0, 0, 0])
        guard case .gapBeforeTensor(_, "b", 4, 8)? = openError(u) else { return XCTFail() }
    }

    func testTrailingBytesNotCovered() throws {
        let u = try dir.writeSafeTensors("trailing.safetensors", header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
                                         data: eight + [1, 2, 3])
        guard case .bufferNotFullyCovered(_, 8, 11)? = openError(u) else { return XCTFail() }
    }

    func testTensorPastTheEnd() throws {
        let u = try dir.writeSafeTensors("truncated.safetensors", header: #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, data: eight)
        guard case .tensorOutOfBounds(_, "a", 16, 8)? = openError(u) else { return XCTFail() }
    }

    func testDuplicateTensorName() throws {
        let header = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        let u = try dir.writeSafeTensors("dup.safetensors", header: header, data: eight)
        guard case .duplicateTensor(_, "a")? = openError(u) else { return XCTFail() }
    }

    func testOffsetsReversed() throws {
        let u = try dir.writeSafeTensors("rev.safetensors", header: #"{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}"#, data: eight)
        guard case .invalidOffsets(_, "a", 8, 0)? = openError(u) else { return XCTFail() }
    }

    func testSizeOverflow() throws {
        let header = #"{"a":{"dtype":"F32","shape":[281474976710655,281474976710655],"data_offsets":[0,8]}}"#
        let u = try dir.writeSafeTensors("overflow.safetensors", header: header, data: eight)
        guard case .sizeOverflow(_, "a", _)? = openError(u) else { return XCTFail() }
    }

    func testSubByteTensorNotWholeBytes() throws {
        let u = try dir.writeSafeTensors("f4.safetensors", header: #"{"a":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}"#, data: [0, 0])
        guard case .misalignedSlice(_, "a", .f4, 3)? = openError(u) else { return XCTFail() }
    }

    func testMissingField() throws {
        let u = try dir.writeSafeTensors("field.safetensors", header: #"{"a":{"dtype":"F32","data_offsets":[0,8]}}"#, data: eight)
        guard case .invalidTensorEntry(_, "a", _)? = openError(u) else { return XCTFail() }
    }

    func testMetadataMustBeStrings() throws {
        let header = #"{"__metadata__":{"format":1},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        let u = try dir.writeSafeTensors("meta.safetensors", header: header, data: eight)
        guard case .invalidMetadata? = openError(u) else { return XCTFail() }
    }

    func testSpacePaddedHeaderAndEmptyTensorsAreValid() throws {
        let header = #"{"e":{"dtype":"BF16","shape":[0,3],"data_offsets":[0,0]},"s":{"dtype":"BF16","shape":[],"data_offsets":[0,2]}}    "#
        let u = try dir.writeSafeTensors("padded.safetensors", header: header, data: [0x80, 0x3F])
        let f = try SafeTensorsFile(url: u)
        XCTAssertEqual(try f.floats("s"), [1.0])
        XCTAssertEqual(try f.floats("e"), [])
    }
}
