import Foundation
import TestSupport

/// Uniform floats for tests on top of the shared SplitMix64 generator, so failures reproduce.
struct SeededRandom {
    private var generator: SeededGenerator
    init(seed: UInt64) { generator = SeededGenerator(seed: seed) }
    mutating func next() -> UInt64 { generator.next() }
    /// Uniform in [-1, 1).
    mutating func uniform() -> Float { Float(Double(next() >> 11) / Double(1 << 53) * 2 - 1) }
    mutating func floats(_ n: Int) -> [Float] { (0..<n).map { _ in uniform() } }
}

/// ‖a − b‖ / ‖b‖.
func relativeError(_ a: [Double], _ b: [Double]) -> Double {
    var num = 0.0, den = 0.0
    for i in a.indices { num += (a[i] - b[i]) * (a[i] - b[i]); den += b[i] * b[i] }
    return (num / max(den, .leastNormalMagnitude)).squareRoot()
}

/// A fresh empty temporary directory.
func temporaryDirectory(_ name: String = #function) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("replaceme-pruning-tests-\(ProcessInfo.processInfo.processIdentifier)")
        .appendingPathComponent(name.filter { $0.isLetter || $0.isNumber })
    try? FileManager.default.removeItem(at: url)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
