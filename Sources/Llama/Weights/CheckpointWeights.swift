import Foundation
import SafeTensors
import TensorCore

/// A `LlamaWeightSource` over a memory-mapped Hugging Face checkpoint directory (single file or sharded).
///
/// Nothing is read at open time but headers and config.json. Each request converts just the tensors it needs
/// to Float32 (F32, F16 or BF16 on disk), checks finiteness (errors name the tensor; names and shapes were
/// checked against config.json when the checkpoint was opened), and then drops
/// the tensor's file pages from the resident set, so streaming a model larger than RAM keeps memory flat.
/// The embedding is read row by row (only the rows of the batch's tokens); the head in row ranges.
public final class CheckpointWeights: LlamaWeightSource {
    /// The opened checkpoint (config and weights already checked against each other: names and shapes).
    public let checkpoint: LlamaCheckpoint
    public let geometry: LlamaGeometry
    public let biasLayout: LayerBiasLayout
    /// `lm_head.weight`, or the embedding when tied.
    let headName: String
    var tensors: SafeTensorsCheckpoint { checkpoint.weights }

    public convenience init(directory: URL) throws {
        try self.init(checkpoint: LlamaCheckpoint(directory: directory))
    }

    public init(checkpoint: LlamaCheckpoint) throws {
        self.checkpoint = checkpoint
        self.geometry = try LlamaGeometry(config: checkpoint.config)
        self.biasLayout = LayerBiasLayout(config: checkpoint.config)
        self.headName = checkpoint.outputProjectionName
    }

    public func storageType(ofLayer layer: Int, _ part: WeightName.LayerPart) -> StorageType {
        tensors.info(WeightName.layer(layer, part)).flatMap { StorageType(rawValue: $0.dtype.rawValue) } ?? .f32
    }

    public func loadLayer(_ layer: Int, into w: inout LayerWeights) throws {
        // Shapes match `w` because the checkpoint was validated against the config when opened; a layer that
        // `per_layer_config` narrows is widened with zeros (`readPadded`).
        let stored = checkpoint.config.layerShape(ofLayer: layer)
        func read(_ part: WeightName.LayerPart, _ dst: inout [Float]) throws {
            if stored != w.shape { return try readPadded(part, stored: stored, full: w.shape, into: &dst) }
            try dst.withUnsafeMutableBufferPointer { try convert(WeightName.layer(layer, part), into: $0) }
        }
        func readPadded(_ part: WeightName.LayerPart, stored: LayerShape, full: LayerShape, into dst: inout [Float]) throws {
            // The stored [r, c] block goes to the top-left of the full [R, C] one: the kept query heads, KV groups and
            // MLP channels become the first ones (q head j stays in group j / g), the rest zero; an absent tensor
            // (a skipped sub-block) is all zeros, so the sub-block adds nothing to the stream.
            for i in dst.indices { dst[i] = 0 }
            guard let small = stored.shape(of: part), let big = full.shape(of: part) else { return }
            var values = [Float](repeating: 0, count: small.reduce(1, *))
            try values.withUnsafeMutableBufferPointer { try convert(WeightName.layer(layer, part), into: $0) }
            let rows = small[0], cols = small.count == 2 ? small[1] : 1, bigCols = big.count == 2 ? big[1] : 1
            for r in 0..<rows { for c in 0..<cols { dst[r * bigCols + c] = values[r * cols + c] } }
        }
        func readBias(_ part: WeightName.LayerPart, _ dst: inout [Float]?) throws {
            guard var b = dst else { return }
            dst = nil  // keep `b` uniquely referenced so it is written in place
            try read(part, &b)
            dst = b
        }
        try read(.inputNorm, &w.inputNorm)
        try read(.qProj, &w.q)
        try read(.kProj, &w.k)
        try read(.vProj, &w.v)
        try read(.oProj, &w.o)
        try read(.postAttentionNorm, &w.postAttentionNorm)
        try read(.gateProj, &w.gate)
        try read(.upProj, &w.up)
        try read(.downProj, &w.down)
        try readBias(.qProjBias, &w.qBias)
        try readBias(.kProjBias, &w.kBias)
        try readBias(.vProjBias, &w.vBias)
        try readBias(.oProjBias, &w.oBias)
        try readBias(.gateProjBias, &w.gateBias)
        try readBias(.upProjBias, &w.upBias)
        try readBias(.downProjBias, &w.downBias)
    }

    public func gatherEmbeddings(_ tokens: UnsafeBufferPointer<Int32>, into out: UnsafeMutablePointer<Float>) throws {
        let d = geometry.hiddenSize
        for (t, id) in tokens.enumerated() {
            try convertRows(WeightName.embedTokens, rows: Int(id)..<(Int(id) + 1), into: out + t * d)
        }
        tensors.releasePages(WeightName.embedTokens)
    }

    public func loadFinalNorm() throws -> [Float] {
        var w = [Float](repeating: 0, count: geometry.hiddenSize)
        try w.withUnsafeMutableBufferPointer { try convert(WeightName.finalNorm, into: $0) }
        return w
    }

    public func loadHeadRows(_ rows: Range<Int>, into out: UnsafeMutablePointer<Float>) throws {
        try convertRows(headName, rows: rows, into: out)
        tensors.releasePages(headName)
    }

    // MARK: conversion

    /// Whole tensor → Float32 into `dst` (exactly its element count), checked, then its pages released.
    /// (Presence and shape were checked when the checkpoint was opened.)
    func convert(_ name: String, into dst: UnsafeMutableBufferPointer<Float>) throws {
        try tensors.floats(name, into: dst)
        tensors.releasePages(name)
        try FiniteCheck.require(dst.baseAddress!, count: dst.count, tensor: name, offset: 0)
    }

    /// Rows `rows` of a [N, D] tensor → Float32 into out: [rows.count, D], checked.
    func convertRows(_ name: String, rows: Range<Int>, into out: UnsafeMutablePointer<Float>) throws {
        let d = geometry.hiddenSize
        let info = try tensors.tensorInfo(name)
        let count = rows.count * d
        try tensors.withRawBytes(name) { raw in
            guard let type = StorageType(rawValue: info.dtype.rawValue) else {
                throw SafeTensorsError.unsupportedDType(tensor: name, dtype: info.dtype, operation: "conversion to Float32")
            }
            type.widen(raw.baseAddress! + rows.lowerBound * d * type.byteSize, out, count: count)
        }
        try FiniteCheck.require(out, count: count, tensor: name, offset: rows.lowerBound * d)
    }
}
