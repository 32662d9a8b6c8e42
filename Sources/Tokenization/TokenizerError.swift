/// Everything that can go wrong when loading a tokenizer. Each case names the file, component, merge or
/// position involved, so a user can find the problem in their `tokenizer.json`.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    /// A file could not be read.
    case unreadableFile(path: String, reason: String)
    /// The JSON text is malformed; `offset` is the byte offset of the problem, `line` its 1-based line.
    case invalidJSON(file: String, line: Int, offset: Int, reason: String)
    /// A required field is absent or has the wrong JSON type (`path` is a JSON path such as `model.vocab`).
    case missingField(file: String, path: String, expected: String)
    /// A component type or option we do not implement, e.g. `pre_tokenizer.type=Whitespace`.
    case unsupported(component: String)
    /// `model.merges[index]` is not two tokens (legacy string form must split on one space into two parts).
    case badMerge(index: Int, entry: String)
    /// `model.merges[index]` names a token (or produces a merged token) that is not in `model.vocab`.
    case mergeTokenOutOfVocabulary(index: Int, token: String)
    /// A vocabulary id is negative or two tokens share an id.
    case badVocabulary(reason: String)
    /// A token named by the configuration (unk, template special token, bos/eos) is not in the vocabulary.
    case tokenNotInVocabulary(component: String, token: String)
    /// A regex pattern in the configuration does not compile.
    case badRegex(component: String, pattern: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadableFile(path, reason):
            return "cannot read \(path): \(reason)"
        case let .invalidJSON(file, line, offset, reason):
            return "\(file): invalid JSON at line \(line) (byte \(offset)): \(reason)"
        case let .missingField(file, path, expected):
            return "\(file): missing or malformed field '\(path)' (expected \(expected))"
        case let .unsupported(component):
            return "unsupported tokenizer component: \(component)"
        case let .badMerge(index, entry):
            return "tokenizer.json: model.merges[\(index)] = \(entry.debugDescription) is not two tokens separated by one space"
        case let .mergeTokenOutOfVocabulary(index, token):
            return "tokenizer.json: model.merges[\(index)] uses token \(token.debugDescription), which is not in model.vocab"
        case let .badVocabulary(reason):
            return "tokenizer.json: bad model.vocab: \(reason)"
        case let .tokenNotInVocabulary(component, token):
            return "\(component): token \(token.debugDescription) is not in the vocabulary"
        case let .badRegex(component, pattern, reason):
            return "\(component): cannot compile regex \(pattern.debugDescription): \(reason)"
        }
    }
}
