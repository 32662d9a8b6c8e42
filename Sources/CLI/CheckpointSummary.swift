import Foundation
import Llama
import SafeTensors

/// What `inspect` reports about a checkpoint, as text or JSON.
struct CheckpointSummary {
    let checkpoint: LlamaCheckpoint
    let path: String

    init(_ checkpoint: LlamaCheckpoint, path: String) {
        self.checkpoint = checkpoint
        self.path = path
    }

    private var config: LlamaConfig { checkpoint.config }
    private var weights: SafeTensorsCheckpoint { checkpoint.weights }

    var ropeDescription: String {
        var s = "theta \(Self.number(config.ropeTheta))"
        if let r = config.ropeScaling {
            s += ", scaling \(r.type)"
            if let f = r.factor { s += " factor \(Self.number(f))" }
            if let o = r.originalMaxPositionEmbeddings { s += " (original context \(o))" }
        }
        return s
    }

    var biasDescription: String {
        var parts: [String] = []
        if config.qkvBias { parts.append(config.outputBias ? "q/k/v/o" : "q/k/v") }
        if config.mlpBias { parts.append("mlp") }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }

    /// `per_layer_config` (or DeciLM's `block_configs`) in one line: how many layers differ and how (read back
    /// widened with zeros).
    var perLayerDescription: String {
        let o = config.perLayer
        let attention = o.values.filter(\.skipAttention).count, mlp = o.values.filter(\.skipMLP).count
        let widths = o.values.compactMap(\.intermediateSize).count, heads = o.values.compactMap(\.kvHeads).count
        let key = config.modelType == DeciLM.modelType ? "block_configs" : "per_layer_config"
        return "\(key) on \(o.count) layers: \(attention) without attention, \(mlp) without MLP, "
            + "\(widths) with fewer MLP channels, \(heads) with fewer KV groups (evaluated at the global widths, zero-padded)"
    }

    var text: String {
        let c = config
        let params = checkpoint.parameterCount
        var rows: [(String, String)] = [
            ("Checkpoint", path),
            ("Architecture", (c.architectures.first ?? "?") + " (model_type \(c.modelType))"),
            ("Layers", "\(c.numHiddenLayers)"),
            ("Hidden size", "\(c.hiddenSize) (MLP intermediate \(c.intermediateSize), \(c.hiddenAct))"),
            ("Attention", "\(c.numAttentionHeads) heads, \(c.numKeyValueHeads) key/value heads, head_dim \(c.headDim)"),
            ("Vocabulary", "\(c.vocabSize)"),
            ("RoPE", ropeDescription),
            ("RMSNorm eps", Self.number(c.rmsNormEps)),
            ("Biases", biasDescription),
        ]
        if let m = c.maxPositionEmbeddings { rows.append(("Context", "\(m) positions")) }
        if let lt = c.layerTypes {
            let sliding = lt.filter { $0 != "full_attention" }.count
            rows.append(("Layer types", "\(lt.count - sliding) full attention, \(sliding) other"))
        }
        if c.isHeterogeneous { rows.append(("Per layer", perLayerDescription)) }
        rows.append(("Parameters", "\(Self.grouped(params)) (\(Self.count(params)))"))
        rows.append(("Embeddings", c.tieWordEmbeddings ? "tied (lm_head shares embed_tokens)" : "untied (separate lm_head.weight)"))
        let dtypes = weights.dtypeSummary.map { "\($0.dtype.rawValue) (\($0.tensors) tensors, \(Self.bytes($0.bytes)))" }
        rows.append(("Dtypes", dtypes.joined(separator: ", ") + (c.torchDtype.map { "; config says \($0)" } ?? "")))
        let total = weights.files.reduce(0) { $0 + $1.fileSize }
        let layout = weights.indexURL != nil ? "\(weights.files.count) shards + \(weights.indexURL!.lastPathComponent)"
                                             : "\(weights.files.count) file\(weights.files.count == 1 ? "" : "s")"
        rows.append(("Weights", "\(layout), \(Self.bytes(total)) (\(Self.grouped(total)) bytes), \(weights.tensorNames.count) tensors"))
        var s = ""
        for (k, v) in rows { s += (k + ":").padding(toLength: 14, withPad: " ", startingAt: 0) + v + "\n" }
        for f in weights.files {
            s += "  \(f.url.lastPathComponent)  \(Self.bytes(f.fileSize))  \(f.tensors.count) tensors\n"
        }
        return s
    }

    var json: [String: Any] {
        let c = config
        var rope: [String: Any] = ["theta": c.ropeTheta]
        if let r = c.ropeScaling {
            var scaling: [String: Any] = ["type": r.type]
            if let v = r.factor { scaling["factor"] = v }
            if let v = r.lowFreqFactor { scaling["low_freq_factor"] = v }
            if let v = r.highFreqFactor { scaling["high_freq_factor"] = v }
            if let v = r.originalMaxPositionEmbeddings { scaling["original_max_position_embeddings"] = v }
            rope["scaling"] = scaling
        }
        var out: [String: Any] = [
            "path": path,
            "architecture": c.architectures.first ?? NSNull(),
            "model_type": c.modelType,
            "num_hidden_layers": c.numHiddenLayers,
            "hidden_size": c.hiddenSize,
            "intermediate_size": c.intermediateSize,
            "num_attention_heads": c.numAttentionHeads,
            "num_key_value_heads": c.numKeyValueHeads,
            "head_dim": c.headDim,
            "vocab_size": c.vocabSize,
            "rms_norm_eps": c.rmsNormEps,
            "rope": rope,
            "attention_qkv_bias": c.qkvBias,
            "attention_output_bias": c.outputBias,
            "mlp_bias": c.mlpBias,
            "tie_word_embeddings": c.tieWordEmbeddings,
            "parameters": checkpoint.parameterCount,
            "per_layer_config_layers": config.perLayer.keys.sorted(),
            "tensors": weights.tensorNames.count,
            "tensor_bytes": weights.totalTensorBytes,
            "dtypes": Dictionary(uniqueKeysWithValues: weights.dtypeSummary.map {
                ($0.dtype.rawValue, ["tensors": $0.tensors, "bytes": $0.bytes] as [String: Any])
            }),
            "sharded": weights.indexURL != nil,
            "files": weights.files.map {
                ["name": $0.url.lastPathComponent, "bytes": $0.fileSize, "tensors": $0.tensors.count] as [String: Any]
            },
        ]
        out["torch_dtype"] = c.torchDtype ?? NSNull()
        out["max_position_embeddings"] = c.maxPositionEmbeddings ?? NSNull()
        return out
    }

    /// 134515008 → "134,515,008"
    static func grouped(_ n: Int) -> String {
        let digits = Array(String(n))
        var s = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { s += "," }
            s.append(ch)
        }
        return s
    }

    /// 134515008 → "134.5 M"; 1235814400 → "1.24 B"; 10224 → "10.2 k".
    static func count(_ n: Int) -> String {
        let v = Double(n)
        if v >= 1e9 { return String(format: "%.2f B", v / 1e9) }
        if v >= 1e6 { return String(format: "%.1f M", v / 1e6) }
        return String(format: "%.1f k", v / 1e3)
    }

    /// Decimal units, one decimal: "269.1 MB".
    static func bytes(_ n: Int) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var v = Double(n), u = 0
        while v >= 1000 && u < units.count - 1 { v /= 1000; u += 1 }
        return u == 0 ? "\(n) B" : String(format: "%.1f %@", v, units[u])
    }

    /// A double without a trailing ".0" when integral: 100000, 1e-05.
    static func number(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }
}
