import Foundation
import JSON
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
/// Layouts (`Layout`): `.uniform`, a stock Hugging Face checkpoint with one width for every layer and both
/// sub-blocks in each, refuses an edit that drops a sub-block or keeps some channels or KV groups
/// (`PruningError.planNotWritable`); `.perLayer` writes such an edit with physically smaller tensors (a removed
/// sub-block's tensors, its norm included, are left out) and describes it in config.json's `per_layer_config`
/// (Hugging Face's heterogeneity spec: per new layer index, `intermediate_size`, `num_attention_heads`,
/// `num_key_value_heads`, `skip: ["attention" | "mlp"]`, only where the layer differs); `.padded` writes the same
/// function at the original widths (`LayerEditing.padded`: zeros where something was removed), which unmodified
/// loaders read; `.decilm` writes the per-layer tensors with a DeciLM/Nemotron-NAS config.json (`DeciLM`:
/// `block_configs`, `model_type: nemotron-nas`), refusing, before anything is written, an edit DeciLM cannot express
/// (`checkDeciLM`). In all four, layers with neither sub-block are dropped and the rest renumbered.
public enum PrunedCheckpointWriter {
    public enum Layout: String, Sendable {
        case uniform, perLayer = "per-layer", padded, decilm
    }

    /// Refuses what `.decilm` cannot hold: a model with biases (DeciLM is a bias-free Llama here) or a layer
    /// `DeciLM.inexpressible` names (fewer query heads, an MLP width that is not a multiple of 256).
    public static func checkDeciLM(_ edit: ModelEdit, config c: LlamaConfig) throws {
        if let reason = deciLMModelProblem(c) { throw PruningError.invalidOption(name: "format", reason: "decilm: " + reason) }
        for k in edit.keptLayers {
            if let reason = DeciLM.inexpressible(c.layerShape.edited(by: edit.layers[k]), global: c.layerShape) {
                throw PruningError.formatCannotExpress(format: "decilm", layer: k, reason: reason)
            }
        }
    }

    /// Why a model of config `c` has no DeciLM form whatever the edit, or nil.
    public static func deciLMModelProblem(_ c: LlamaConfig) -> String? {
        guard c.modelType == "llama" || c.modelType == "mistral" else {
            return "DeciLM is a Llama; a \(c.modelType) checkpoint (q/k/v biases without an o_proj bias) has no DeciLM form (use --format per-layer, then `convert` to GGUF for llama.cpp)"
        }
        if c.qkvBias || c.outputBias || c.mlpBias { return "DeciLM configs here carry no biases, and this model has some" }
        return nil
    }

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
                             layout: Layout = .uniform, extraFiles: [(name: String, contents: [UInt8])] = [],
                             finalFiles: ((CheckpointWriter.Result) throws -> [(name: String, contents: [UInt8])])? = nil,
                             progress: ((Int, Int) -> Void)? = nil) throws -> CheckpointWriter.Result {
        if checkpoint.config.isHeterogeneous { throw PruningError.heterogeneousInput(path: checkpoint.directory.path) }
        if layout == .uniform { try checkWritable(edit) }
        if layout == .decilm { try checkDeciLM(edit, config: checkpoint.config) }
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
                let layerEdit = edit.layers[k]
                guard let (_, part) = WeightName.parsePart(name) else {
                    group.append(try .copy(name, from: weights, as: newName))
                    continue
                }
                if layout == .padded {
                    group.append(try paddedSource(name, part: part, newName: newName, weights: weights, edit: layerEdit, shape: shape))
                    continue
                }
                if shape.shape(of: part) != nil && shape.edited(by: layerEdit).shape(of: part) == nil { continue }  // removed sub-block
                if LayerEditing.changes(part, edit: layerEdit, shape: shape) {
                    group.append(try editedSource(name, part: part, newName: newName, weights: weights,
                                                  edit: layerEdit, shape: shape))
                } else {
                    group.append(try .copy(name, from: weights, as: newName))
                }
            }
            shards.append(group)
        }
        var config = try checkpoint.config.rewrittenJSON(keepingLayers: edit.keptLayers)
        if layout == .perLayer, let perLayer = perLayerConfig(edit, shape: shape) { config["per_layer_config"] = perLayer }
        if layout == .decilm { deciLMConfig(&config, edit: edit, shape: shape) }
        var writer = CheckpointWriter(output: output, force: force, inputs: [checkpoint.directory])
        writer.hashing = hashing
        return try writer.write(shards: shards, files: [(name: "config.json", contents: LlamaConfig.configFileBytes(config))] + extraFiles,
                                copying: weights.auxiliaryFiles(), finalFiles: finalFiles, progress: progress)
    }

    /// Hugging Face's `per_layer_config` for `edit` (keys: new layer indices; only layers that differ from the
    /// global config), or nil when every kept layer is uniform.
    static func perLayerConfig(_ edit: ModelEdit, shape: LayerShape) -> JSONValue? {
        var map = JSONObject()
        for k in edit.keptLayers {
            let e = edit.layers[k], s = shape.edited(by: e)
            var o = JSONObject()
            if e.mlp && s.intermediateSize != shape.intermediateSize { o["intermediate_size"] = .int(s.intermediateSize) }
            if e.attention && s.kvHeads != shape.kvHeads {
                o["num_attention_heads"] = .int(s.heads)
                o["num_key_value_heads"] = .int(s.kvHeads)
            }
            let skip = (e.attention ? [] : ["attention"]) + (e.mlp ? [] : ["mlp"])
            if !skip.isEmpty { o["skip"] = .array(skip.map { .string($0) }) }
            if o.count > 0 { map[String(edit.newIndex(ofLayer: k)!)] = .object(o) }
        }
        return map.count == 0 ? nil : .object(map)
    }

    /// Turns the rewritten config into DeciLM's: `model_type` and `architectures`, and `block_configs` (one per
    /// kept layer). The global widths stay (the input's: the widest layer), as does every other key.
    static func deciLMConfig(_ config: inout JSONObject, edit: ModelEdit, shape: LayerShape) {
        config["model_type"] = .string(DeciLM.modelType)
        config["architectures"] = .array([.string(DeciLM.architecture)])
        config["block_configs"] = DeciLM.blockConfigs(edit.keptLayers.map { shape.edited(by: edit.layers[$0]) })
    }

    /// A tensor source for `part` at the checkpoint's widths under `edit` (`LayerEditing.padded`), or a byte copy
    /// when the edit leaves it unchanged.
    static func paddedSource(_ name: String, part: WeightName.LayerPart, newName: String, weights: SafeTensorsCheckpoint,
                             edit: LayerEdit, shape: LayerShape) throws -> TensorWriteSource {
        let info = try weights.tensorInfo(name)
        var probe = edit
        probe.mlpChannels = nil; probe.kvGroups = nil
        let touched = !edit.attention || !edit.mlp || edit.mlpChannels != nil || edit.kvGroups != nil
            || LayerEditing.changes(part, edit: probe, shape: shape)
        guard touched, [.oProj, .oProjBias, .downProj, .downProjBias].contains(part) else {
            return try .copy(name, from: weights, as: newName)
        }
        guard let storage = StorageType(rawValue: info.dtype.rawValue) else {
            throw PruningError.unsupportedTensor(name: name, reason: "must be F32, F16 or BF16 to absorb the plan's edit, found \(info.shapeDescription)")
        }
        return .floats(newName, shape: info.shape, dtype: info.dtype) {
            defer { weights.releasePages(name) }
            let values = try weights.floats(name)
            return LayerEditing.padded(part, values: values, shape: info.shape, edit: edit, layerShape: shape, storage: storage) ?? values
        }
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
