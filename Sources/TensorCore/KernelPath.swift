import Foundation

/// Which instruction-set path the fast kernels run.
///
/// Chosen once per process from the CPU's features (`CPUFeatures`): AVX-512 when the CPU has
/// avx512f/bw/dq/vl, else AVX2 when it has avx2+fma+f16c+bmi2, else the portable generic SIMD path (also the
/// arm64 path, where it compiles to NEON). `REPLACEME_KERNELS=generic|avx2|avx512` forces a path; a path the
/// CPU lacks is refused with a warning on stderr and the best supported one is used instead.
public enum KernelPath: String, Sendable, CaseIterable {
    case generic, avx2, avx512

    /// The path used by every dispatched kernel in this process.
    public static let active: KernelPath = {
        let (path, warning) = select(requested: ProcessInfo.processInfo.environment["REPLACEME_KERNELS"],
                                     features: CPUFeatures.current)
        if let warning { FileHandle.standardError.write(Data(("warning: " + warning + "\n").utf8)) }
        return path
    }()

    /// Every path this CPU can run (tests exercise each of them directly).
    public static var supported: [KernelPath] { allCases.filter { $0.isSupported(by: CPUFeatures.current) } }

    /// Whether a CPU with `features` can run this path (and this binary contains it).
    public func isSupported(by features: CPUFeatures) -> Bool {
        switch self {
        case .generic: return true
        case .avx2:
            #if arch(x86_64)
            return features.isSuperset(of: [.avx2, .fma, .f16c, .bmi2])
            #else
            return false
            #endif
        case .avx512:
            #if arch(x86_64)
            return KernelPath.avx2.isSupported(by: features)
                && features.isSuperset(of: [.avx512f, .avx512bw, .avx512dq, .avx512vl])
            #else
            return false
            #endif
        }
    }

    /// The best path for `features`, or the `requested` one (an env-var value) if the CPU supports it.
    /// Returns a warning for an unknown or unsupported request.
    public static func select(requested: String?, features: CPUFeatures) -> (KernelPath, warning: String?) {
        let best = [KernelPath.avx512, .avx2, .generic].first { $0.isSupported(by: features) } ?? .generic
        guard let raw = requested?.trimmingCharacters(in: .whitespaces).lowercased(), !raw.isEmpty else {
            return (best, nil)
        }
        guard let want = KernelPath(rawValue: raw) else {
            return (best, "REPLACEME_KERNELS=\(raw) is not one of generic, avx2, avx512; using \(best.rawValue)")
        }
        guard want.isSupported(by: features) else {
            return (best, "REPLACEME_KERNELS=\(raw): this CPU lacks the instructions for it; using \(best.rawValue)")
        }
        return (want, nil)
    }
}
