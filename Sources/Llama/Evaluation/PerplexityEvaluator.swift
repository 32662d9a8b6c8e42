import Foundation

/// Perplexity of a token stream over non-overlapping windows.
///
/// Windows: the text's tokens (encoded WITHOUT special tokens) are cut into consecutive pieces of
/// `seqLen − 1` tokens when a BOS id is given, and each window is `[BOS] + piece` (seqLen tokens, every text
/// token of the piece is scored, the first one predicted from BOS alone). Without BOS, pieces are `seqLen`
/// tokens and the first token of each window is not scored. A trailing partial piece is dropped.
/// `nll = mean over scored tokens of −log p(token | window prefix)`, `perplexity = exp(nll)`.
public final class PerplexityEvaluator {
    public struct Result: Sendable, Equatable {
        public var windows: Int
        /// Tokens whose probability was scored.
        public var scoredTokens: Int
        /// Tokens pushed through the model (windows × seqLen).
        public var processedTokens: Int
        public var meanNLL: Double
        public var perplexity: Double
        /// Wall time of the forward passes and NLL, seconds.
        public var seconds: Double
        /// Mean KL divergence (nats per scored token) of this model's next-token distribution from the reference's
        /// (`evaluate(edits:divergence: true)`); nil when not computed.
        public var klDivergence: Double? = nil
        public var tokensPerSecond: Double { seconds > 0 ? Double(processedTokens) / seconds : 0 }
    }

    public let model: LlamaModel
    /// The pruning plan the model runs under (nil: as stored).
    public let edit: ModelEdit?
    public let seqLen: Int
    public let bos: Int32?
    /// Windows per forward pass (more windows: larger GEMMs, fewer weight conversions when streaming).
    public let windowsPerBatch: Int

    public init(model: LlamaModel, edit: ModelEdit? = nil, seqLen: Int, bos: Int32?, windowsPerBatch: Int? = nil) {
        self.model = model
        self.edit = edit
        self.seqLen = seqLen
        self.bos = bos
        self.windowsPerBatch = windowsPerBatch ?? Self.defaultWindowsPerBatch(seqLen: seqLen)
    }

    /// Windows per forward pass when not given: about 4096 token rows.
    public static func defaultWindowsPerBatch(seqLen: Int) -> Int { max(1, 4096 / max(seqLen, 1)) }

    /// The windows of `tokens` (first `maxTokens` text tokens at most), as described on the type.
    public func windows(of tokens: [Int32], maxTokens: Int? = nil) throws -> [[Int32]] {
        let usable = min(tokens.count, maxTokens ?? .max)
        let piece = bos == nil ? seqLen : seqLen - 1
        let count = piece > 0 ? usable / piece : 0
        guard count > 0, seqLen >= 2 else {
            throw LlamaError.textTooShort(tokens: usable, needed: piece, seqLen: seqLen)
        }
        return (0..<count).map { w in
            let slice = tokens[(w * piece)..<((w + 1) * piece)]
            return bos.map { [$0] + slice } ?? Array(slice)
        }
    }

    /// The token each row predicts: row r predicts token r+1 of its window; the last row of a window predicts
    /// nothing (−1). [R].
    static func targets(_ batch: ForwardBatch) -> [Int32] {
        var targets = [Int32](repeating: -1, count: batch.rows)
        for range in batch.sampleRows {
            for r in range.dropLast() { targets[r] = batch.tokens[r + 1] }
        }
        return targets
    }

    /// Runs every window and returns the perplexity.
    /// progress: (work done, work total) in window-layers (windows × layers), updated after every layer.
    /// With `scoreLogits` false only the decoder layers run (timing; `meanNLL` and `perplexity` are NaN).
    public func evaluate(tokens: [Int32], maxTokens: Int? = nil, scoreLogits: Bool = true,
                         progress: ((Int, Int) -> Void)? = nil) throws -> Result {
        let all = try windows(of: tokens, maxTokens: maxTokens)
        var nllSum = 0.0, scored = 0
        let start = Date()
        var done = 0
        let layers = model.geometry.layerCount, total = all.count * layers
        while done < all.count {
            let group = Array(all[done..<min(all.count, done + windowsPerBatch)])
            let batch = ForwardBatch(samples: group)
            let targets = Self.targets(batch)
            let windowsDone = done
            let layerProgress = { (k: Int, _: Int) -> Void in progress?(windowsDone * layers + k * group.count, total) }
            if scoreLogits {
                let sink = NLLAccumulator(targets: targets)
                try model.forward(batch, edit: edit, logits: sink, progress: layerProgress)
                for (r, nll) in sink.negativeLogLikelihoods.enumerated() where targets[r] >= 0 {
                    nllSum += nll
                    scored += 1
                }
            } else {
                try model.forward(batch, edit: edit, progress: layerProgress)
                scored += targets.filter { $0 >= 0 }.count
            }
            done += group.count
        }
        let seconds = Date().timeIntervalSince(start)
        let mean = scoreLogits ? nllSum / Double(scored) : .nan
        return Result(windows: all.count, scoredTokens: scored, processedTokens: all.count * seqLen,
                      meanNLL: mean, perplexity: Foundation.exp(mean), seconds: seconds)
    }
}
