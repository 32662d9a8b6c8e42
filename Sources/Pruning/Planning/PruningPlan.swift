import Foundation
import JSON
import Llama
import SafeTensors

/// A pruning plan on disk: the `ModelEdit` a method chose, for a model of stated dimensions, readable later by
/// `perplexity --plan` (evaluate it in memory) and `apply` (write the checkpoint `prune` would have written).
///
/// Format `replaceme-plan`, version 1: a JSON object
/// ```
/// {
///   "format": "replaceme-plan", "version": 1,
///   "model": {"num_hidden_layers": 30, "hidden_size": 576, "intermediate_size": 1536,
///             "num_attention_heads": 9, "num_key_value_heads": 3},
///   "method": "replaceme",                              (informational)
///   "transforms": "PLAN.transforms.safetensors",        (beside the plan; only when a layer has a transform)
///   "layers": [                                          (one entry per edited layer, any order; others kept)
///     {"layer": 11, "drop": "block"},                    ("block", "attention" or "mlp")
///     {"layer": 10, "transform": "layers.10.transform"}, (an F64 [D, D] tensor of the transforms file: M ← M·T)
///     {"layer": 4, "mlp_channels": [0, 1, 5]},           (kept channels, ascending)
///     {"layer": 5, "kv_groups": [0, 2]},                 (kept KV groups with their query heads, ascending)
///     {"layer": 6, "residual_scale": 0.95}               (s on what the layer adds to the residual stream)
///   ]
/// }
/// ```
/// Unknown keys, a later version, dimensions that differ from the checkpoint, and layers out of range are errors
/// naming the field (`PruningError.invalidPlan`).
public struct PruningPlan: Sendable, Equatable {
    public static let format = "replaceme-plan"
    public static let version = 1

    public var edit: ModelEdit
    /// The method that chose it (informational).
    public var method: String
    /// The dimensions of the model it is for.
    public var model: Dimensions

    public struct Dimensions: Sendable, Equatable {
        public var layers: Int, hiddenSize: Int, intermediateSize: Int, heads: Int, kvHeads: Int
        public init(_ g: LlamaGeometry) {
            layers = g.layerCount; hiddenSize = g.hiddenSize; intermediateSize = g.intermediateSize
            heads = g.heads; kvHeads = g.kvHeads
        }
        var fields: [(key: String, value: Int)] {
            [("num_hidden_layers", layers), ("hidden_size", hiddenSize), ("intermediate_size", intermediateSize),
             ("num_attention_heads", heads), ("num_key_value_heads", kvHeads)]
        }
    }

    public init(edit: ModelEdit, method: String, geometry: LlamaGeometry) {
        self.edit = edit; self.method = method; self.model = Dimensions(geometry)
    }

    /// The transforms file written beside `plan`: `NAME.transforms.safetensors` for `NAME.json`.
    public static func transformsURL(for plan: URL) -> URL {
        let base = plan.pathExtension == "json" ? plan.deletingPathExtension() : plan
        return base.deletingLastPathComponent().appendingPathComponent(base.lastPathComponent + ".transforms.safetensors")
    }

    /// Name of layer k's transform inside the transforms file.
    static func transformName(_ k: Int) -> String { "layers.\(k).transform" }

    // MARK: writing

    /// Checks, before any work, that the plan (and its transforms file) can be written at `url`.
    public static func checkDestination(_ url: URL, force: Bool) throws {
        try OutputLocation.checkFile(url, force: force)
        try OutputLocation.checkFile(transformsURL(for: url), force: force)
    }

    /// Writes the plan to `url` and, when a layer has a transform, the transforms beside it; each atomically, the
    /// transforms first, so a plan never names a file that is not complete.
    public func write(to url: URL) throws {
        let transformed = edit.layers.indices.filter { edit.layers[$0].transform != nil }
        let tURL = Self.transformsURL(for: url)
        if !transformed.isEmpty {
            let d = model.hiddenSize
            let tensors = transformed.map { k in
                TensorWriteSource.bytes(Self.transformName(k), dtype: .f64, shape: [d, d],
                                        edit.layers[k].transform!.withUnsafeBytes { Array($0) })
            }
            try AtomicFile.write(to: tURL) { _ = try SafeTensorsWriter.write(tensors, to: $0) }
        }
        try AtomicFile.write(Array((json(transformsFile: transformed.isEmpty ? nil : tURL.lastPathComponent)
                                    .serialized(indent: 2) + "\n").utf8), to: url)
    }

    func json(transformsFile: String?) -> JSONValue {
        var layers: [JSONValue] = []
        for (k, e) in edit.layers.enumerated() where !e.isIdentity {
            var m: [(String, JSONValue)] = [("layer", .int(k))]
            if e.isDropped { m.append(("drop", .string("block"))) }
            else if !e.attention { m.append(("drop", .string("attention"))) }
            else if !e.mlp { m.append(("drop", .string("mlp"))) }
            if e.transform != nil { m.append(("transform", .string(Self.transformName(k)))) }
            if let c = e.mlpChannels { m.append(("mlp_channels", .array(c.map { .int($0) }))) }
            if let g = e.kvGroups { m.append(("kv_groups", .array(g.map { .int($0) }))) }
            if let s = e.residualScale { m.append(("residual_scale", .double(s))) }
            layers.append(.object(JSONObject(m)))
        }
        var top: [(String, JSONValue)] = [
            ("format", .string(Self.format)), ("version", .int(Self.version)),
            ("model", .object(JSONObject(model.fields.map { ($0.key, .int($0.value)) }))),
            ("method", .string(method)),
        ]
        if let transformsFile { top.append(("transforms", .string(transformsFile))) }
        top.append(("layers", .array(layers)))
        return .object(JSONObject(top))
    }

    // MARK: reading

    /// Reads the plan at `url` for a model of `geometry`; every inconsistency is an error naming the field.
    public static func read(_ url: URL, for geometry: LlamaGeometry) throws -> PruningPlan {
        let file = url.path
        func bad(_ field: String, _ reason: String) -> PruningError { .invalidPlan(file: file, field: field, reason: reason) }
        guard FileManager.default.fileExists(atPath: file) else { throw bad("(file)", "does not exist") }
        let data: Data
        do { data = try FileContents.read(url) } catch {
            throw bad("(file)", "cannot be read: \((error as NSError).localizedDescription)")
        }
        let root: JSONValue
        do { root = try JSONParser.parse(Array(data)) } catch { throw bad("(file)", "not valid JSON: \(error)") }
        guard let top = root.objectValue else { throw bad("(file)", "must be a JSON object, found \(root.kindName)") }
        try Self.checkKeys(top, allowed: ["format", "version", "model", "method", "transforms", "layers"], at: "", bad)
        guard top["format"]?.stringValue == format else {
            throw bad("format", "must be \"\(format)\", found \(top["format"].map(describe) ?? "nothing")")
        }
        guard let version = top["version"]?.intValue else { throw bad("version", "missing or not an integer") }
        guard version == Self.version else {
            throw bad("version", "\(version) is not a plan version this build reads (it reads version \(Self.version))")
        }
        guard let model = top["model"]?.objectValue else { throw bad("model", "missing or not an object") }
        let dims = Dimensions(geometry)
        try Self.checkKeys(model, allowed: dims.fields.map(\.key), at: "model.", bad)
        for (key, value) in dims.fields {
            guard let v = model[key]?.intValue else { throw bad("model.\(key)", "missing or not an integer") }
            guard v == value else { throw bad("model.\(key)", "the plan is for \(v), the checkpoint has \(value)") }
        }
        let method = top["method"]?.stringValue ?? "unknown"
        guard let entries = top["layers"]?.arrayValue else { throw bad("layers", "missing or not an array") }

        var edit = ModelEdit.identity(layerCount: geometry.layerCount)
        var seen = Set<Int>()
        var transformNames: [Int: (name: String, field: String)] = [:]
        for (i, entry) in entries.enumerated() {
            let at = "layers[\(i)]"
            guard let o = entry.objectValue else { throw bad(at, "must be an object, found \(entry.kindName)") }
            try Self.checkKeys(o, allowed: ["layer", "drop", "transform", "mlp_channels", "kv_groups", "residual_scale"],
                               at: at + ".", bad)
            guard let k = o["layer"]?.intValue else { throw bad("\(at).layer", "missing or not an integer") }
            guard (0..<geometry.layerCount).contains(k) else {
                throw bad("\(at).layer", "\(k) is out of range 0..<\(geometry.layerCount)")
            }
            guard seen.insert(k).inserted else { throw bad("\(at).layer", "layer \(k) appears twice") }
            var e = LayerEdit()
            if let drop = o["drop"] {
                switch drop.stringValue {
                case "block": e = .dropped
                case "attention": e.attention = false
                case "mlp": e.mlp = false
                default: throw bad("\(at).drop", "must be \"block\", \"attention\" or \"mlp\", found \(describe(drop))")
                }
            }
            if let c = o["mlp_channels"] { e.mlpChannels = try Self.integers(c, field: "\(at).mlp_channels", bad) }
            if let g = o["kv_groups"] { e.kvGroups = try Self.integers(g, field: "\(at).kv_groups", bad) }
            if let s = o["residual_scale"] {
                guard let v = s.doubleValue else { throw bad("\(at).residual_scale", "must be a number, found \(describe(s))") }
                e.residualScale = v
            }
            if let t = o["transform"] {
                guard let name = t.stringValue else { throw bad("\(at).transform", "must be a tensor name, found \(describe(t))") }
                transformNames[k] = (name, "\(at).transform")
            }
            edit.layers[k] = e
        }
        if !transformNames.isEmpty {
            guard let tName = top["transforms"]?.stringValue else {
                throw bad("transforms", "layers name transforms, but the plan names no transforms file")
            }
            let tURL = url.deletingLastPathComponent().appendingPathComponent(tName)
            let tFile: SafeTensorsFile
            do { tFile = try SafeTensorsFile(url: tURL) } catch { throw bad("transforms", "\(tURL.path): \(error)") }
            let d = geometry.hiddenSize
            for (k, ref) in transformNames {
                guard let info = tFile.info(ref.name) else {
                    throw bad(ref.field, "tensor '\(ref.name)' is not in \(tURL.path)")
                }
                guard info.dtype == .f64, info.shape == [d, d] else {
                    throw bad(ref.field, "tensor '\(ref.name)' is \(info.dtype.rawValue) \(info.shape), expected F64 [\(d), \(d)] (hidden_size \(d))")
                }
                edit.layers[k].transform = try tFile.doubles(ref.name)
            }
        } else if top["transforms"] != nil, top["transforms"]?.stringValue == nil {
            throw bad("transforms", "must be a file name")
        }
        do { try edit.validate(geometry: geometry) } catch LlamaError.invalidEdit(let field, let reason) {
            throw bad(field, reason)
        }
        var plan = PruningPlan(edit: edit, method: method, geometry: geometry)
        plan.model = dims
        return plan
    }

    static func checkKeys(_ o: JSONObject, allowed: [String], at prefix: String, _ bad: (String, String) -> PruningError) throws {
        for key in o.keys where !allowed.contains(key) {
            throw bad(prefix + key, "unknown key (known: \(allowed.joined(separator: ", ")))")
        }
    }

    static func integers(_ v: JSONValue, field: String, _ bad: (String, String) -> PruningError) throws -> [Int] {
        guard let a = v.arrayValue else { throw bad(field, "must be an array of integers, found \(v.kindName)") }
        return try a.enumerated().map { i, x in
            guard let n = x.intValue else { throw bad("\(field)[\(i)]", "must be an integer, found \(describe(x))") }
            return n
        }
    }
}

/// A short rendering of a JSON value for error messages.
private func describe(_ v: JSONValue) -> String {
    let s = v.serialized()
    return s.count > 40 ? String(s.prefix(40)) + "…" : s
}
