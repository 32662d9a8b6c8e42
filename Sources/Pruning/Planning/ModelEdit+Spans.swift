import Llama

extension ModelEdit {
    /// The edit that removes `spans` of whole blocks together from a model of `numLayers` layers (old layer k, kept,
    /// becomes `k − (removed layers below k)` when written), folding `transforms[k]` (T: [D, D] Float64) into
    /// kept layer k's down_proj. Spans must lie in 1...numLayers−1 (layer 0 stays), must not overlap, and leave at
    /// least two layers. `scales[k]` = s compensates the magnitude lost with the span whose kept layer is k: every
    /// kept layer after that span writes ÷ s (`residualScale`, products over several spans; see
    /// `ScaledTransformSolver` for why this equals scaling the prefix by s).
    public static func removing(spans: [Span], numLayers: Int, transforms: [Int: [Double]] = [:],
                                scales: [Int: Double] = [:]) throws -> ModelEdit {
        let sorted = spans.sorted { $0.start < $1.start }
        for s in sorted {
            guard s.count >= 1, s.start >= 1, s.end <= numLayers else {
                throw PruningError.spanOutOfRange(start: s.start, n: s.count, numLayers: numLayers)
            }
        }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.start < a.end {
            throw PruningError.shapeMismatch(what: "spans", expected: "non-overlapping spans", actual: "\(a) overlaps \(b)")
        }
        let removed = sorted.reduce(0) { $0 + $1.count }
        guard numLayers - removed >= 2 else { throw PruningError.spanTooLong(n: removed, numLayers: numLayers) }
        var edit = ModelEdit.identity(layerCount: numLayers)
        for s in sorted { for k in s.layers { edit.layers[k] = .dropped } }
        for (k, t) in transforms {
            guard edit.layers.indices.contains(k), !edit.layers[k].isDropped else {
                throw PruningError.shapeMismatch(what: "transform target", expected: "a kept layer", actual: "layer \(k)")
            }
            edit.layers[k].transform = t
        }
        for (k, scale) in scales {
            guard let span = sorted.first(where: { $0.keptLayer == k }) else {
                throw PruningError.shapeMismatch(what: "scale target", expected: "the kept layer of a span", actual: "layer \(k)")
            }
            for j in span.end..<numLayers where !edit.layers[j].isDropped {
                edit.layers[j].residualScale = (edit.layers[j].residualScale ?? 1) / scale
            }
        }
        return edit
    }
}
