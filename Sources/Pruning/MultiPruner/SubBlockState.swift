import Llama

/// What is left of each decoder layer during a MultiPruner search: whether its attention and MLP sub-blocks
/// remain, how many MLP channels and KV groups it keeps. Which channels and groups those are comes from the
/// static L1 order (`ChannelImportance`): a layer keeping m channels keeps the first m of its order (MultiPruner's
/// function-preserving reorder followed by "keep the first m"), so the state is just counts.
public struct SubBlockState: Sendable, Equatable {
    public var attention: [Bool]          // [L]
    public var mlp: [Bool]                // [L]
    public var mlpWidth: [Int]            // [L] kept MLP channels (I when untouched)
    public var kvGroups: [Int]            // [L] kept KV groups (KV when untouched)

    /// The unpruned model of `geometry`.
    public init(geometry g: LlamaGeometry) {
        let l = g.layerCount
        attention = Array(repeating: true, count: l); mlp = Array(repeating: true, count: l)
        mlpWidth = Array(repeating: g.intermediateSize, count: l); kvGroups = Array(repeating: g.kvHeads, count: l)
    }

    /// One removal the search can make.
    public enum Removal: Sendable, Equatable, CustomStringConvertible {
        case attention(layer: Int)
        case mlp(layer: Int)
        /// `channels` MLP channels of `layer` (the last ones of its L1 order still kept).
        case mlpChannels(layer: Int, channels: Int)
        /// `groups` KV groups of `layer`, each with its query heads.
        case kvGroups(layer: Int, groups: Int)

        public var layer: Int {
            switch self {
            case .attention(let l), .mlp(let l), .mlpChannels(let l, _), .kvGroups(let l, _): return l
            }
        }
        /// The report's name for the kind of removal.
        public var kind: String {
            switch self {
            case .attention: return "attention"
            case .mlp: return "mlp"
            case .mlpChannels: return "mlp_channels"
            case .kvGroups: return "kv_groups"
            }
        }
        public var description: String {
            switch self {
            case .attention(let l): return "attention \(l)"
            case .mlp(let l): return "mlp \(l)"
            case .mlpChannels(let l, let c): return "\(c) MLP channels of \(l)"
            case .kvGroups(let l, let g): return "\(g) KV group\(g == 1 ? "" : "s") of \(l)"
            }
        }
    }

    /// This state after `removal`.
    public func applying(_ removal: Removal) -> SubBlockState {
        var s = self
        switch removal {
        case .attention(let l): s.attention[l] = false
        case .mlp(let l): s.mlp[l] = false
        case .mlpChannels(let l, let c): s.mlpWidth[l] -= c
        case .kvGroups(let l, let g): s.kvGroups[l] -= g
        }
        return s
    }

    /// Layers keeping at least one sub-block.
    public var liveLayers: Int { attention.indices.filter { attention[$0] || mlp[$0] }.count }

    /// The edit this state describes: removed sub-blocks skipped, the kept channels and groups the first ones of
    /// each layer's L1 order, listed ascending; untouched widths nil.
    public func edit(importance: ChannelImportance, geometry g: LlamaGeometry) -> ModelEdit {
        ModelEdit(layers: attention.indices.map { l in
            var e = LayerEdit(attention: attention[l], mlp: mlp[l])
            if mlp[l] && mlpWidth[l] < g.intermediateSize { e.mlpChannels = importance.mlpOrder[l].prefix(mlpWidth[l]).sorted() }
            if attention[l] && kvGroups[l] < g.kvHeads { e.kvGroups = importance.kvOrder[l].prefix(kvGroups[l]).sorted() }
            return e
        })
    }
}
