import Llama

/// Which layers go, which stay and what each kept layer is renumbered to.
///
/// Spans are removed together from the original model: old layer k (kept) becomes new layer
/// `k − (number of removed layers below k)`.
public struct PruningPlan: Sendable, Equatable {
    public let numLayers: Int
    /// Removed spans, sorted by start, non-overlapping (adjacent spans should have been merged).
    public let spans: [Span]

    public init(numLayers: Int, spans: [Span]) throws {
        let sorted = spans.sorted { $0.start < $1.start }
        for s in sorted {
            guard s.count >= 1, s.start >= 1, s.end <= numLayers else {
                throw PruningError.spanOutOfRange(start: s.start, n: s.count, numLayers: numLayers)
            }
        }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.start < a.end {
            throw PruningError.shapeMismatch(what: "spans", expected: "non-overlapping spans",
                                             actual: "\(a) overlaps \(b)")
        }
        let removed = sorted.reduce(0) { $0 + $1.count }
        guard numLayers - removed >= 2 else { throw PruningError.spanTooLong(n: removed, numLayers: numLayers) }
        self.numLayers = numLayers
        self.spans = sorted
    }

    /// Removed layers, ascending.
    public var removedLayers: [Int] { spans.flatMap { Array($0.layers) } }
    /// Kept layers (old indices), ascending.
    public var keptLayers: [Int] {
        let removed = Set(removedLayers)
        return (0..<numLayers).filter { !removed.contains($0) }
    }
    public var outputLayerCount: Int { numLayers - removedLayers.count }

    /// New index of old layer `k`, or nil when it is removed.
    public func newIndex(ofLayer k: Int) -> Int? {
        var shift = 0
        for s in spans {
            if s.layers.contains(k) { return nil }
            if s.end <= k { shift += s.count }
        }
        return k - shift
    }

    /// The output name of an input tensor: layer tensors renumbered, removed layers' tensors nil, others unchanged.
    public func outputName(of name: String) -> String? {
        guard let (k, _) = WeightName.parseLayer(name) else { return name }
        return newIndex(ofLayer: k).map { WeightName.renumbered(name, to: $0) }
    }
}
