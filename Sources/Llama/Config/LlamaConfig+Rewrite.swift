import JSON
import Foundation
import SafeTensors

extension LlamaConfig {
    /// Per-layer list keys that follow the layers when some are removed.
    static let perLayerListKeys = ["layer_types", "no_rope_layers", "block_configs"]

    /// The config.json object for a checkpoint keeping only the layers `kept` (old indices, strictly increasing),
    /// optionally with a new dtype name. Everything else, unknown keys included, is kept as it was, in place:
    /// - `num_hidden_layers` becomes `kept.count`;
    /// - per-layer lists (`layer_types`, `no_rope_layers`, DeciLM's `block_configs`) keep the entries of the kept layers;
    /// - qwen2's `max_window_layers` (layers below it use full attention) becomes the number of kept layers below it;
    /// - `torch_dtype` (or transformers-5 `dtype`) is set to `torchDtype` when given.
    public func rewrittenJSON(keepingLayers kept: [Int]? = nil, torchDtype newDtype: String? = nil) throws -> JSONObject {
        var o = raw
        if let kept {
            guard !kept.isEmpty else { throw LlamaError.invalidLayerSelection(reason: "no layers kept") }
            for (a, b) in zip(kept, kept.dropFirst()) where b <= a {
                throw LlamaError.invalidLayerSelection(reason: "kept layers must be strictly increasing, found \(a) before \(b)")
            }
            guard let first = kept.first, let last = kept.last, first >= 0, last < numHiddenLayers else {
                throw LlamaError.invalidLayerSelection(reason: "kept layers must lie in 0..<\(numHiddenLayers)")
            }
            o["num_hidden_layers"] = .int(kept.count)
            for key in Self.perLayerListKeys {
                if let items = o[key]?.arrayValue {
                    guard items.count == numHiddenLayers else {
                        throw LlamaError.inconsistentConfig(file: source, reason: "\(key) has \(items.count) entries but num_hidden_layers is \(numHiddenLayers)")
                    }
                    o[key] = .array(kept.map { items[$0] })
                }
            }
            if let mwl = maxWindowLayers, o["max_window_layers"] != nil {
                o["max_window_layers"] = .int(kept.filter { $0 < mwl }.count)
            }
        }
        if let newDtype {
            if o["dtype"] != nil && o["torch_dtype"] == nil {
                o["dtype"] = .string(newDtype)
            } else {
                o["torch_dtype"] = .string(newDtype)
            }
        }
        return o
    }

    /// config.json text as transformers writes it: 2-space indentation and a final newline.
    public static func configFileBytes(_ object: JSONObject) -> [UInt8] {
        Array((JSONValue.object(object).serialized(indent: 2) + "\n").utf8)
    }
}
