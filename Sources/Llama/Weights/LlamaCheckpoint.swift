import Foundation
import SafeTensors

/// A LLaMA-family checkpoint directory: its config and its (memory-mapped) weights, checked against each other
/// on open. Reads only headers and config.json; tensors are read on demand.
public final class LlamaCheckpoint: Sendable {
    public let directory: URL
    public let config: LlamaConfig
    public let weights: SafeTensorsCheckpoint

    /// Opens `directory`: parses config.json, maps and validates the safetensors files, then checks every
    /// tensor's presence and shape against the config.
    public init(directory: URL) throws {
        self.directory = directory
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDir), isDir.boolValue else {
            throw SafeTensorsError.notADirectory(path: directory.path)
        }
        config = try LlamaConfig.load(directory: directory)
        weights = try SafeTensorsCheckpoint(directory: directory)
        try config.validate(weights)
    }

    /// Whether the output projection shares the embedding matrix (no `lm_head.weight` stored, or tied by config).
    public var isTied: Bool { config.tieWordEmbeddings }

    /// Name of the tensor used as the output projection: `lm_head.weight`, or the embeddings when tied.
    public var outputProjectionName: String {
        (!config.tieWordEmbeddings && weights.contains(WeightName.lmHead)) ? WeightName.lmHead : WeightName.embedTokens
    }

    /// Parameters stored in the checkpoint (every tensor except rotary `inv_freq` buffers; an `lm_head` stored
    /// despite tied embeddings is not counted, as the model does not use it).
    public var parameterCount: Int {
        weights.tensorNames.reduce(0) { sum, name in
            if WeightName.parsePart(name)?.part == .rotaryInvFreq { return sum }
            if name == WeightName.lmHead && config.tieWordEmbeddings { return sum }
            return sum + (weights.info(name)?.elementCount ?? 0)
        }
    }

    /// A tensor as Float32, row-major (see `SafeTensorsFile.floats`).
    public func floats(_ name: String) throws -> [Float] { try weights.floats(name) }
}
