import XCTest
@testable import TensorCore

final class KernelPathTests: XCTestCase {
    let haswell: CPUFeatures = [.avx2, .fma, .f16c, .bmi2]
    let skylakeX: CPUFeatures = [.avx2, .fma, .f16c, .bmi2, .avx512f, .avx512bw, .avx512dq, .avx512vl]

    func testParsesCPUInfoFlags() {
        let text = "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu sse2 avx2 fma f16c bmi2 avx512f\n"
        XCTAssertEqual(CPUFeatures.parseCPUInfo(text), [.avx2, .fma, .f16c, .bmi2, .avx512f])
        XCTAssertEqual(CPUFeatures.parseCPUInfo("no flags here"), [])
    }

    func testBestPathFollowsFeatures() {
        #if arch(x86_64)
        XCTAssertEqual(KernelPath.select(requested: nil, features: skylakeX).0, .avx512)
        XCTAssertEqual(KernelPath.select(requested: nil, features: haswell).0, .avx2)
        // avx512f alone is not enough: the skylake-avx512 module may use bw/dq/vl.
        XCTAssertEqual(KernelPath.select(requested: nil, features: haswell.union(.avx512f)).0, .avx2)
        XCTAssertEqual(KernelPath.select(requested: nil, features: [.avx2]).0, .generic)
        #else
        XCTAssertEqual(KernelPath.select(requested: nil, features: skylakeX).0, .generic)
        #endif
    }

    func testForcedPathIsHonouredOrRefusedWithWarning() {
        let forced = KernelPath.select(requested: "generic", features: haswell)
        XCTAssertEqual(forced.0, .generic)
        XCTAssertNil(forced.warning)
        #if arch(x86_64)
        let refused = KernelPath.select(requested: "avx512", features: haswell)
        XCTAssertEqual(refused.0, .avx2)
        XCTAssertTrue(refused.warning?.contains("lacks") ?? false)
        XCTAssertEqual(KernelPath.select(requested: "AVX2", features: skylakeX).0, .avx2)
        #endif
        let unknown = KernelPath.select(requested: "sse9", features: haswell)
        XCTAssertTrue(unknown.warning?.contains("not one of") ?? false)
    }

    func testActivePathIsSupportedHere() {
        XCTAssertTrue(KernelPath.active.isSupported(by: CPUFeatures.current))
        XCTAssertTrue(KernelPath.supported.contains(.generic))
    }

    func testSplitCoversRangeOnGranules() {
        let r = Parallel.split(100, parts: 3, granule: 16)
        XCTAssertEqual(r.first?.lowerBound, 0)
        XCTAssertEqual(r.last?.upperBound, 100)
        for (x, y) in zip(r, r.dropFirst()) { XCTAssertEqual(x.upperBound, y.lowerBound); XCTAssertEqual(x.upperBound % 16, 0) }
        XCTAssertEqual(Parallel.split(5, parts: 8, granule: 4).count, 2)
        XCTAssertEqual(Parallel.split(0, parts: 2).count, 0)
    }
}
