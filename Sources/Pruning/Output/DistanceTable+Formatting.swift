import Foundation

extension DistanceTable {
    /// A fixed-width table: one row per n, one column per start; `*` marks each row's minimum (the span pass 1
    /// would choose for that n). Blank cells are windows that do not fit.
    public func textTable() -> String {
        var s = "Mean angular distance d(start, n) between L_{start-1} and L_{start+n-1} "
            + "(\(tokens == .last ? "last token" : "all tokens") of \(samples) samples; * = lowest for that n)\n"
        // Every cell is 8 characters: a 7-wide number and a marker.
        s += "  n\\start" + (1..<numLayers).map { String(format: "%7d ", $0) }.joined() + "\n"
        for n in 1...maxN {
            let best = bestStart(n: n)
            var line = String(format: "%9d", n)
            for start in 1..<numLayers {
                line += start <= numLayers - n
                    ? String(format: "%7.4f", distance(start: start, n: n)) + (start == best ? "*" : " ")
                    : String(repeating: " ", count: 8)
            }
            while line.hasSuffix(" ") { line.removeLast() }
            s += line + "\n"
        }
        return s
    }

    /// Long-format CSV: `n,start,end,kept_layer,distance` (end = last removed layer, 0-based).
    public func csv() -> String {
        var s = "n,start,end,kept_layer,distance\n"
        for n in 1...maxN {
            for start in 1...(numLayers - n) {
                s += "\(n),\(start),\(start + n - 1),\(start - 1),\(String(format: "%.10f", distance(start: start, n: n)))\n"
            }
        }
        return s
    }

    /// JSON: the table plus the best start per n.
    public func json() throws -> Data {
        struct Best: Codable { var n: Int; var start: Int; var distance: Double }
        struct Document: Codable { var table: DistanceTable; var best: [Best] }
        let doc = Document(table: self, best: (1...maxN).map { Best(n: $0, start: bestStart(n: $0),
                                                                       distance: distance(start: bestStart(n: $0), n: $0)) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(doc)
    }
}
