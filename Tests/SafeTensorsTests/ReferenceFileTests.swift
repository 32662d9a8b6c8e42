import Foundation
import TestSupport
import XCTest
@testable import SafeTensors

/// Reads a file written by Python `safetensors.torch.save_file` (scripts/make-foundation-fixtures.py) and checks
/// every tensor against what torch itself decodes.
final class ReferenceFileTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    func testReadsEveryTensorLikeTorch() throws {
        let file = try SafeTensorsFile(url: Self.fixtures.appendingPathComponent("reference.safetensors"))
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.fixtures.appendingPathComponent("reference.json"))) as! [String: [String: Any]]
        XCTAssertEqual(file.metadata, ["format": "pt"])
        XCTAssertEqual(Set(file.tensorNames), Set(expected.keys))
        let dtypes = ["float32": DType.f32, "float16": .f16, "bfloat16": .bf16, "int64": .i64, "uint8": .u8, "bool": .bool]
        for (name, e) in expected {
            let info = try file.tensorInfo(name)
            XCTAssertEqual(info.dtype, dtypes[e["dtype"] as! String], name)
            XCTAssertEqual(info.shape, e["shape"] as! [Int], name)
            if let bits = e["float32_bits"] as? [Int] {
                // Widening F16/BF16 → F32 is exact, so the bit patterns must agree exactly (NaN included).
                let values = try file.floats(name)
                XCTAssertEqual(values.map { Int($0.bitPattern) }, bits, name)
            } else {
                let hex = try file.rawBytes(name).map { String(format: "%02x", $0) }.joined()
                XCTAssertEqual(hex, e["hex"] as? String, name)
                assertThrows(SafeTensorsError.self, try file.floats(name)) {
                    if case .unsupportedDType(name, _, _) = $0 { return true }; return false
                }
            }
        }
    }

    func testOpeningReadsOnlyTheHeader() throws {
        let file = try SafeTensorsFile(url: Self.fixtures.appendingPathComponent("reference.safetensors"))
        XCTAssertEqual(file.dataStart % 8, 0, "the reference writer pads the header to 8 bytes")
        XCTAssertEqual(file.tensors.first?.dataRange.lowerBound, 0)
        XCTAssertEqual(file.tensors.last?.dataRange.upperBound, file.dataSize)
        assertThrows(SafeTensorsError.self, try file.tensorInfo("nope")) {
            if case .tensorNotFound("nope", _) = $0 { return true }; return false
        }
    }
}
