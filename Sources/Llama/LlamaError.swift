import SafeTensors

/// Errors of the Llama layer: config.json problems and checkpoint/config disagreements. Each names the file,
/// key or tensor, with what was expected and what was found.
public enum LlamaError: Error, CustomStringConvertible, Equatable {
    case cannotReadConfig(file: String, reason: String)
    case invalidConfigJSON(file: String, reason: String)
    case missingConfigKey(file: String, key: String)
    case invalidConfigValue(file: String, key: String, expected: String, found: String)
    case unsupportedModelType(file: String, modelType: String)
    case inconsistentConfig(file: String, reason: String)
    case missingTensor(tensor: String, directory: String, hint: String)
    case shapeMismatch(tensor: String, file: String, expected: [Int], actual: [Int], hint: String)
    case unexpectedTensor(tensor: String, file: String, reason: String)
    case invalidLayerSelection(reason: String)

    public var description: String {
        switch self {
        case .cannotReadConfig(let f, let r):
            return "cannot read \(f): \(r)"
        case .invalidConfigJSON(let f, let r):
            return "\(f) is not valid JSON: \(r)"
        case .missingConfigKey(let f, let k):
            return "\(f) lacks the required key '\(k)'"
        case .invalidConfigValue(let f, let k, let e, let found):
            return "\(f): '\(k)' must be \(e), found \(found)"
        case .unsupportedModelType(let f, let t):
            return "\(f): model_type '\(t)' is not supported (supported: \(LlamaConfig.supportedModelTypes.joined(separator: ", ")))"
        case .inconsistentConfig(let f, let r):
            return "\(f): \(r)"
        case .missingTensor(let t, let d, let h):
            return "checkpoint \(d) lacks tensor '\(t)'" + (h.isEmpty ? "" : " (\(h))")
        case .shapeMismatch(let t, let f, let e, let a, let h):
            return "\(f): tensor '\(t)' has shape \(a) but config.json implies \(e)" + (h.isEmpty ? "" : " (\(h))")
        case .unexpectedTensor(let t, let f, let r):
            return "\(f): unexpected tensor '\(t)': \(r)"
        case .invalidLayerSelection(let r):
            return "invalid layer selection: \(r)"
        }
    }
}
