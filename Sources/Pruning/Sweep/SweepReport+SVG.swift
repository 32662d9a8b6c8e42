import Foundation

extension SweepReport {
    /// Perplexity (log scale) against the fraction of parameters removed: one line per method and text (colour
    /// per method, dash pattern per text), each text's dense perplexity as a grey reference line, labelled axes,
    /// ticks and a legend. Self-contained SVG 1.1.
    public func svg(title: String) -> String {
        let width = 940.0, height = 460.0, left = 70.0, right = 390.0, top = 50.0, bottom = 55.0
        let plotW = width - left - right, plotH = height - top - bottom
        let values = rows.flatMap(\.perplexity) + texts.map(\.densePerplexity)
        let finite = values.filter { $0.isFinite && $0 > 0 }
        let lo = pow(10, floor(log10(finite.min() ?? 1))), hi = pow(10, ceil(log10(max(finite.max() ?? 10, lo * 10))))
        let xMax = max(0.05, (rows.map(\.fractionOfParameters).max() ?? 0.3) * 1.1)
        func x(_ f: Double) -> Double { left + f / xMax * plotW }
        func y(_ p: Double) -> Double { top + (1 - (log10(min(max(p, lo), hi)) - log10(lo)) / (log10(hi) - log10(lo))) * plotH }
        let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
        let dashes = ["", "6,3", "2,3", "8,3,2,3"]
        var s = """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
        viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(left)" y="22" font-size="15" font-weight="bold">\(Self.escape(title))</text>
        <text x="\(left)" y="39" fill="#444">calibration \(calibrationSamples) × \(calibrationSeqLen) tokens; \
        evaluation windows of \(seqLen) tokens</text>
        <rect x="\(left)" y="\(top)" width="\(plotW)" height="\(plotH)" fill="none" stroke="#333"/>

        """
        // y ticks: every decade, with 2 and 5 between.
        var decade = lo
        while decade <= hi * 1.0001 {
            for m in [1.0, 2.0, 5.0] where decade * m <= hi * 1.0001 {
                let yy = y(decade * m)
                s += "<line x1=\"\(left)\" y1=\"\(yy)\" x2=\"\(left + plotW)\" y2=\"\(yy)\" stroke=\"#e5e5e5\"/>\n"
                s += "<text x=\"\(left - 6)\" y=\"\(yy + 4)\" text-anchor=\"end\">\(Self.number(decade * m))</text>\n"
            }
            decade *= 10
        }
        // x ticks every 5 % of parameters.
        var f = 0.0
        while f <= xMax + 1e-9 {
            let xx = x(f)
            s += "<line x1=\"\(xx)\" y1=\"\(top + plotH)\" x2=\"\(xx)\" y2=\"\(top + plotH + 5)\" stroke=\"#333\"/>\n"
            s += "<text x=\"\(xx)\" y=\"\(top + plotH + 19)\" text-anchor=\"middle\">\(Int((f * 100).rounded()))%</text>\n"
            f += 0.05
        }
        s += "<text x=\"\(left + plotW / 2)\" y=\"\(height - 12)\" text-anchor=\"middle\">parameters removed (of \(parameters.formatted()))</text>\n"
        s += "<text x=\"18\" y=\"\(top + plotH / 2)\" text-anchor=\"middle\" transform=\"rotate(-90 18 \(top + plotH / 2))\">perplexity (log scale)</text>\n"
        var legend: [(String, String, String)] = []
        for (ti, text) in texts.enumerated() {
            let yy = y(text.densePerplexity), dash = dashes[ti % dashes.count]
            s += "<line x1=\"\(left)\" y1=\"\(yy)\" x2=\"\(left + plotW)\" y2=\"\(yy)\" stroke=\"#888\" stroke-width=\"1.5\" stroke-dasharray=\"\(dash.isEmpty ? "1,3" : dash)\"/>\n"
            legend.append(("#888", dash.isEmpty ? "1,3" : dash, "dense, \(text.name)"))
        }
        let methods = rows.reduce(into: [String]()) { if !$0.contains($1.method) { $0.append($1.method) } }
        for (mi, method) in methods.enumerated() {
            let color = colors[mi % colors.count]
            let mine = rows.filter { $0.method == method }.sorted { $0.fractionOfParameters < $1.fractionOfParameters }
            for (ti, text) in texts.enumerated() {
                let dash = dashes[ti % dashes.count]
                let points = [(0.0, text.densePerplexity)] + mine.map { ($0.fractionOfParameters, $0.perplexity[ti]) }
                let path = points.map { "\(x($0.0)),\(y($0.1))" }.joined(separator: " ")
                s += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"")/>\n"
                for (px, py) in points.dropFirst() {
                    s += "<circle cx=\"\(x(px))\" cy=\"\(y(py))\" r=\"3.5\" fill=\"\(color)\"><title>\(method), \(text.name): \(Self.number(py))</title></circle>\n"
                }
                legend.append((color, dash, "\(method), \(text.name)"))
            }
        }
        for (i, (color, dash, label)) in legend.enumerated() {
            let ly = top + 10 + Double(i) * 20, lx = left + plotW + 15
            s += "<line x1=\"\(lx)\" y1=\"\(ly)\" x2=\"\(lx + 28)\" y2=\"\(ly)\" stroke=\"\(color)\" stroke-width=\"2\"\(dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"")/>\n"
            s += "<text x=\"\(lx + 34)\" y=\"\(ly + 4)\">\(Self.escape(label))</text>\n"
        }
        return s + "</svg>\n"
    }

    static func number(_ v: Double) -> String {
        v >= 100 ? String(format: "%.0f", v) : v >= 10 ? String(format: "%.1f", v) : String(format: "%.2f", v)
    }

    static func escape(_ s: String) -> String { DistanceTable.escape(s) }
}
