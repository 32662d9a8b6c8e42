import Foundation

/// What a sweep measured: per configuration (method × layers removed) the chosen span, the parameters removed and
/// the perplexity on each evaluation text with its ratio to the dense model; the distance table; timings.
public struct SweepReport: Codable, Sendable {
    public struct Text: Codable, Sendable {
        public var name: String
        public var windows: Int
        public var tokens: Int
        public var densePerplexity: Double
    }

    public struct Row: Codable, Sendable {
        public var method: String
        public var layersRemoved: Int
        public var parametersRemoved: Int
        /// Of all the model's parameters (embeddings, head and norms counted).
        public var fractionOfParameters: Double
        /// Removed layers `spanStart...spanEnd` (0-based); for MultiPruner and BlockPruner the first and last layer
        /// they changed.
        public var spanStart: Int
        public var spanEnd: Int
        /// The span's mean angular distance (nil for MultiPruner and BlockPruner, which remove no span).
        public var distance: Double?
        /// The least-squares fit's relative residual (nil without a transform).
        public var relativeResidual: Double?
        /// s of magnitude compensation (nil without).
        public var scale: Double?
        /// A joint optimum s ≤ 0 that compensation refused (plain T instead; nil otherwise).
        public var rejectedScale: Double?
        /// Per text, in `texts` order.
        public var perplexity: [Double]
        public var ratioToDense: [Double]
        /// Seconds spent evaluating this configuration (all texts).
        public var evalSeconds: Double
        /// Every removed layer, when they are not the one span `spanStart...spanEnd` (iterative removal).
        public var layers: [Int]? = nil
        /// True when the configuration ran calibration passes of its own (`Method.needsOwnPasses`, MultiPruner).
        public var ownPasses: Bool? = nil
        /// MultiPruner and BlockPruner: what the search removed ("7 attn, 2 mlp, 21×192 ch, 1 kv"), at the
        /// parameter share of `layersRemoved` whole blocks.
        public var removed: String? = nil

        /// "12-19", or "13-18,25-26" when the removed layers are not one span, or what MultiPruner removed.
        public var spanText: String {
            if let removed { return removed }
            guard let layers else { return "\(spanStart)-\(spanEnd)" }
            var runs: [String] = [], first = layers[0], last = layers[0]
            for l in layers.dropFirst() + [Int.min] {
                if l == last + 1 { last = l; continue }
                runs.append(first == last ? "\(first)" : "\(first)-\(last)")
                first = l; last = l
            }
            return runs.joined(separator: ",")
        }
    }

    public var input: String
    public var inputLayers: Int
    public var parameters: Int
    public var calibrationSamples: Int
    public var calibrationSeqLen: Int
    public var seqLen: Int
    public var texts: [Text]
    public var rows: [Row]
    public var distances: DistanceTable
    public var timings: [String: Double]
    public var peakMemoryBytes: Int
    /// Pass 1's fitting of every candidate window (nil when no method needs statistics): the candidates over all n,
    /// how many were still fitted at the end of each batch, and whether a chosen span the screen had dropped
    /// needed a second pass.
    public var fusedPass: PruneReport.FusedPass? = nil

    public func jsonData() throws -> Data { try ReportJSON.encode(self) }

    /// The row of `method` with `n` layers removed.
    public func row(method: String, layersRemoved n: Int) -> Row? {
        rows.first { $0.method == method && $0.layersRemoved == n }
    }

    /// For each layer count (ascending), the index in `rows` of the best configuration: the lowest geometric mean
    /// over the texts of its perplexity ratio to dense (ties: the earlier row).
    public func bestRows() -> [Int] {
        func score(_ r: Row) -> Double { r.ratioToDense.map { Foundation.log($0) }.reduce(0, +) / Double(max(r.ratioToDense.count, 1)) }
        return Set(rows.map(\.layersRemoved)).sorted().map { n in
            rows.indices.filter { rows[$0].layersRemoved == n }.min { (score(rows[$0]), $0) < (score(rows[$1]), $1) }!
        }
    }

    /// An aligned text table: one line per configuration, perplexity and ratio per text.
    public func textTable() -> String {
        var header = ["method", "n", "params", "layers removed"]
        for t in texts { header += ["\(t.name) ppl", "×dense"] }
        var lines = [header]
        lines.append(["dense", "0", "0%", "-"] + texts.flatMap { [String(format: "%.2f", $0.densePerplexity), "1.00"] })
        for r in rows {
            var cells = [r.method + (r.ownPasses == true ? " *" : ""), "\(r.layersRemoved)",
                         String(format: "%.1f%%", 100 * r.fractionOfParameters), r.spanText]
            for i in texts.indices { cells += [String(format: "%.2f", r.perplexity[i]), String(format: "%.2f", r.ratioToDense[i])] }
            lines.append(cells)
        }
        let widths = header.indices.map { c in lines.map { $0[c].count }.max() ?? 0 }
        return lines.map { cells in
            cells.enumerated().map { c, cell in c < 2 ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                                               : String(repeating: " ", count: widths[c] - cell.count) + cell }
                .joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
            + (rows.contains { $0.ownPasses == true } ? "* ran its own calibration passes (not shared with the other configurations)\n" : "")
            + (rows.contains { $0.removed != nil } ? "multipruner/blockpruner rows: n is the parameter share of n whole blocks, searched on their own calibration\n" : "")
    }

    /// CSV with a header: method, layers removed, parameters removed, fraction, span, then perplexity and ratio
    /// per text, then the removed layers as text ("13-18,25-26", quoted) and whether the configuration ran its own
    /// passes; the dense model is the row with method "dense".
    public func csv() -> String {
        var out = "method,layers_removed,parameters_removed,fraction_of_parameters,span_start,span_end"
        for t in texts { out += ",perplexity_\(Self.csvName(t.name)),ratio_\(Self.csvName(t.name))" }
        out += ",layers_removed_list,own_passes\n" + "dense,0,0,0,,"
        for t in texts { out += ",\(t.densePerplexity),1" }
        out += ",,\n"
        for r in rows {
            out += "\(r.method),\(r.layersRemoved),\(r.parametersRemoved),\(r.fractionOfParameters),\(r.spanStart),\(r.spanEnd)"
            for i in texts.indices { out += ",\(r.perplexity[i]),\(r.ratioToDense[i])" }
            out += ",\"\(r.spanText)\",\(r.ownPasses == true)\n"
        }
        return out
    }

    static func csvName(_ s: String) -> String { String(s.map { $0.isLetter || $0.isNumber ? $0 : "_" }) }
}
