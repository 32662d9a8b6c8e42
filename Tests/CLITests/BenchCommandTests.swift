import XCTest
@testable import CLI

final class BenchCommandTests: XCTestCase {
    func testUnknownBenchmarkIsUsageError() {
        let r = OutputCapture.run(["bench", "fft"])
        XCTAssertEqual(r.code, 64)
        XCTAssertTrue(r.stderr.contains("unknown benchmark 'fft'"), r.stderr)
    }

    func testBadShapesAreUsageErrors() {
        for bad in ["2048,576", "1,2,x", "0,4,4"] {
            let r = OutputCapture.run(["bench", "gemm", "--shapes", bad])
            XCTAssertEqual(r.code, 64, bad)
            XCTAssertTrue(r.stderr.contains("option '--shapes'"), r.stderr)
        }
        let r = OutputCapture.run(["bench", "gemm", "--threads", "0"])
        XCTAssertEqual(r.code, 64)
        XCTAssertTrue(r.stderr.contains("--threads"), r.stderr)
    }

    func testTinyGemmBenchReportsPathAndJSON() throws {
        let r = OutputCapture.run(["bench", "gemm", "--shapes", "3,5,7", "--min-time", "0", "--threads", "1", "--json"])
        XCTAssertEqual(r.code, 0, r.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertNotNil(json["path"] as? String)
        let rows = try XCTUnwrap(json["results"] as? [[String: Any]])
        XCTAssertEqual(rows.count, 1)
        XCTAssertGreaterThan(rows[0]["gflops"] as? Double ?? 0, 0)
    }
}
