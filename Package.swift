// swift-tools-version:6.0
// replaceme: training-free depth pruning of LLaMA-family checkpoints, pure Swift, no package dependencies.
// Layers (lower never imports higher): JSON and TensorCore at the bottom; SafeTensors (JSON, TensorCore) and
// Tokenization (JSON) beside each other; GGUF (all three); Llama; Pruning; CLI; replaceme.
import PackageDescription

// The hot kernels live in per-ISA modules compiled with their own `-target-cpu`, so that a plain
// `swift build -c release` gives a binary that runs on any machine of the architecture and still uses
// AVX2/FMA or AVX-512 where the CPU has them (chosen at run time, see TensorCore/KernelPath.swift).
// Without a target CPU, Swift lowers SIMD FMAs to a libm call per lane (measured: >100x slower).
#if arch(x86_64)
let isaTargets: [Target] = [
    .target(name: "TensorCoreAVX2", path: "Sources/TensorCoreAVX2",
            swiftSettings: [.unsafeFlags(["-target-cpu", "haswell"])]),
    .target(name: "TensorCoreAVX512", path: "Sources/TensorCoreAVX512",
            swiftSettings: [.unsafeFlags(["-target-cpu", "skylake-avx512"])]),
]
let isaDependencies: [Target.Dependency] = ["TensorCoreAVX2", "TensorCoreAVX512"]
#else
let isaTargets: [Target] = []
let isaDependencies: [Target.Dependency] = []
#endif

let package = Package(
    name: "replaceme",
    products: [
        .executable(name: "replaceme", targets: ["replaceme"]),
        // The layers as one library, for the fuzz harnesses (Fuzz/Package.swift) and other tools.
        .library(name: "ReplacemeLibraries", targets: ["JSON", "TensorCore", "SafeTensors", "Tokenization", "GGUF", "Llama", "Pruning"]),
    ],
    targets: isaTargets + [
        .target(name: "JSON"),
        .target(name: "TensorCore", dependencies: isaDependencies),
        .target(name: "SafeTensors", dependencies: ["JSON", "TensorCore"]),
        .target(name: "Tokenization", dependencies: ["JSON"]),
        .target(name: "GGUF", dependencies: ["JSON", "TensorCore", "SafeTensors", "Tokenization"]),
        .target(name: "Llama", dependencies: ["JSON", "TensorCore", "SafeTensors", "GGUF"]),
        .target(name: "Pruning", dependencies: ["JSON", "TensorCore", "SafeTensors", "Tokenization", "Llama"]),
        .target(name: "CLI", dependencies: ["JSON", "TensorCore", "SafeTensors", "Tokenization", "GGUF", "Llama", "Pruning"]),
        .executableTarget(name: "replaceme", dependencies: ["CLI"]),

        // Helpers shared by the test targets (seeded random numbers, error assertions).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "TensorCoreTests", dependencies: ["TestSupport", "TensorCore"]),
        .testTarget(name: "SafeTensorsTests", dependencies: ["TestSupport", "SafeTensors", "TensorCore"], exclude: ["Fixtures"]),
        .testTarget(name: "TokenizationTests", dependencies: ["TestSupport", "JSON", "Tokenization"], exclude: ["Fixtures"]),
        .testTarget(name: "LlamaTests", dependencies: ["TestSupport", "JSON", "Llama", "SafeTensors", "TensorCore"], exclude: ["Fixtures"]),
        .testTarget(name: "PruningTests", dependencies: ["TestSupport", "Pruning", "Llama", "SafeTensors", "TensorCore", "Tokenization", "GGUF", "JSON"], exclude: ["Fixtures"]),
        .testTarget(name: "GGUFTests", dependencies: ["TestSupport", "GGUF", "JSON", "TensorCore", "Tokenization", "SafeTensors", "Llama"], exclude: ["Fixtures"]),
        .testTarget(name: "CLITests", dependencies: ["CLI", "Llama", "Pruning"]),
    ]
)
