import Foundation

extension DistanceTable {
    /// A heat map: x = start (first removed layer), y = n (span length), colour = distance (dark = low, i.e. a
    /// cheap span), each row's minimum outlined, with axes and a colour bar. Self-contained SVG 1.1.
    public func svg(title: String = "ReplaceMe angular distance") -> String {
        let cell = 22.0, left = 60.0, top = 50.0
        let cols = numLayers - 1, rowsN = maxN
        let width = left + Double(cols) * cell + 110, height = top + Double(rowsN) * cell + 60
        let values = rows.flatMap { $0 }.filter(\.isFinite)
        let lo = values.min() ?? 0, hi = max(values.max() ?? 1, lo + 1e-12)
        var s = """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
        viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="11">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(left)" y="20" font-size="14" font-weight="bold">\(Self.escape(title))</text>
        <text x="\(left)" y="36" fill="#444">d(start, n): \(tokens == .last ? "last token" : "all tokens"), \
        \(samples) samples; outlined = lowest per n</text>

        """
        for n in 1...rowsN {
            let y = top + Double(n - 1) * cell
            s += "<text x=\"\(left - 8)\" y=\"\(y + cell * 0.68)\" text-anchor=\"end\">\(n)</text>\n"
            let best = bestStart(n: n)
            for start in 1...(numLayers - n) {
                let v = distance(start: start, n: n)
                let x = left + Double(start - 1) * cell
                let color = Self.color((v - lo) / (hi - lo))
                s += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(cell)\" height=\"\(cell)\" fill=\"\(color)\">"
                    + "<title>start \(start), n \(n): \(String(format: "%.4f", v))</title></rect>\n"
                if start == best {
                    s += "<rect x=\"\(x + 1)\" y=\"\(y + 1)\" width=\"\(cell - 2)\" height=\"\(cell - 2)\" fill=\"none\" "
                        + "stroke=\"#e8112d\" stroke-width=\"2\"/>\n"
                }
            }
        }
        let axisY = top + Double(rowsN) * cell
        for start in 1...cols where cols <= 40 || start % 2 == 1 {
            s += "<text x=\"\(left + (Double(start) - 0.5) * cell)\" y=\"\(axisY + 14)\" text-anchor=\"middle\">\(start)</text>\n"
        }
        s += "<text x=\"\(left + Double(cols) * cell / 2)\" y=\"\(axisY + 32)\" text-anchor=\"middle\">"
            + "start (first removed layer)</text>\n"
        s += "<text x=\"18\" y=\"\(top + Double(rowsN) * cell / 2)\" text-anchor=\"middle\" "
            + "transform=\"rotate(-90 18 \(top + Double(rowsN) * cell / 2))\">n (layers removed)</text>\n"
        // Colour bar.
        let barX = left + Double(cols) * cell + 30, barH = Double(rowsN) * cell
        for i in 0..<50 {
            let f = 1 - Double(i) / 49
            s += "<rect x=\"\(barX)\" y=\"\(top + Double(i) * barH / 50)\" width=\"14\" height=\"\(barH / 50 + 0.5)\" "
                + "fill=\"\(Self.color(f))\"/>\n"
        }
        s += "<text x=\"\(barX + 18)\" y=\"\(top + 9)\">\(String(format: "%.3f", hi))</text>\n"
        s += "<text x=\"\(barX + 18)\" y=\"\(top + barH)\">\(String(format: "%.3f", lo))</text>\n"
        s += "</svg>\n"
        return s
    }

    /// A perceptually ordered dark-blue → teal → yellow ramp (viridis-like) for f in [0, 1].
    static func color(_ f: Double) -> String {
        let stops: [(Double, Double, Double)] = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]
        let x = min(1, max(0, f.isFinite ? f : 1)) * Double(stops.count - 1)
        let i = min(Int(x), stops.count - 2), t = x - Double(i)
        let a = stops[i], b = stops[i + 1]
        func mix(_ p: Double, _ q: Double) -> Int { Int((p + (q - p) * t).rounded()) }
        return String(format: "#%02x%02x%02x", mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
