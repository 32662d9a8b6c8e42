// swift-tools-version:6.0
// libFuzzer harnesses for replaceme's parsers. Not part of the main package: built only by scripts/fuzz.sh with
// `-sanitize=fuzzer,address`; each harness's main hands its test function to libFuzzer (LLVMFuzzerRunDriver), so `swift build` / `swift test` never see them.
import PackageDescription

let harnesses = ["json", "safetensors", "config", "tokenizer", "jsonl", "plan", "gguf"]

let package = Package(
    name: "replaceme-fuzz",
    dependencies: [.package(name: "replaceme", path: "..")],
    targets: [
        .target(name: "FuzzSupport"),
    ] + harnesses.map { name in
        .executableTarget(name: "fuzz-\(name)",
                          dependencies: ["FuzzSupport", .product(name: "ReplacemeLibraries", package: "replaceme")])
    }
)
