/// Declarative description of one subcommand: its options, positionals, help text and action.
/// Help, usage lines and argument errors are generated from it, so every command gets `--help` for free.
public struct CommandSpec: Sendable {
    public struct Option: Sendable {
        /// Long name without dashes, kebab-case (`seq-len`).
        public var name: String
        /// Placeholder shown in help (`N`, `FILE`); nil for a boolean flag.
        public var valueName: String?
        public var help: String
        /// Shown as "(default: …)" in help; the command applies it itself.
        public var defaultDescription: String?
        /// For an option whose value may be left out (`--iterative [STEP]`): the value it takes when given bare.
        /// Bare means not followed by a number (`--iterative 2`, `--iterative=2` give one), so a positional that
        /// follows is never taken for its value.
        public var implicitValue: String? = nil

        public static func flag(_ name: String, _ help: String) -> Option {
            Option(name: name, valueName: nil, help: help, defaultDescription: nil)
        }
        public static func value(_ name: String, _ valueName: String, _ help: String, default def: String? = nil) -> Option {
            Option(name: name, valueName: valueName, help: help, defaultDescription: def)
        }
        /// A numeric option that may be given bare, meaning `implicit`.
        public static func optionalValue(_ name: String, _ valueName: String, _ help: String, implicit: String) -> Option {
            Option(name: name, valueName: valueName, help: help, defaultDescription: nil, implicitValue: implicit)
        }
        /// `--name V`, or `--name [V]` when the value may be left out.
        var spelled: String {
            guard let v = valueName else { return "--\(name)" }
            return implicitValue == nil ? "--\(name) \(v)" : "--\(name) [\(v)]"
        }
    }

    public struct Positional: Sendable {
        public var name: String
        public var help: String
        public var optional: Bool
        public init(_ name: String, _ help: String, optional: Bool = false) {
            self.name = name; self.help = help; self.optional = optional
        }
    }

    public var name: String
    public var summary: String
    /// Extra paragraphs printed after OPTIONS in `--help` (behaviour notes, examples).
    public var discussion: String
    public var positionals: [Positional]
    public var options: [Option]
    /// Options the command requires: each group lists options of which one must be given (`[["layers", "ratio"]]`
    /// shows as `(--layers N | --ratio R)`; a group of one as `--output DIR`). The usage line shows them unbracketed.
    public var required: [[String]]
    /// Runs the command; returns the process exit code (0 on success). Throw for failures.
    public var run: @Sendable (ParsedArguments, CommandContext) throws -> Int32

    public init(name: String, summary: String, discussion: String = "", positionals: [Positional] = [],
                options: [Option] = [], required: [[String]] = [],
                run: @escaping @Sendable (ParsedArguments, CommandContext) throws -> Int32) {
        self.name = name; self.summary = summary; self.discussion = discussion
        self.positionals = positionals; self.options = options; self.required = required; self.run = run
    }

    /// `replaceme NAME <pos> [--opt V] ...`
    public var usageLine: String {
        var parts = ["replaceme", name]
        for p in positionals { parts.append(p.optional ? "[<\(p.name)>]" : "<\(p.name)>") }
        func spelled(_ o: Option) -> String { o.spelled }
        let byName = Dictionary(options.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for group in required {
            let names = group.compactMap { byName[$0] }.map(spelled)
            parts.append(names.count == 1 ? names[0] : "(" + names.joined(separator: " | ") + ")")
        }
        let requiredNames = Set(required.joined())
        for o in options where !requiredNames.contains(o.name) { parts.append("[" + spelled(o) + "]") }
        return parts.joined(separator: " ")
    }

    public var helpText: String {
        var s = "OVERVIEW: \(summary)\n\nUSAGE: \(usageLine)\n"
        if !positionals.isEmpty {
            s += "\nARGUMENTS:\n"
            for p in positionals { s += Self.row("<\(p.name)>", p.help) }
        }
        s += "\nOPTIONS:\n"
        for o in options {
            let left = o.valueName.map { o.implicitValue == nil ? "--\(o.name) <\($0)>" : "--\(o.name) [<\($0)>]" } ?? "--\(o.name)"
            s += Self.row(left, o.help + (o.defaultDescription.map { " (default: \($0))" } ?? "")
                          + (o.implicitValue.map { " (given bare: \($0))" } ?? ""))
        }
        s += Self.row("-h, --help", "Show help information.")
        if !discussion.isEmpty { s += "\n" + discussion + (discussion.hasSuffix("\n") ? "" : "\n") }
        return s
    }

    static func row(_ left: String, _ right: String) -> String {
        let pad = left.count < 24 ? String(repeating: " ", count: 24 - left.count) : "\n" + String(repeating: " ", count: 26)
        return "  " + left + pad + right + "\n"
    }
}
