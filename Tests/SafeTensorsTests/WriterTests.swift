import Foundation
import TestSupport
import XCTest
@testable import SafeTensors

/// The streaming writer and the atomic checkpoint writer.
final class WriterTests: XCTestCase {
    private var dir: TemporaryDirectory!
    override func setUpWithError() throws { dir = try TemporaryDirectory(self) }

    private func sources() -> [TensorWriteSource] {
        [
            .floats("w.bf16", shape: [2, 3], dtype: .bf16) { [1, -2, 0.5, 3.140625, 1e-3, -0.0] },
            .floats("w.f32", shape: [3], dtype: .f32) { [1.5, .infinity, -7] },
            .bytes("ids", dtype: .i64, shape: [2], [1, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255]),
            .floats("w.f16", shape: [1], dtype: .f16) { [65504] },
            .bytes("flag", dtype: .bool, shape: [], [1]),
        ]
    }

    func testSingleFileRoundTripAndLayout() throws {
        let url = dir.path("one.safetensors")
        let digest = try SafeTensorsWriter.write(sources(), to: url)
        let f = try SafeTensorsFile(url: url)
        XCTAssertEqual(digest.bytes, f.fileSize)
        XCTAssertEqual(digest.sha256, try SHA256.hex(fileAt: url), "hashed while written = hashed when read back")
        XCTAssertEqual(f.metadata, ["format": "pt"])
        XCTAssertEqual(f.dataStart % 8, 0, "header padded to a multiple of 8")
        // Reference order: descending dtype size, then name.
        XCTAssertEqual(f.tensorNames, ["ids", "w.f32", "w.bf16", "w.f16", "flag"])
        XCTAssertEqual(try f.floats("w.bf16"), [1, -2, 0.5, 3.140625, Float(bitPattern: 0x3A83_0000), -0.0])
        XCTAssertEqual(try f.floats("w.f32"), [1.5, .infinity, -7])
        XCTAssertEqual(try f.floats("w.f16"), [65504])
        XCTAssertEqual(try f.rawBytes("ids"), [1, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255])
        XCTAssertEqual(try f.tensorInfo("flag").shape, [])
        let header = try String(decoding: Data(contentsOf: url)[8..<f.dataStart], as: UTF8.self)
        XCTAssertTrue(header.hasPrefix(#"{"__metadata__":{"format":"pt"},"ids":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}"#), header)
    }

    func testShardingByMaxBytesWritesACorrectIndex() throws {
        let out = dir.path("ckpt")
        let tensors = (0..<5).map { i in TensorWriteSource.floats("t\(i)", shape: [10], dtype: .f32) { (0..<10).map { Float($0 + 10 * i) } } }
        var reports: [Int] = []
        let result = try CheckpointWriter(output: out, maxShardBytes: 100).write(
            tensors: tensors, files: [("config.json", Array("{}\n".utf8))], progress: { done, total in
                XCTAssertEqual(total, 5)
                reports.append(done)
            })
        XCTAssertEqual(reports, [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(result.weightFiles.map(\.name), ["model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                                                         "model-00003-of-00003.safetensors"])
        XCTAssertEqual(result.tensorBytes, 200)
        let ckpt = try SafeTensorsCheckpoint(directory: out)
        XCTAssertEqual(ckpt.files.map(\.tensors.count), [2, 2, 1])
        XCTAssertEqual(try ckpt.floats("t3"), (30..<40).map(Float.init))
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("model.safetensors.index.json"))) as! [String: Any]
        XCTAssertEqual((index["metadata"] as! [String: Any])["total_size"] as? Int, 200)
        XCTAssertEqual((index["weight_map"] as! [String: String])["t4"], "model-00003-of-00003.safetensors")
        XCTAssertEqual(dir.contents(), ["ckpt"], "no temporary sibling left")
    }

    func testFailingProducerLeavesNothing() throws {
        struct Boom: Error {}
        var tensors = sources()
        tensors.insert(TensorWriteSource(name: "bad", dtype: .f32, shape: [1], produce: { _ in throw Boom() }), at: 2)
        XCTAssertThrowsError(try CheckpointWriter(output: dir.path("out")).write(tensors: tensors)) { XCTAssertTrue($0 is Boom) }
        XCTAssertEqual(dir.contents(), [], "neither output nor temporary directory may remain")
    }

    func testWrongByteCountIsRefusedAndLeavesNothing() throws {
        let bad = TensorWriteSource.bytes("short", dtype: .f32, shape: [2], [0, 0, 0, 0])
        assertThrows(SafeTensorsError.self, try CheckpointWriter(output: dir.path("out")).write(tensors: [bad])) {
            if case .wrongTensorByteCount("short", 8, 4) = $0 { return true }; return false
        }
        XCTAssertEqual(dir.contents(), [])
    }

    func testDuplicateOutputNamesRefused() throws {
        let t = TensorWriteSource.floats("x", shape: [1], dtype: .f32) { [1] }
        assertThrows(SafeTensorsError.self, try CheckpointWriter(output: dir.path("out")).write(tensors: [t, t])) {
            if case .duplicateOutputTensor("x") = $0 { return true }; return false
        }
        XCTAssertEqual(dir.contents(), [])
    }

    func testNonEmptyOutputRefusedUnlessForced() throws {
        let out = dir.path("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: false)
        try Data("keep".utf8).write(to: out.appendingPathComponent("precious.txt"))
        let t = [TensorWriteSource.floats("x", shape: [1], dtype: .f32) { [1] }]
        assertThrows(SafeTensorsError.self, try CheckpointWriter(output: out).write(tensors: t)) {
            if case .outputNotEmpty(out.path) = $0 { return true }; return false
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path), ["precious.txt"], "untouched")
        XCTAssertEqual(dir.contents(), ["out"])
        try CheckpointWriter(output: out, force: true).write(tensors: t)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path), ["model.safetensors"])
        XCTAssertEqual(dir.contents(), ["out"])
    }

    func testEmptyExistingOutputIsFine() throws {
        let out = dir.path("empty")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: false)
        try CheckpointWriter(output: out).write(tensors: [.floats("x", shape: [1], dtype: .f32) { [1] }])
        XCTAssertEqual(try SafeTensorsCheckpoint(directory: out).tensorNames, ["x"])
    }

    func testOutputInsideInputRefused() throws {
        let input = dir.path("in")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: false)
        let t = [TensorWriteSource.floats("x", shape: [1], dtype: .f32) { [1] }]
        for out in [input, input.appendingPathComponent("pruned"), input.appendingPathComponent("a/../b")] {
            assertThrows(SafeTensorsError.self, try CheckpointWriter(output: out, inputs: [input]).write(tensors: t)) {
                if case .outputInsideInput = $0 { return true }; return false
            }
        }
        // Through a symlink to the input directory.
        let link = dir.path("link")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: input)
        assertThrows(SafeTensorsError.self, try CheckpointWriter(output: link.appendingPathComponent("x"), inputs: [input]).write(tensors: t)) {
            if case .outputInsideInput = $0 { return true }; return false
        }
        // An output that contains the input would delete it when replaced.
        assertThrows(SafeTensorsError.self, try CheckpointWriter(output: dir.url, force: true, inputs: [input]).write(tensors: t)) {
            if case .inputInsideOutput = $0 { return true }; return false
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: input.path), [], "nothing written into the input")
        XCTAssertEqual(dir.contents(), ["in", "link"])
    }

    func testStaleTemporaryFromADeadProcessIsRemoved() throws {
        // pid 2^22+1 exceeds Linux's pid_max default range, so no such process runs.
        let stale = dir.path(".out.replaceme-tmp-4194305")
        try FileManager.default.createDirectory(at: stale, withIntermediateDirectories: false)
        try CheckpointWriter(output: dir.path("out")).write(tensors: [.floats("x", shape: [1], dtype: .f32) { [1] }])
        XCTAssertEqual(dir.contents(), ["out"])
    }

    /// Stale temporaries of any output name (a directory of a killed prune, a file of a killed side-file write) go;
    /// a running process's temporary and other hidden files stay.
    func testStaleTemporariesOfOtherOutputsAreRemovedToo() throws {
        for name in [".other.replaceme-tmp-4194305", ".sweep.svg.replaceme-tmp-4194306", ".old.replaceme-old-4194307"] {
            try FileManager.default.createDirectory(at: dir.path(name), withIntermediateDirectories: false)
        }
        try Data("x".utf8).write(to: dir.path(".plan.json.replaceme-tmp-4194308"))
        let mine = ".busy.replaceme-tmp-\(getpid())"
        try FileManager.default.createDirectory(at: dir.path(mine), withIntermediateDirectories: false)
        try Data("keep".utf8).write(to: dir.path(".hidden"))
        try CheckpointWriter(output: dir.path("out")).write(tensors: [.floats("x", shape: [1], dtype: .f32) { [1] }])
        XCTAssertEqual(Set(dir.contents()), [".hidden", mine, "out"])
        try Data("y".utf8).write(to: dir.path(".report.json.replaceme-tmp-4194309"))
        try AtomicFile.write(Array("{}".utf8), to: dir.path("report.json"))
        XCTAssertEqual(Set(dir.contents()), [".hidden", mine, "out", "report.json"])
    }

    func testCopyStreamsFromTheMappedInputBitForBit() throws {
        let input = dir.path("in")
        try CheckpointWriter(output: input).write(tensors: sources(), files: [("tokenizer.json", Array("{\"x\":1}".utf8))])
        let ckpt = try SafeTensorsCheckpoint(directory: input)
        let copies = try ckpt.tensorNames.map { try TensorWriteSource.copy($0, from: ckpt, as: "copy." + $0) }
        let out = dir.path("out")
        try CheckpointWriter(output: out, inputs: [input]).write(tensors: copies, copying: ckpt.auxiliaryFiles())
        let back = try SafeTensorsCheckpoint(directory: out)
        for name in ckpt.tensorNames {
            XCTAssertEqual(try back.rawBytes("copy." + name), try ckpt.rawBytes(name), name)
        }
        XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent("tokenizer.json")), Data("{\"x\":1}".utf8))
    }

    func testFloat16OverflowIsRefusedNamingTheTensor() throws {
        let t = TensorWriteSource.floats("big", shape: [3], dtype: .f16) { [1, -65519, 70000] }
        assertThrows(SafeTensorsError.self, try CheckpointWriter(output: dir.path("out")).write(tensors: [t])) {
            if case .invalidOutputTensor("big", let reason) = $0 { return reason.contains("element 2") }; return false
        }
        XCTAssertEqual(dir.contents(), [])
    }

    func testConvertedRoundsToNearestEvenAndKeepsNaN() throws {
        // f32 → bf16: 1 + 2^-8 is a tie (rounds to even: 1); 1 + 3·2^-8 rounds up; NaN stays NaN; Inf stays Inf.
        let values: [Float] = [1 + 1.0 / 256, 1 + 3.0 / 256, .nan, -.infinity, 3.4e38]
        let input = dir.path("in")
        try CheckpointWriter(output: input).write(tensors: [.floats("v", shape: [5], dtype: .f32) { values }])
        let ckpt = try SafeTensorsCheckpoint(directory: input)
        try CheckpointWriter(output: dir.path("out")).write(tensors: [try .converted("v", from: ckpt, to: .bf16)])
        let v = try SafeTensorsCheckpoint(directory: dir.path("out")).floats("v")
        XCTAssertEqual(v[0], 1)
        XCTAssertEqual(v[1], 1 + 4.0 / 256)
        XCTAssertTrue(v[2].isNaN)
        XCTAssertEqual(v[3], -.infinity)
        XCTAssertEqual(v[4], .infinity, "3.4e38 lies past the midpoint above bf16's largest finite value (as in torch)")
        assertThrows(SafeTensorsError.self, try TensorWriteSource.converted("v", from: ckpt, to: .i32)) {
            if case .unsupportedDType("v", .i32, _) = $0 { return true }; return false
        }
    }
}
