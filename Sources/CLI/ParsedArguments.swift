/// Arguments of one command after parsing: positionals in order, options by long name.
/// Accessors throw `UsageError` (exit 64) for missing or malformed values, naming the option.
public struct ParsedArguments: Sendable {
    public var positionals: [String]
    public var values: [String: String]
    public var flags: Set<String>
    public let spec: CommandSpec

    /// Parses `args` (the words after the subcommand name) against `spec`.
    /// Accepts `--name value`, `--name=value`, flags `--name`, and `--name` alone for an option with an implicit
    /// value (`Option.implicitValue`); `--` ends options.
    static func parse(_ args: [String], spec: CommandSpec) throws -> ParsedArguments {
        var result = ParsedArguments(positionals: [], values: [:], flags: [], spec: spec)
        var i = 0
        var optionsEnded = false
        while i < args.count {
            let arg = args[i]
            i += 1
            if !optionsEnded && arg == "--" { optionsEnded = true; continue }
            if !optionsEnded && arg.hasPrefix("--") {
                var name = String(arg.dropFirst(2))
                var inlineValue: String?
                if let eq = name.firstIndex(of: "=") {
                    inlineValue = String(name[name.index(after: eq)...])
                    name = String(name[..<eq])
                }
                guard let option = spec.options.first(where: { $0.name == name }) else {
                    throw UsageError("unknown option '--\(name)'", spec: spec)
                }
                if option.valueName != nil {
                    if let v = inlineValue {
                        result.values[name] = v
                    } else if let implicit = option.implicitValue, i >= args.count || Double(args[i]) == nil {
                        result.values[name] = implicit
                    } else {
                        guard i < args.count else { throw UsageError("option '--\(name)' needs a value", spec: spec) }
                        result.values[name] = args[i]
                        i += 1
                    }
                } else {
                    if inlineValue != nil { throw UsageError("option '--\(name)' takes no value", spec: spec) }
                    result.flags.insert(name)
                }
            } else if !optionsEnded && arg.hasPrefix("-") && arg.count > 1 && Double(arg) == nil {
                throw UsageError("unknown option '\(arg)'", spec: spec)
            } else {
                result.positionals.append(arg)
            }
        }
        let required = spec.positionals.filter { !$0.optional }.count
        if result.positionals.count < required {
            let missing = spec.positionals[result.positionals.count]
            throw UsageError("missing argument <\(missing.name)>", spec: spec)
        }
        if result.positionals.count > spec.positionals.count {
            throw UsageError("unexpected argument '\(result.positionals[spec.positionals.count])'", spec: spec)
        }
        return result
    }

    public func flag(_ name: String) -> Bool { flags.contains(name) }

    public func positional(_ index: Int) -> String? {
        index < positionals.count ? positionals[index] : nil
    }

    public func string(_ name: String) -> String? { values[name] }

    /// Integer option within `range`, or nil when absent.
    public func int(_ name: String, in range: ClosedRange<Int> = Int.min...Int.max) throws -> Int? {
        guard let s = values[name] else { return nil }
        guard let v = Int(s), range.contains(v) else {
            throw UsageError("option '--\(name)' must be an integer in \(Self.describe(range)), got '\(s)'", spec: spec)
        }
        return v
    }

    /// Floating-point option within `range`, or nil when absent.
    public func double(_ name: String, in range: ClosedRange<Double> = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude) throws -> Double? {
        guard let s = values[name] else { return nil }
        guard let v = Double(s), v.isFinite, range.contains(v) else {
            throw UsageError("option '--\(name)' must be a number in \(range.lowerBound)...\(range.upperBound), got '\(s)'", spec: spec)
        }
        return v
    }

    /// A positive byte size (`2GB`, `500MiB`, `1000000`; `ByteSize`), or nil when absent.
    public func byteSize(_ name: String) throws -> Int? {
        guard let s = values[name] else { return nil }
        guard let n = ByteSize.parse(s), n > 0 else {
            throw UsageError("option '--\(name)' must be a size such as 2GB, 500MB or 1000000, got '\(s)'", spec: spec)
        }
        return n
    }

    /// One of `choices`, or nil when absent.
    public func choice(_ name: String, _ choices: [String]) throws -> String? {
        guard let s = values[name] else { return nil }
        guard choices.contains(s) else {
            throw UsageError("option '--\(name)' must be one of \(choices.joined(separator: ", ")), got '\(s)'", spec: spec)
        }
        return s
    }

    /// A usage error for this command (exit 64), for checks the parser cannot express (mutually exclusive options).
    public func usageError(_ message: String) -> UsageError { UsageError(message, spec: spec) }

    private static func describe(_ r: ClosedRange<Int>) -> String {
        if r.upperBound == Int.max { return "\(r.lowerBound)..." }
        return "\(r.lowerBound)...\(r.upperBound)"
    }
}

/// A command-line usage mistake: printed with the usage line, exit code 64 (EX_USAGE).
public struct UsageError: Error, CustomStringConvertible {
    public var message: String
    public var usageLine: String?
    public init(_ message: String, spec: CommandSpec? = nil) {
        self.message = message
        self.usageLine = spec?.usageLine
    }
    public var description: String { message }
}
