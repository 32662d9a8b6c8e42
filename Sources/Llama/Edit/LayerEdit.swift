/// What a pruning plan does to one decoder layer. The identity (`LayerEdit()`) keeps it as it is.
///
/// With the layer's input X = L_{k-1}, scale s (1 when nil), transform T (I when nil), kept channels C and kept
/// KV groups K (all when nil), the edited layer computes
/// ```
/// Y = X + s·Attn_K(RMSNorm_in(X))            (Y = X when `attention` is false)
/// M = s·MLP_C(RMSNorm_post(Y))·T             (M = 0 when `mlp` is false)
/// L = Y + M
/// ```
/// where Attn_K runs only the KV groups in K with their query heads (head h belongs to group h / (H/KV)) and
/// o_proj's matching input columns, and MLP_C only the channels in C (rows of gate/up, columns of down). Both
/// are exactly what a checkpoint with those rows/columns removed computes; s and T fold into o_proj/down_proj
/// (`W_o ← s·W_o`, `W_down ← s·Tᵀ·W_down`, biases likewise), so the edited model equals the written one.
public struct LayerEdit: Sendable, Equatable {
    /// Keep the attention sub-block.
    public var attention: Bool
    /// Keep the MLP sub-block.
    public var mlp: Bool
    /// Kept MLP channels (ascending, distinct, in 0..<I); nil keeps all.
    public var mlpChannels: [Int]?
    /// Kept KV groups (ascending, distinct, in 0..<KV), each with its query heads; nil keeps all.
    public var kvGroups: [Int]?
    /// T: [D, D] Float64 row-major applied to the MLP output (M ← M·T); nil is the identity.
    public var transform: [Double]?
    /// s: the scalar on what the layer writes into the residual stream; nil is 1.
    public var residualScale: Double?

    public init(attention: Bool = true, mlp: Bool = true, mlpChannels: [Int]? = nil, kvGroups: [Int]? = nil,
                transform: [Double]? = nil, residualScale: Double? = nil) {
        self.attention = attention; self.mlp = mlp; self.mlpChannels = mlpChannels; self.kvGroups = kvGroups
        self.transform = transform; self.residualScale = residualScale
    }

    /// The whole block removed.
    public static let dropped = LayerEdit(attention: false, mlp: false)

    public var isIdentity: Bool { self == LayerEdit() }
    /// Neither sub-block runs: the layer is removed from a written checkpoint.
    public var isDropped: Bool { !attention && !mlp }
    /// Whether loading this layer needs more than the stored tensors (a fold, or a row/column selection).
    public var changesWeights: Bool { mlpChannels != nil || kvGroups != nil || transform != nil || residualScale != nil }
}
