import Foundation
import TestSupport
import XCTest
@testable import SafeTensors

/// Checkpoint directories: single file, sharded with an index, and the index's failure modes.
final class CheckpointTests: XCTestCase {
    private var dir: TemporaryDirectory!
    override func setUpWithError() throws { dir = try TemporaryDirectory(self) }

    /// Two shards: a (F32[2]) and b (BF16[2]) in shard 1, c (F32[1]) in shard 2.
    private func makeSharded(index: String? = nil) throws {
        try dir.writeSafeTensors("model-00001-of-00002.safetensors",
                                 header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[8,12]}}"#,
                                 data: [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40, 0x80, 0x3F, 0x40, 0xC0])
        try dir.writeSafeTensors("model-00002-of-00002.safetensors",
                                 header: #"{"c":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0x40, 0x40])
        try dir.write(SafeTensorsCheckpoint.indexFileName, index ?? """
            {"metadata": {"total_size": 16}, "weight_map": {"a": "model-00001-of-00002.safetensors",
             "b": "model-00001-of-00002.safetensors", "c": "model-00002-of-00002.safetensors"}}
            """)
    }

    func testShardedCheckpoint() throws {
        try makeSharded()
        let ckpt = try SafeTensorsCheckpoint(directory: dir.url)
        XCTAssertTrue(ckpt.isSharded)
        XCTAssertEqual(ckpt.tensorNames, ["a", "b", "c"])
        XCTAssertEqual(ckpt.totalTensorBytes, 16)
        XCTAssertEqual(try ckpt.floats("a"), [1, 2])
        XCTAssertEqual(try ckpt.floats("b"), [1, -3])
        XCTAssertEqual(try ckpt.floats("c"), [3])
        XCTAssertEqual(try ckpt.file(containing: "c").url.lastPathComponent, "model-00002-of-00002.safetensors")
    }

    func testIndexNamingAMissingShard() throws {
        try makeSharded(index: #"{"weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00001-of-00002.safetensors", "c": "model-00002-of-00002.safetensors", "d": "model-00003-of-00003.safetensors"}}"#)
        assertThrows(SafeTensorsError.self, try SafeTensorsCheckpoint(directory: dir.url)) {
            if case .missingShard(let index, "model-00003-of-00003.safetensors", "d") = $0 { return index.hasSuffix("model.safetensors.index.json") }
            return false
        }
    }

    func testIndexNamingATensorAbsentFromItsShard() throws {
        try makeSharded(index: #"{"weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00001-of-00002.safetensors", "c": "model-00002-of-00002.safetensors", "z": "model-00002-of-00002.safetensors"}}"#)
        assertThrows(SafeTensorsError.self, try SafeTensorsCheckpoint(directory: dir.url)) {
            if case .tensorMissingFromShard(_, "z", "model-00002-of-00002.safetensors") = $0 { return true }; return false
        }
    }

    func testIndexMappingATensorToTheWrongShard() throws {
        try makeSharded(index: #"{"weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors", "c": "model-00002-of-00002.safetensors"}}"#)
        assertThrows(SafeTensorsError.self, try SafeTensorsCheckpoint(directory: dir.url)) {
            if case .tensorMissingFromShard(_, "b", "model-00002-of-00002.safetensors") = $0 { return true }; return false
        }
    }

    func testShardTensorMissingFromIndex() throws {
        try makeSharded(index: #"{"weight_map": {"a": "model-00001-of-00002.safetensors", "c": "model-00002-of-00002.safetensors"}}"#)
        assertThrows(SafeTensorsError.self, try SafeTensorsCheckpoint(directory: dir.url)) {
            if case .tensorNotInIndex(_, "b", "model-00001-of-00002.safetensors") = $0 { return true }; return false
        }
    }

    func testTensorInTwoShards() throws {
        try dir.writeSafeTensors("model-a.safetensors", header: #"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0])
        try dir.writeSafeTensors("model-b.safetensors", header: #"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0])
        assertThrows(SafeTensorsError.self, try SafeTensorsCheckpoint(directory: dir.url)) {
            if case .tensorInSeveralFiles("x", "model-a.safetensors", "model-b.safetensors") = $0 { return true }; return false
        }
    }

    func testIndexWithoutWeightMapAndPathEscapes() throws {
        try makeSharded(index: #"{"metadata": {}}"#)
        assertThrows(SafeTensorsError.self, try SafeTensorsCheckpoint(directory: dir.url)) {
            if case .invalidIndex = $0 { return true }; return false
        }
        try dir.write(SafeTensorsCheckpoint.indexFileName, #"{"weight_map": {"a": "../elsewhere.safetensors"}}"#)
        assertThrows(SafeTensorsError.self, try SafeTensorsCheckpoint(directory: dir.url)) {
            if case .invalidIndex = $0 { return true }; return false
        }
    }

    func testDirectoryWithoutWeights() throws {
        try dir.write("config.json", "{}")
        assertThrows(SafeTensorsError.self, try SafeTensorsCheckpoint(directory: dir.url)) {
            if case .noWeights = $0 { return true }; return false
        }
        assertThrows(SafeTensorsError.self, try SafeTensorsCheckpoint(directory: dir.path("absent"))) {
            if case .notADirectory = $0 { return true }; return false
        }
    }

    func testAuxiliaryFilesExcludeWeightsAndConfig() throws {
        try makeSharded()
        for name in ["config.json", "tokenizer.json", "generation_config.json", "pytorch_model.bin", ".hidden"] {
            try dir.write(name, "{}")
        }
        let names = try SafeTensorsCheckpoint(directory: dir.url).auxiliaryFiles().map(\.lastPathComponent)
        XCTAssertEqual(names, ["generation_config.json", "tokenizer.json"])
    }
}
