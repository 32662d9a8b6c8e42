/// A pruning plan as the model sees it: one `LayerEdit` per layer of the checkpoint (identity where untouched).
///
/// `LlamaModel.forward(_, edit:)` runs it without writing anything; a checkpoint writer removes the dropped
/// layers (renumbering the rest: old layer k becomes `newIndex(ofLayer: k)`), folds the transforms and scales, and
/// slices the kept channels and groups, so the written checkpoint computes what the edited model computes.
public struct ModelEdit: Sendable, Equatable {
    public var layers: [LayerEdit]

    public init(layers: [LayerEdit]) { self.layers = layers }

    /// The unedited model of `layerCount` layers.
    public static func identity(layerCount: Int) -> ModelEdit {
        ModelEdit(layers: Array(repeating: LayerEdit(), count: layerCount))
    }

    public var layerCount: Int { layers.count }
    public var isIdentity: Bool { layers.allSatisfy(\.isIdentity) }
    /// Layers removed whole, ascending (old indices).
    public var droppedLayers: [Int] { layers.indices.filter { layers[$0].isDropped } }
    /// Layers that remain in a written checkpoint, ascending (old indices).
    public var keptLayers: [Int] { layers.indices.filter { !layers[$0].isDropped } }
    public var outputLayerCount: Int { keptLayers.count }

    /// New index of old layer k in a written checkpoint, or nil when the layer is dropped.
    public func newIndex(ofLayer k: Int) -> Int? {
        guard layers.indices.contains(k), !layers[k].isDropped else { return nil }
        return layers[..<k].filter { !$0.isDropped }.count
    }

    /// Checks the edit against the model it is for; errors name the layer and the field.
    public func validate(geometry g: LlamaGeometry) throws {
        guard layers.count == g.layerCount else {
            throw LlamaError.invalidEdit(field: "layers", reason: "the edit is for \(layers.count) layers, the model has \(g.layerCount)")
        }
        guard outputLayerCount >= 1 else {
            throw LlamaError.invalidEdit(field: "layers", reason: "every layer is dropped; at least one must remain")
        }
        let d = g.hiddenSize
        for (k, e) in layers.enumerated() {
            if let c = e.mlpChannels {
                try Self.checkSubset(c, below: g.intermediateSize, field: "layers[\(k)].mlp_channels", what: "MLP channel")
            }
            if let kv = e.kvGroups {
                try Self.checkSubset(kv, below: g.kvHeads, field: "layers[\(k)].kv_groups", what: "KV group")
            }
            if let t = e.transform {
                guard t.count == d * d else {
                    throw LlamaError.invalidEdit(field: "layers[\(k)].transform",
                                                 reason: "has \(t.count) values, expected \(d)×\(d) = \(d * d) (hidden_size \(d))")
                }
                guard e.mlp else {
                    throw LlamaError.invalidEdit(field: "layers[\(k)].transform", reason: "the layer's MLP is dropped, so there is no down_proj to fold it into")
                }
                if let bad = t.firstIndex(where: { !$0.isFinite }) {
                    throw LlamaError.invalidEdit(field: "layers[\(k)].transform", reason: "value \(bad) is \(t[bad])")
                }
            }
            if let s = e.residualScale, !(s.isFinite && s > 0) {
                throw LlamaError.invalidEdit(field: "layers[\(k)].residual_scale", reason: "\(s) is not a positive finite number")
            }
        }
    }

    static func checkSubset(_ values: [Int], below limit: Int, field: String, what: String) throws {
        guard !values.isEmpty else {
            throw LlamaError.invalidEdit(field: field, reason: "keeps no \(what); drop the sub-block instead")
        }
        for (i, v) in values.enumerated() {
            guard (0..<limit).contains(v) else {
                throw LlamaError.invalidEdit(field: field, reason: "\(what) \(v) is out of range 0..<\(limit)")
            }
            if i > 0 && values[i - 1] >= v {
                throw LlamaError.invalidEdit(field: field, reason: "must be ascending and distinct (\(values[i - 1]) then \(v))")
            }
        }
    }
}
