import Foundation
import XCTest
@testable import GGUF
import JSON
import Llama
import SafeTensors
import Tokenization

/// GGUF → Hugging Face: the tiny fixtures written as llama.cpp's converter writes them (permuted q/k for llama),
/// converted back, must give the original checkpoint's tensors exactly, a config that describes them, and a
/// tokenizer whose ids equal transformers' own GGUF tokenizer (goldens by scripts/make-gguf-fixtures.py).
final class GGUFImportTests: XCTestCase {
    static let fixtures = GGUFFileTests.fixtures
    static let llamaFixtures = fixtures.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("LlamaTests/Fixtures")

    func converted(_ name: String) throws -> URL {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-import-\(UUID().uuidString)")
        try GGUFConversion(url: Self.fixtures.appendingPathComponent(name)).write(to: out, dtype: .f32)
        return out
    }

    func assertSameTensors(_ a: URL, _ b: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        let x = try SafeTensorsCheckpoint(directory: a), y = try SafeTensorsCheckpoint(directory: b)
        XCTAssertEqual(Set(x.tensorNames), Set(y.tensorNames), file: file, line: line)
        for name in y.tensorNames {
            XCTAssertEqual(try x.info(name)?.shape, y.info(name)?.shape, name, file: file, line: line)
            XCTAssertEqual(try x.floats(name).map(\.bitPattern), try y.floats(name).map(\.bitPattern), name, file: file, line: line)
        }
    }

    func testTinyLlamaRoundTripsExactly() throws {
        let out = try converted("tiny-llama.gguf")
        try assertSameTensors(out, Self.llamaFixtures.appendingPathComponent("tiny-llama"))
        let ours = try LlamaConfig.load(directory: out), original = try LlamaConfig.load(directory: Self.llamaFixtures.appendingPathComponent("tiny-llama"))
        XCTAssertEqual(try LlamaGeometry(config: ours), try LlamaGeometry(config: original))
        XCTAssertEqual(ours.ropeTheta, original.ropeTheta)
        XCTAssertEqual(ours.rmsNormEps, original.rmsNormEps)
        XCTAssertEqual(ours.tieWordEmbeddings, original.tieWordEmbeddings)
        _ = try LlamaCheckpoint(directory: out)   // config and tensors agree
        // The byte vocabulary without merges tokenizes as the original tokenizer.json does.
        let a = try Tokenizer(directory: out), b = try Tokenizer(directory: Self.llamaFixtures.appendingPathComponent("tiny-llama"))
        for text in ["Hello, world!", "  ünïcödé\n\t 123"] { XCTAssertEqual(a.encode(text), b.encode(text), text) }
    }

    func testTinyQwen2RoundTripsExactly() throws {
        let out = try converted("tiny-qwen2.gguf")
        try assertSameTensors(out, Self.llamaFixtures.appendingPathComponent("tiny-qwen2"))
        let config = try LlamaConfig.load(directory: out)
        XCTAssertEqual(config.modelType, "qwen2")
        XCTAssertTrue(config.qkvBias)
        XCTAssertEqual(config.rmsNormEps, 1e-6)
        XCTAssertEqual(config.raw["layer_types"]?.arrayValue?.count, 2)
    }

    /// Ids equal transformers' `AutoTokenizer.from_pretrained(gguf_file=)` on all 338 test texts, for a byte-level
    /// (qwen2 pre-tokenizer) and a SentencePiece-style vocabulary (merges rebuilt from the scores).
    func testTokenizersMatchTransformersGGUFRoute() throws {
        let texts = try JSONParser.parse(Array(try Data(contentsOf: Self.fixtures.deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("TokenizationTests/Fixtures/texts.json")))).arrayValue!
        for name in ["tiny-qwen2", "tiny-llama-spm"] {
            let file = try GGUFFile(url: Self.fixtures.appendingPathComponent("\(name).gguf"))
            let imp = try GGUFTokenizerImport(file)
            let json = Data(JSONValue.object(try imp.tokenizerJSON()).serialized().utf8)
            let tokenizer = try Tokenizer(tokenizerJSON: json)
            let goldens = try JSONParser.parse(Array(try Data(contentsOf: Self.fixtures.appendingPathComponent("\(name).tokens.json"))))["ids"]!.arrayValue!
            XCTAssertEqual(texts.count, goldens.count)
            var differ: [String] = []
            for (t, g) in zip(texts, goldens) where tokenizer.encode(t.stringValue!) != g.arrayValue!.map({ $0.intValue! }) {
                differ.append(t.stringValue!)
            }
            XCTAssertEqual(differ.count, 0, "\(name): \(differ.count) of \(texts.count) texts differ, first: \(differ.first.map { String($0.prefix(60)) } ?? "")")
        }
    }

    func testRefusesWhatItCannotConvert() throws {
        func refused(_ edit: (inout GGUFBuilder) -> Void, _ check: (GGUFError) -> Bool, line: UInt = #line) throws {
            var b = GGUFBuilder()
            b.add("general.architecture", string: "llama")
            b.add("tokenizer.ggml.model", string: "gpt2")
            b.add("tokenizer.ggml.pre", string: "gpt-2")
            b.add("tokenizer.ggml.tokens", strings: ["a", "b"])
            b.add("llama.block_count", uint32: 1)
            b.add("llama.attention.head_count", uint32: 2)
            b.add("llama.attention.head_count_kv", uint32: 1)
            edit(&b)
            let url = try b.write()
            XCTAssertThrowsError(try GGUFConversion(url: url), line: line) {
                guard let e = $0 as? GGUFError else { return XCTFail("\($0)", line: line) }
                XCTAssertTrue(check(e), "\(e)", line: line)
            }
        }
        try refused({ $0.keys[0] = ("general.architecture", 8, GGUFBuilder.str("gpt2")) }) {
            if case .unsupportedModel(_, "general.architecture", "gpt2", _) = $0 { return true }; return false
        }
        try refused({ $0.keys[1] = ("tokenizer.ggml.model", 8, GGUFBuilder.str("t5")) }) {
            if case .unsupportedModel(_, "tokenizer.ggml.model", "t5", ["gpt2", "llama"]) = $0 { return true }; return false
        }
        try refused({ $0.keys[2] = ("tokenizer.ggml.pre", 8, GGUFBuilder.str("mystery")) }) {
            if case .unsupportedModel(_, "tokenizer.ggml.pre", "mystery", let s) = $0 { return s.contains("qwen2") }; return false
        }
        try refused({ $0.addF32("blk.0.attn_sinks.weight", dims: [2], values: [1, 2]) }) {
            if case .invalidTensor(_, "blk.0.attn_sinks.weight", let r) = $0 { return r.contains("not a tensor of a llama model") }; return false
        }
        try refused({ $0.keys.remove(at: 4) }) {
            if case .missingKey(_, "llama.block_count") = $0 { return true }; return false
        }
    }

    func testUnpermuteInvertsLlamaCppPermute() {
        // llama.cpp: w.reshape(heads, 2, rows/heads/2, cols).swapaxes(1, 2); rows 8 = 2 heads × hd 4, cols 1.
        let hf: [Float] = [0, 1, 2, 3, 4, 5, 6, 7]
        var gguf: [Float] = [0, 2, 1, 3, 4, 6, 5, 7]
        GGUFModelImport.unpermuteRows(&gguf, rows: 8, cols: 1, heads: 2)
        XCTAssertEqual(gguf, hf)
    }
}

/// Hugging Face → GGUF → Hugging Face: the export's file reads back (our reader) to the same model exactly at
/// F32, with the metadata llama.cpp needs; refusals name what they cannot write.
final class GGUFExportTests: XCTestCase {
    func tmp(_ name: String) -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-export-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name)
    }

    func testRoundTripThroughGGUFIsExact() throws {
        for (fixture, arch) in [("tiny-llama", "llama"), ("tiny-qwen2", "qwen2")] {
            let source = GGUFImportTests.llamaFixtures.appendingPathComponent(fixture)
            // tiny-qwen2 has no tokenizer.json: give it tiny-llama's byte vocabulary.
            let dir = tmp(fixture)
            try FileManager.default.copyItem(at: source, to: dir)
            if !FileManager.default.fileExists(atPath: dir.appendingPathComponent("tokenizer.json").path) {
                try FileManager.default.copyItem(at: GGUFImportTests.llamaFixtures.appendingPathComponent("tiny-llama/tokenizer.json"),
                                                 to: dir.appendingPathComponent("tokenizer.json"))
            }
            let gguf = tmp("\(fixture).gguf")
            let export = try GGUFExport(checkpoint: try LlamaCheckpoint(directory: dir))
            XCTAssertEqual(export.architecture, arch)
            try export.write(to: gguf, type: .f32, replace: false)
            let file = try GGUFFile(url: gguf)
            XCTAssertEqual(try file.string("general.architecture"), arch)
            XCTAssertEqual(try file.string("tokenizer.ggml.pre"), "gpt-2")
            XCTAssertEqual(try file.int("\(arch).block_count"), try LlamaConfig.load(directory: dir).numHiddenLayers)
            let back = tmp("back")
            try GGUFConversion(url: gguf).write(to: back, dtype: .f32)
            let x = try SafeTensorsCheckpoint(directory: back), y = try SafeTensorsCheckpoint(directory: dir)
            XCTAssertEqual(Set(x.tensorNames), Set(y.tensorNames.filter { !$0.hasSuffix("inv_freq") }), fixture)
            for name in x.tensorNames {
                XCTAssertEqual(try x.floats(name).map(\.bitPattern), try y.floats(name).map(\.bitPattern), "\(fixture) \(name)")
            }
            // An existing file is refused unless replacing.
            XCTAssertThrowsError(try export.write(to: gguf, type: .f32, replace: false)) {
                XCTAssertEqual($0 as? SafeTensorsError, .fileExists(path: gguf.path))
            }
        }
    }

    func testQ8_0ExportIsWithinHalfAStep() throws {
        let dir = GGUFImportTests.llamaFixtures.appendingPathComponent("tiny-llama")
        let gguf = tmp("q8.gguf")
        try GGUFExport(checkpoint: try LlamaCheckpoint(directory: dir)).write(to: gguf, type: .q8_0, replace: false)
        let file = try GGUFFile(url: gguf)
        XCTAssertEqual(try file.tensor("blk.0.ffn_down.weight").type, .q8_0)
        XCTAssertEqual(try file.tensor("blk.0.attn_norm.weight").type, .f32)     // norms stay F32
        let original = try SafeTensorsCheckpoint(directory: dir).floats("model.layers.0.mlp.down_proj.weight")
        let q = try file.floats("blk.0.ffn_down.weight")
        let amax = original.map(abs).max()!
        XCTAssertLessThanOrEqual(zip(original, q).map { abs($0 - $1) }.max()!, amax / 127)
    }

    func testRefusesAMissingTokenizer() throws {
        let dir = tmp("no-tokenizer")
        try FileManager.default.copyItem(at: GGUFImportTests.llamaFixtures.appendingPathComponent("tiny-qwen2"), to: dir)
        XCTAssertThrowsError(try GGUFExport(checkpoint: try LlamaCheckpoint(directory: dir))) {
            guard case .notExportable(let f, _, let r)? = $0 as? LlamaError else { return XCTFail("\($0)") }
            XCTAssertTrue(f.hasSuffix("tokenizer.json") && r.contains("missing"), "\(f) \(r)")
        }
    }
}
