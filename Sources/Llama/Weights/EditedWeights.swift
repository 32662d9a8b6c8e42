import TensorCore

/// A depth-edited model seen as a plain, shorter one: layer j of this source is layer `keptLayers[j]` of `base`
/// with its `LayerEdit` applied (transform and residual scale folded, rounded to the stored dtype as a written
/// checkpoint would be); embeddings, final norm and head are the base's. Every stage that runs on a checkpoint
/// (distances, statistics, selection) then runs on the model pruned so far, with the edited model's own layer
/// numbering (`--iterative`).
///
/// Only edits that keep every kept layer whole and as wide as the base (no sub-block or channel removal) are
/// accepted, so the geometry stays uniform.
public final class EditedWeights: LlamaWeightSource {
    public let base: LlamaWeightSource
    public let edit: ModelEdit
    /// Base layer of each layer of this source.
    public let keptLayers: [Int]
    public let geometry: LlamaGeometry
    public var biasLayout: LayerBiasLayout { base.biasLayout }

    public init(base: LlamaWeightSource, edit: ModelEdit) throws {
        try edit.validate(geometry: base.geometry)
        for (k, e) in edit.layers.enumerated() where !e.isDropped {
            guard e.attention && e.mlp && e.mlpChannels == nil && e.kvGroups == nil else {
                throw LlamaError.invalidEdit(field: "layers[\(k)]", reason: "only whole-layer removal with transforms and scales can be re-run as a shorter model")
            }
        }
        self.base = base; self.edit = edit
        keptLayers = edit.keptLayers
        var g = base.geometry
        g.layerCount = keptLayers.count
        geometry = g
    }

    public func storageType(ofLayer layer: Int, _ part: WeightName.LayerPart) -> StorageType {
        base.storageType(ofLayer: keptLayers[layer], part)
    }

    public func loadLayer(_ layer: Int, into weights: inout LayerWeights) throws {
        let k = keptLayers[layer], e = edit.layers[k]
        try base.loadLayer(k, into: &weights)
        if e.changesWeights {
            weights = weights.edited(by: e) { self.base.storageType(ofLayer: k, $0) }
        }
    }

    public func gatherEmbeddings(_ tokens: UnsafeBufferPointer<Int32>, into out: UnsafeMutablePointer<Float>) throws {
        try base.gatherEmbeddings(tokens, into: out)
    }

    public func loadFinalNorm() throws -> [Float] { try base.loadFinalNorm() }

    public func loadHeadRows(_ rows: Range<Int>, into out: UnsafeMutablePointer<Float>) throws {
        try base.loadHeadRows(rows, into: out)
    }
}
