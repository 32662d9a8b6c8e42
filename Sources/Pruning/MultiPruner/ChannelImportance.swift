import Llama
import TensorCore

/// MultiPruner's static, weight-only importance orders (its `--weight_reorder`), computed once before the search:
/// - MLP channel j of a layer: `s_j = ‖W_gate[j, :]‖₁ + ‖W_up[j, :]‖₁` (down_proj not scored);
/// - KV group G: the mean over its g·hd query rows r of `‖W_q[r]‖₁ + ‖W_k[kv(r)]‖₁ + ‖W_v[kv(r)]‖₁`, where
///   kv(r) = G·hd + (r mod hd) is the K/V row that HF's `repeat_kv` pairs with r; so
///   `S_G = mean_r ‖W_q[r]‖₁ + mean_{t<hd} (‖W_k[G·hd+t]‖₁ + ‖W_v[G·hd+t]‖₁)`.
/// Each order is by descending score (ties: the lower index first). MultiPruner permutes the weights by it and then
/// keeps prefixes; keeping the same sets in their original order computes the same function.
public struct ChannelImportance: Sendable, Equatable {
    /// Per layer, MLP channels by descending score: [L][I].
    public var mlpOrder: [[Int]]
    /// Per layer, KV groups by descending score: [L][KV].
    public var kvOrder: [[Int]]
    /// The scores themselves (for the report and tests): [L][I] and [L][KV].
    public var mlpScores: [[Double]]
    public var kvScores: [[Double]]

    /// Reads every layer once (Float32 widenings of the stored weights).
    public static func compute(source: LlamaWeightSource, progress: ((Int, Int) -> Void)? = nil) throws -> ChannelImportance {
        let g = source.geometry
        var weights = LayerWeights(geometry: g, biases: source.biasLayout)
        var result = ChannelImportance(mlpOrder: [], kvOrder: [], mlpScores: [], kvScores: [])
        for l in 0..<g.layerCount {
            try source.loadLayer(l, into: &weights)
            let (mlp, kv) = scores(weights, geometry: g)
            result.mlpScores.append(mlp); result.kvScores.append(kv)
            result.mlpOrder.append(descending(mlp)); result.kvOrder.append(descending(kv))
            progress?(l + 1, g.layerCount)
        }
        return result
    }

    /// (MLP channel scores [I], KV group scores [KV]) of one layer.
    static func scores(_ w: LayerWeights, geometry g: LlamaGeometry) -> ([Double], [Double]) {
        let d = g.hiddenSize, i = g.intermediateSize, hd = g.headDim, kv = g.kvHeads
        let groupSize = g.heads / kv
        let gate = rowL1(w.gate, rows: i, cols: d), up = rowL1(w.up, rows: i, cols: d)
        let q = rowL1(w.q, rows: g.heads * hd, cols: d)
        let k = rowL1(w.k, rows: kv * hd, cols: d), v = rowL1(w.v, rows: kv * hd, cols: d)
        let mlp = (0..<i).map { gate[$0] + up[$0] }
        let groups = (0..<kv).map { G -> Double in
            let qRows = (G * groupSize * hd)..<((G + 1) * groupSize * hd)
            let qMean = qRows.reduce(0.0) { $0 + q[$1] } / Double(qRows.count)
            let kvMean = (0..<hd).reduce(0.0) { $0 + k[G * hd + $1] + v[G * hd + $1] } / Double(hd)
            return qMean + kvMean
        }
        return (mlp, groups)
    }

    /// ‖x[r, :]‖₁ for every row of x: [rows, cols].
    static func rowL1(_ x: [Float], rows: Int, cols: Int) -> [Double] {
        var sums = [Double](repeating: 0, count: rows)
        x.withUnsafeBufferPointer { px in
            sums.withUnsafeMutableBufferPointer { ps in
                Statistics64.absRowSums(rows: rows, cols: cols, x: px.baseAddress!, sums: ps.baseAddress!)
            }
        }
        return sums
    }

    /// Indices by descending value, ties by ascending index.
    static func descending(_ values: [Double]) -> [Int] {
        values.indices.sorted { (values[$0], -$0) > (values[$1], -$1) }
    }
}
