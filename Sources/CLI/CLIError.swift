/// Failures of the CLI layer itself (input files), printed as `Error: …` with exit code 1.
public enum CLIError: Error, CustomStringConvertible, Equatable {
    case unreadableFile(path: String, reason: String)
    case emptyInput(path: String)

    public var description: String {
        switch self {
        case .unreadableFile(let p, let r): return "cannot read \(p): \(r)"
        case .emptyInput(let p): return "\(p) contains no text"
        }
    }
}
