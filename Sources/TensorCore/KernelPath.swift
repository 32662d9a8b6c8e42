import Foundation

/// Which instruction-set path the fast kernels run. Chosen once from the CPU's features; the environment
/// variable `REPLACEME_KERNELS=generic|avx2|avx512` forces a path (refused if the CPU lacks it).
///
/// PLACEHOLDER: always `.generic` until the tensor-core issue lands the ISA modules and detection.
public enum KernelPath: String, Sendable, CaseIterable {
    case generic, avx2, avx512

    public static let active: KernelPath = .generic
}
