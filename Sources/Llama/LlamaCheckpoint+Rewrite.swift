import Foundation
import SafeTensors

extension LlamaCheckpoint {
    /// The tensors of a checkpoint that keeps only the layers `kept` (old indices, strictly increasing), renumbered
    /// `0..<kept.count`, in state-dict order. Untouched tensors stream from this checkpoint's mapping unchanged;
    /// `replacements[oldName]` computes new Float32 values for a tensor (same shape), stored in the tensor's dtype.
    /// `dtype`, when given, converts every tensor (F32, F16, BF16). Rotary `inv_freq` buffers are dropped.
    public func rewriteSources(keepingLayers kept: [Int], replacements: [String: () throws -> [Float]] = [:],
                               dtype: DType? = nil) throws -> [TensorWriteSource] {
        _ = try config.rewrittenJSON(keepingLayers: kept)  // validates the selection
        var newIndex: [Int: Int] = [:]
        for (i, old) in kept.enumerated() { newIndex[old] = i }
        for name in replacements.keys where !weights.contains(name) {
            throw SafeTensorsError.tensorNotFound(tensor: name, location: directory.path)
        }
        var sources: [TensorWriteSource] = []
        for name in WeightName.stateDictOrder(weights.tensorNames) {
            var outName = name
            if let (i, suffix) = WeightName.parseLayer(name) {
                if suffix == WeightName.LayerPart.rotaryInvFreq.rawValue { continue }
                guard let j = newIndex[i] else { continue }
                outName = WeightName.renumbered(name, to: j)
            }
            let info = try weights.tensorInfo(name)
            if let values = replacements[name] {
                sources.append(.floats(outName, shape: info.shape, dtype: dtype ?? info.dtype, values))
            } else if let dtype {
                sources.append(try .converted(name, from: weights, to: dtype, as: outName))
            } else {
                sources.append(try .copy(name, from: weights, as: outName))
            }
        }
        return sources
    }

    /// A shard limit that keeps the output's files about as large as this checkpoint's: nil (one file) when it
    /// has one file, else its largest shard's tensor bytes.
    public var suggestedMaxShardBytes: Int? {
        weights.files.count > 1 ? weights.files.map(\.dataSize).max() : nil
    }

    /// Writes a checkpoint keeping only `kept` layers (see `rewriteSources`) to `output`, atomically: weights,
    /// config.json rewritten (`num_hidden_layers`, per-layer lists, dtype; unknown keys kept) and this
    /// checkpoint's tokenizer/generation files. Refuses an output inside this checkpoint.
    @discardableResult
    public func writeRewritten(to output: URL, keepingLayers kept: [Int], replacements: [String: () throws -> [Float]] = [:],
                               dtype: DType? = nil, maxShardBytes: Int? = nil, force: Bool = false,
                               progress: ((Int, Int) -> Void)? = nil) throws -> CheckpointWriter.Result {
        let sources = try rewriteSources(keepingLayers: kept, replacements: replacements, dtype: dtype)
        let configJSON = try config.rewrittenJSON(keepingLayers: kept, torchDtype: dtype?.torchName)
        let writer = CheckpointWriter(output: output, maxShardBytes: maxShardBytes ?? suggestedMaxShardBytes,
                                      force: force, inputs: [directory])
        return try writer.write(tensors: sources, files: [("config.json", LlamaConfig.configFileBytes(configJSON))],
                                copying: weights.auxiliaryFiles(), progress: progress)
    }
}
