import Foundation
import Llama
import SafeTensors

/// Writes the pruned checkpoint in one streaming pass over the original: the spans' tensors are dropped, later
/// layers renumbered, each kept layer that absorbs a transform gets `down_proj ← Tᵀ·down_proj` (Float64, one
/// rounding to the stored dtype), every other tensor is copied byte for byte from the mapped input.
/// config.json is rewritten (`num_hidden_layers`, per-layer lists; unknown keys kept), tokenizer/generation files
/// are copied, and the input's shard layout is kept (a sharded input gives shards of the same files, minus the
/// dropped tensors). The directory appears atomically (`CheckpointWriter`: temporary sibling, fsync, rename).
public enum PrunedCheckpointWriter {
    /// - Parameters:
    ///   - transforms: T ([D, D] Float64 row-major) per kept layer that absorbs one (empty for `--method drop`).
    ///   - extraFiles: more files to place in the output (e.g. a report), written inside the atomic write.
    @discardableResult
    public static func write(checkpoint: LlamaCheckpoint, plan: PruningPlan, transforms: [Int: [Double]],
                             output: URL, force: Bool, extraFiles: [(name: String, contents: [UInt8])] = [],
                             progress: ((Int, Int) -> Void)? = nil) throws -> CheckpointWriter.Result {
        let weights = checkpoint.weights
        var shards: [[TensorWriteSource]] = []
        var folded = Set<Int>()
        for file in weights.files {
            var group: [TensorWriteSource] = []
            for name in file.tensorNames {
                guard let newName = plan.outputName(of: name) else { continue }
                if let (k, part) = WeightName.parsePart(name), part == .downProj, let t = transforms[k] {
                    group.append(try foldedSource(name, newName: newName, weights: weights, transform: t))
                    folded.insert(k)
                } else {
                    group.append(try .copy(name, from: weights, as: newName))
                }
            }
            shards.append(group)
        }
        for k in transforms.keys where !folded.contains(k) {
            throw PruningError.unsupportedTensor(name: WeightName.layer(k, .downProj),
                                                 reason: "not found in the checkpoint, so the transform cannot be folded")
        }
        let config = try checkpoint.config.rewrittenJSON(keepingLayers: plan.keptLayers)
        let writer = CheckpointWriter(output: output, force: force, inputs: [checkpoint.directory])
        return try writer.write(shards: shards,
                                files: [(name: "config.json", contents: LlamaConfig.configFileBytes(config))] + extraFiles,
                                copying: weights.auxiliaryFiles(), progress: progress)
    }

    /// A tensor source producing Tᵀ·W for the down-projection `name` (computed when the writer reaches it).
    static func foldedSource(_ name: String, newName: String, weights: SafeTensorsCheckpoint,
                             transform t: [Double]) throws -> TensorWriteSource {
        let info = try weights.tensorInfo(name)
        guard info.shape.count == 2, let type = StorageType(rawValue: info.dtype.rawValue) else {
            throw PruningError.unsupportedTensor(name: name, reason: "down_proj must be a 2-D F32, F16 or BF16 tensor "
                                                 + "to absorb the transform, found \(info.shapeDescription)")
        }
        let rows = info.shape[0], cols = info.shape[1]
        return TensorWriteSource(name: newName, dtype: info.dtype, shape: info.shape, produce: { sink in
            let bytes = try weights.withRawBytes(name) { raw in
                try DownProjectionFolder.fold(weight: raw.baseAddress!, type: type, rows: rows, cols: cols, transform: t)
            }
            try bytes.withUnsafeBytes { try sink($0) }
        }, didWrite: { weights.releasePages(name) })
    }
}
