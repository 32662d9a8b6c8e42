/// The program's version, printed by `--version` and recorded in every report.
enum ToolVersion {
    static let current = "0.2.0"
}
