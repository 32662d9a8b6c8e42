import Llama

/// MultiPruner's parameter count (`count_parameters` in its `run_multipruner.py`): embeddings, the head when
/// untied, the final norm and every layer's two norms always count, even for removed sub-blocks; a kept attention
/// counts q, k, v, o (and their biases) at its kept widths, a kept MLP gate, up, down (and biases):
/// ```
/// P = V·D·(tied ? 1 : 2) + D + Σ_l [ 2D + attn_l + mlp_l ]
/// attn_l = 2·D·w + 2·D·w/g (+ biases), w = kept query width, g = H/KV;   mlp_l = 3·D·m (+ biases), m = kept channels
/// ```
/// The removed fraction is `1 − P(state) / P(dense)`.
public struct ParameterCount: Sendable {
    public let geometry: LlamaGeometry
    public let biases: LayerBiasLayout
    public let tiedEmbeddings: Bool

    public init(geometry: LlamaGeometry, biases: LayerBiasLayout, tiedEmbeddings: Bool) {
        self.geometry = geometry; self.biases = biases; self.tiedEmbeddings = tiedEmbeddings
    }

    static let attentionParts: [WeightName.LayerPart] = [.qProj, .kProj, .vProj, .oProj, .qProjBias, .kProjBias, .vProjBias, .oProjBias]
    static let mlpParts: [WeightName.LayerPart] = [.gateProj, .upProj, .downProj, .gateProjBias, .upProjBias, .downProjBias]

    /// P of the model `state` describes.
    public func parameters(_ state: SubBlockState) -> Int {
        let g = geometry, d = g.hiddenSize
        var total = g.vocabSize * d * (tiedEmbeddings ? 1 : 2) + d
        let full = LayerShape(geometry: g, biases: biases)
        for l in state.attention.indices {
            var shape = full
            shape.intermediateSize = state.mlpWidth[l]
            shape.kvHeads = state.kvGroups[l]
            shape.heads = state.kvGroups[l] * full.groupSize
            total += 2 * d
            if state.attention[l] { total += Self.count(Self.attentionParts, shape) }
            if state.mlp[l] { total += Self.count(Self.mlpParts, shape) }
        }
        return total
    }

    /// The fraction of the dense model's parameters `state` removes.
    public func removedFraction(_ state: SubBlockState) -> Double {
        1 - Double(parameters(state)) / Double(parameters(SubBlockState(geometry: geometry)))
    }

    static func count(_ parts: [WeightName.LayerPart], _ shape: LayerShape) -> Int {
        parts.reduce(0) { $0 + (shape.shape(of: $1)?.reduce(1, *) ?? 0) }
    }
}
