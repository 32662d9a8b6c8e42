import Foundation
import Llama
import SafeTensors
import TensorCore

/// Writes the checkpoint a `ModelEdit` describes, in one streaming pass over the original: dropped layers' tensors
/// are left out and later layers renumbered; each tensor the edit changes (a fold of T or s, see `LayerEditing`)
/// is computed from the mapped input by the same routine the edited model runs, so `perplexity --plan` on the
/// input equals perplexity on the output; every other tensor is copied byte for byte. config.json is rewritten
/// (`num_hidden_layers`, per-layer lists; unknown keys kept), tokenizer/generation files are copied, and the
/// input's shard layout is kept. The directory appears atomically with everything in it, `finalFiles` (the
/// report) included (`CheckpointWriter`: temporary sibling, fsync, rename).
///
/// The output is a stock Hugging Face checkpoint: one width for every layer and both sub-blocks in each, so an
/// edit that drops a sub-block or keeps some channels or KV groups is refused (`PruningError.planNotWritable`).
public enum PrunedCheckpointWriter {
    /// Refuses an edit a uniform checkpoint cannot hold, naming the first such layer.
    public static func checkWritable(_ edit: ModelEdit) throws {
        for (k, e) in edit.layers.enumerated() where !e.isDropped {
            if !e.attention { throw PruningError.planNotWritable(layer: k, reason: "drops only its attention sub-block") }
            if !e.mlp { throw PruningError.planNotWritable(layer: k, reason: "drops only its MLP sub-block") }
            if let c = e.mlpChannels { throw PruningError.planNotWritable(layer: k, reason: "keeps \(c.count) MLP channels (one intermediate_size holds for all layers)") }
            if let g = e.kvGroups { throw PruningError.planNotWritable(layer: k, reason: "keeps \(g.count) KV groups (one num_key_value_heads holds for all layers)") }
        }
    }

    @discardableResult
    public static func write(checkpoint: LlamaCheckpoint, edit: ModelEdit, output: URL, force: Bool, hashing: Bool = true,
                             finalFiles: ((CheckpointWriter.Result) throws -> [(name: String, contents: [UInt8])])? = nil,
                             progress: ((Int, Int) -> Void)? = nil) throws -> CheckpointWriter.Result {
        try checkWritable(edit)
        let weights = checkpoint.weights
        let shape = checkpoint.config.layerShape
        var shards: [[TensorWriteSource]] = []
        for file in weights.files {
            var group: [TensorWriteSource] = []
            for name in file.tensorNames {
                guard let (k, _) = WeightName.parseLayer(name) else {
                    group.append(try .copy(name, from: weights))
                    continue
                }
                guard let newIndex = edit.newIndex(ofLayer: k) else { continue }
                let newName = WeightName.renumbered(name, to: newIndex)
                if let (_, part) = WeightName.parsePart(name), LayerEditing.changes(part, edit: edit.layers[k], shape: shape) {
                    group.append(try editedSource(name, part: part, newName: newName, weights: weights,
                                                  edit: edit.layers[k], shape: shape))
                } else {
                    group.append(try .copy(name, from: weights, as: newName))
                }
            }
            shards.append(group)
        }
        let config = try checkpoint.config.rewrittenJSON(keepingLayers: edit.keptLayers)
        var writer = CheckpointWriter(output: output, force: force, inputs: [checkpoint.directory])
        writer.hashing = hashing
        return try writer.write(shards: shards, files: [(name: "config.json", contents: LlamaConfig.configFileBytes(config))],
                                copying: weights.auxiliaryFiles(), finalFiles: finalFiles, progress: progress)
    }

    /// A tensor source producing `part` of a layer under `edit` (computed when the writer reaches it).
    static func editedSource(_ name: String, part: WeightName.LayerPart, newName: String, weights: SafeTensorsCheckpoint,
                             edit: LayerEdit, shape: LayerShape) throws -> TensorWriteSource {
        let info = try weights.tensorInfo(name)
        guard let storage = StorageType(rawValue: info.dtype.rawValue) else {
            throw PruningError.unsupportedTensor(name: name, reason: "must be F32, F16 or BF16 to absorb the plan's edit, found \(info.shapeDescription)")
        }
        let newShape = shape.edited(by: edit).shape(of: part) ?? info.shape
        return .floats(newName, shape: newShape, dtype: info.dtype) {
            defer { weights.releasePages(name) }
            let values = try weights.floats(name)
            return LayerEditing.edit(part, values: values, shape: info.shape, edit: edit, layerShape: shape,
                                     storage: storage)?.values ?? values
        }
    }
}
