import TensorCore

/// How a `LayerEdit` changes each tensor of a layer: the one routine behind both the edited model (which runs the
/// result in Float32) and the checkpoint writer (which stores it), so the two hold bit-identical weights.
///
/// Per tensor, in this order:
/// 1. selection, exact: kept query heads (the heads of the kept KV groups) are rows of q and its bias and columns
///    of o; kept KV groups are rows of k, v and their biases; kept MLP channels are rows of gate, up and their
///    biases and columns of down;
/// 2. fold, one rounding to the tensor's stored type (`WeightFold`): o and its bias ← s·(·); down ← s·Tᵀ·down and
///    its bias ← s·Tᵀ·bias (the bias is part of M, so M·T transforms it too).
/// Untouched tensors come back unchanged (nil from `edit`), so writers copy their bytes.
public enum LayerEditing {
    /// Rows and columns `part` keeps under `edit` (nil: all), for a layer of the checkpoint's `shape`.
    public static func selection(_ part: WeightName.LayerPart, edit: LayerEdit, shape: LayerShape)
        -> (rows: [Int]?, columns: [Int]?) {
        let hd = shape.headDim
        let heads = edit.kvGroups.map { groups in groups.flatMap { g in (g * shape.groupSize)..<((g + 1) * shape.groupSize) } }
        let queryRows = heads.map { hs in hs.flatMap { h in (h * hd)..<((h + 1) * hd) } }
        let kvRows = edit.kvGroups.map { gs in gs.flatMap { g in (g * hd)..<((g + 1) * hd) } }
        switch part {
        case .qProj, .qProjBias: return (queryRows, nil)
        case .kProj, .vProj, .kProjBias, .vProjBias: return (kvRows, nil)
        case .oProj: return (nil, queryRows)
        case .gateProj, .upProj, .gateProjBias, .upProjBias: return (edit.mlpChannels, nil)
        case .downProj: return (nil, edit.mlpChannels)
        default: return (nil, nil)
        }
    }

    /// Whether `edit` changes `part`'s values (selection or fold); false: the stored tensor is used as it is.
    public static func changes(_ part: WeightName.LayerPart, edit: LayerEdit, shape: LayerShape) -> Bool {
        let (rows, columns) = selection(part, edit: edit, shape: shape)
        return rows != nil || columns != nil || foldScale(part, edit: edit) != nil
    }

    /// The scale folded into `part` (nil: none); o and down carry s, down and its bias also T.
    static func foldScale(_ part: WeightName.LayerPart, edit: LayerEdit) -> Double? {
        switch part {
        case .oProj, .oProjBias: return edit.residualScale
        case .downProj, .downProjBias: return edit.residualScale ?? (edit.transform != nil ? 1 : nil)
        default: return nil
        }
    }

    /// `part` under `edit`: values [rows, cols] (cols = 1 for a vector) of the checkpoint's tensor, exact Float32
    /// widenings of the stored `storage` elements; returns the edited tensor and its shape, or nil when the edit
    /// leaves it unchanged.
    public static func edit(_ part: WeightName.LayerPart, values: [Float], shape tensorShape: [Int], edit: LayerEdit,
                            layerShape: LayerShape, storage: StorageType) -> (values: [Float], shape: [Int])? {
        guard changes(part, edit: edit, shape: layerShape) else { return nil }
        let (rowSel, colSel) = selection(part, edit: edit, shape: layerShape)
        let rows = tensorShape[0], cols = tensorShape.count == 2 ? tensorShape[1] : 1
        var out: [Float]
        var newRows = rows, newCols = cols
        if let rowSel {
            newRows = rowSel.count
            out = [Float](repeating: 0, count: newRows * cols)
            values.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    for (i, r) in rowSel.enumerated() {
                        (dst.baseAddress! + i * cols).update(from: src.baseAddress! + r * cols, count: cols)
                    }
                }
            }
        } else if let colSel {
            newCols = colSel.count
            out = [Float](repeating: 0, count: rows * newCols)
            for r in 0..<rows {
                for (j, c) in colSel.enumerated() { out[r * newCols + j] = values[r * cols + c] }
            }
        } else {
            out = values
        }
        if let s = foldScale(part, edit: edit) {
            let t = part == .downProj || part == .downProjBias ? edit.transform : nil
            out.withUnsafeMutableBufferPointer { w in
                if let t {
                    t.withUnsafeBufferPointer { tp in
                        WeightFold.foldInPlace(weight: w.baseAddress!, rows: newRows, cols: newCols, transform: tp.baseAddress!,
                                               scale: s, storage: storage)
                    }
                } else {
                    WeightFold.foldInPlace(weight: w.baseAddress!, rows: newRows, cols: newCols, transform: nil,
                                           scale: s, storage: storage)
                }
            }
        }
        return (out, tensorShape.count == 2 ? [newRows, newCols] : [newRows])
    }
}

extension LayerWeights {
    /// These (checkpoint-shaped) weights under `edit`; `storage(part)` is the stored type each tensor rounds to.
    public func edited(by edit: LayerEdit, storage: (WeightName.LayerPart) -> StorageType) -> LayerWeights {
        let newShape = shape.edited(by: edit)
        var w = LayerWeights(shape: newShape)
        for part in WeightName.LayerPart.allCases {
            guard newShape.shape(of: part) != nil, let values = self[part], let full = shape.shape(of: part) else { continue }
            w[part] = LayerEditing.edit(part, values: values, shape: full, edit: edit, layerShape: shape,
                                        storage: storage(part))?.values ?? values
        }
        return w
    }
}

extension LayerEditing {
    /// `part` under `edit` at the checkpoint's own widths (the zero-padded form of a heterogeneous edit, which a
    /// stock loader reads): instead of removing rows and columns, what the edit removes is zeroed where it meets
    /// the residual stream, and the folds apply as in `edit`:
    /// - a removed attention zeroes o and its bias (Y = X + 0), a removed MLP down and its bias (M = 0);
    /// - removed query heads zero their columns of o (their attention output reaches nothing);
    /// - removed MLP channels zero their columns of down (silu(gate)·up · 0 = 0).
    /// The result computes the edited layer's function; only summation order differs from the narrow form.
    /// Returns nil when the tensor is unchanged.
    public static func padded(_ part: WeightName.LayerPart, values: [Float], shape tensorShape: [Int], edit: LayerEdit,
                              layerShape: LayerShape, storage: StorageType) -> [Float]? {
        let rows = tensorShape[0], cols = tensorShape.count == 2 ? tensorShape[1] : 1
        var zeroColumns: [Int]? = nil, zeroAll = false
        switch part {
        case .oProj, .oProjBias:
            if !edit.attention { zeroAll = true } else if part == .oProj, let kept = selection(.oProj, edit: edit, shape: layerShape).columns {
                let keep = Set(kept); zeroColumns = (0..<cols).filter { !keep.contains($0) }
            }
        case .downProj, .downProjBias:
            if !edit.mlp { zeroAll = true } else if part == .downProj, let kept = edit.mlpChannels {
                let keep = Set(kept); zeroColumns = (0..<cols).filter { !keep.contains($0) }
            }
        default: break
        }
        var fold = edit
        fold.mlpChannels = nil; fold.kvGroups = nil
        let folds = foldScale(part, edit: fold) != nil && !zeroAll
        guard zeroAll || zeroColumns != nil || folds else { return nil }
        if zeroAll { return [Float](repeating: 0, count: values.count) }
        var out = values
        if let zeroColumns {
            for r in 0..<rows { for c in zeroColumns { out[r * cols + c] = 0 } }
        }
        if folds {
            out = LayerEditing.edit(part, values: out, shape: tensorShape, edit: fold, layerShape: layerShape, storage: storage)?.values ?? out
        }
        return out
    }
}
