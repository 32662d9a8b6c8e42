import TensorCore

extension ModelEdit {
    /// This edit followed by `next`, an edit of the model this one leaves (`EditedWeights`: its layer j is this
    /// edit's `keptLayers[j]`), as one edit of the original model. Per kept layer the two compose exactly:
    /// scales multiply and transforms chain (M·T₁ then ·T₂ is M·(T₁·T₂)); layers `next` drops are dropped.
    /// Only whole-layer edits (transforms, scales, dropped layers) compose this way.
    public func followed(by next: ModelEdit) throws -> ModelEdit {
        let kept = keptLayers
        guard next.layerCount == kept.count else {
            throw LlamaError.invalidEdit(field: "layers", reason: "the next edit is for \(next.layerCount) layers, this one leaves \(kept.count)")
        }
        var out = self
        for (j, e) in next.layers.enumerated() {
            let k = kept[j]
            guard e.mlpChannels == nil && e.kvGroups == nil && (e.attention == e.mlp) else {
                throw LlamaError.invalidEdit(field: "layers[\(j)]", reason: "only whole-layer edits compose")
            }
            if e.isDropped { out.layers[k] = .dropped; continue }
            if let t2 = e.transform {
                if let t1 = out.layers[k].transform {
                    let d = Int(Double(t1.count).squareRoot())
                    out.layers[k].transform = Self.product(t1, t2, d)
                } else {
                    out.layers[k].transform = t2
                }
            }
            if let s = e.residualScale { out.layers[k].residualScale = (out.layers[k].residualScale ?? 1) * s }
        }
        return out
    }

    /// A·B of two [D, D] row-major matrices (Float64, once per composed layer).
    static func product(_ a: [Double], _ b: [Double], _ d: Int) -> [Double] {
        var c = [Double](repeating: 0, count: d * d)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    Gemm64.dgemm(m: d, n: d, k: d, a: pa.baseAddress!, lda: d, b: pb.baseAddress!, ldb: d, transB: true,
                                 c: pc.baseAddress!, ldc: d)
                }
            }
        }
        return c
    }
}
