/// A contiguous run of transformer blocks to remove, in 0-based layer indices: layers `start ..< start + count`.
///
/// The block `start - 1` is kept and absorbs the linear transform (its MLP down-projection is folded with T).
/// `start` is the reference implementation's CSV `block_start` (its window index l is `start - 1`): the window
/// compares `L_{start-1}` (the input of layer `start`) with `L_{start+count-1}` (the output of the last removed
/// layer). Layer 0 is never removed, so `start ≥ 1`.
public struct Span: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    /// First removed layer (0-based).
    public var start: Int
    /// Number of removed layers (n).
    public var count: Int

    public init(start: Int, count: Int) {
        self.start = start
        self.count = count
    }

    /// One past the last removed layer.
    public var end: Int { start + count }
    /// The kept layer whose down-projection absorbs the transform.
    public var keptLayer: Int { start - 1 }
    /// The last removed layer; its output `L_{lastRemoved}` is the regression target's residual stream.
    public var lastRemoved: Int { end - 1 }
    /// The removed layers.
    public var layers: Range<Int> { start..<end }

    public var description: String { "layers \(start)...\(end - 1) (\(count) removed, layer \(keptLayer) absorbs T)" }
}
