import Foundation

extension DistanceTable {
    /// A fixed-width table: one row per n, one column per start; `*` marks each row's minimum (the span pass 1
    /// would choose for that n). Blank cells are windows that do not fit.
    public func textTable() -> String {
        var s = "Mean angular distance d(start, n) between L_{start-1} and L_{start+n-1} "
            + "(\(tokens == .last ? "last token" : "all tokens") of \(samples) samples; * = lowest for that n)\n"
        let cell = 7
        func pad(_ x: String) -> String { String(repeating: " ", count: max(0, cell - x.count)) + x }
        s += "  n\\start" + (1..<numLayers).map { pad(String($0)) }.joined() + "\n"
        for n in 1...maxN {
            let best = bestStart(n: n)
            var line = String(repeating: " ", count: max(0, 9 - String(n).count)) + String(n)
            for start in 1..<numLayers {
                if start <= numLayers - n {
                    line += pad(String(format: "%.4f", distance(start: start, n: n)) + (start == best ? "*" : " "))
                } else {
                    line += pad("")
                }
            }
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
