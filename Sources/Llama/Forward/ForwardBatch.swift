/// Several token sequences pushed through the model together, stacked into one `[R, ·]` activation matrix.
///
/// Sample `s` occupies rows `sampleRows[s]` of every activation (its token `t` is row
/// `sampleRows[s].lowerBound + t`, at position `t`). Samples never attend to each other; there is no padding.
public struct ForwardBatch: Sendable, Equatable {
    /// All tokens, sample after sample: [R].
    public let tokens: [Int32]
    /// Row range of each sample inside `tokens` and inside every activation matrix.
    public let sampleRows: [Range<Int>]

    public init(samples: [[Int32]]) {
        var tokens: [Int32] = []
        tokens.reserveCapacity(samples.reduce(0) { $0 + $1.count })
        var ranges: [Range<Int>] = []
        for s in samples {
            ranges.append(tokens.count..<(tokens.count + s.count))
            tokens.append(contentsOf: s)
        }
        self.tokens = tokens
        self.sampleRows = ranges
    }

    /// Total rows R.
    public var rows: Int { tokens.count }
    public var sampleCount: Int { sampleRows.count }
    /// Longest sample.
    public var maxLength: Int { sampleRows.map(\.count).max() ?? 0 }
}
