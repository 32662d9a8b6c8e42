import Foundation

/// The CPU instruction-set extensions the kernel paths depend on, read in pure Swift:
/// `/proc/cpuinfo` flags on Linux, `sysctlbyname("hw.optional.…")` on Darwin; none elsewhere (generic path).
public struct CPUFeatures: OptionSet, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let avx2 = CPUFeatures(rawValue: 1 << 0)
    public static let fma = CPUFeatures(rawValue: 1 << 1)
    public static let f16c = CPUFeatures(rawValue: 1 << 2)
    public static let bmi2 = CPUFeatures(rawValue: 1 << 3)
    public static let avx512f = CPUFeatures(rawValue: 1 << 4)
    public static let avx512bw = CPUFeatures(rawValue: 1 << 5)
    public static let avx512dq = CPUFeatures(rawValue: 1 << 6)
    public static let avx512vl = CPUFeatures(rawValue: 1 << 7)

    /// Flag names as Linux spells them in /proc/cpuinfo.
    static let names: [(String, CPUFeatures)] = [
        ("avx2", .avx2), ("fma", .fma), ("f16c", .f16c), ("bmi2", .bmi2), ("avx512f", .avx512f),
        ("avx512bw", .avx512bw), ("avx512dq", .avx512dq), ("avx512vl", .avx512vl),
    ]

    public var description: String { Self.names.filter { contains($0.1) }.map(\.0).joined(separator: " ") }

    /// Features of the CPU running this process.
    public static let current: CPUFeatures = detect()

    /// Parses the `flags` line of a /proc/cpuinfo text (the first processor's).
    public static func parseCPUInfo(_ text: String) -> CPUFeatures {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        let flags = Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
        var f: CPUFeatures = []
        for (name, bit) in names where flags.contains(name) { f.insert(bit) }
        return f
    }

    static func detect() -> CPUFeatures {
        #if os(Linux) && arch(x86_64)
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return [] }
        return parseCPUInfo(text)
        #elseif canImport(Darwin) && arch(x86_64)
        func has(_ key: String) -> Bool {
            var value: Int32 = 0
            var size = MemoryLayout<Int32>.size
            return sysctlbyname(key, &value, &size, nil, 0) == 0 && value != 0
        }
        let keys: [(String, CPUFeatures)] = [
            ("hw.optional.avx2_0", .avx2), ("hw.optional.fma", .fma), ("hw.optional.f16c", .f16c),
            ("hw.optional.bmi2", .bmi2), ("hw.optional.avx512f", .avx512f), ("hw.optional.avx512bw", .avx512bw),
            ("hw.optional.avx512dq", .avx512dq), ("hw.optional.avx512vl", .avx512vl),
        ]
        var f: CPUFeatures = []
        for (key, bit) in keys where has(key) { f.insert(bit) }
        return f
        #else
        return []
        #endif
    }
}
