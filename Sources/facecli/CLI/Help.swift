/// Help text generated from the declarations, so it cannot drift from what the parser accepts.
public enum Help {
    public static func topLevel(_ commands: [any Command.Type]) -> String {
        let width = (commands.map { $0.name.count }.max() ?? 0) + 2
        var lines = [
            "facecli \(facecliVersion): face detection and multi-task face recognition (identity, age group, ethnicity).",
            "",
            "USAGE: facecli <command> [options] [arguments]",
            "",
            "COMMANDS:",
        ]
        for c in commands {
            lines.append("  " + pad(c.name, width) + c.summary + (c.isBuilt ? "" : " (not built yet)"))
        }
        lines += [
            "",
            "  facecli <command> --help    options of one command (also: facecli help <command>)",
            "  facecli --version           print the version",
            "",
            "EXIT STATUS: 0 ok, 1 some inputs failed (the rest were processed), 64 usage error,",
            "65 bad input data, 66 input missing or unreadable, 69 unavailable, 73 cannot create output,",
            "74 I/O error.",
        ]
        return lines.joined(separator: "\n")
    }

    public static func command(_ c: any Command.Type) -> String {
        var usage = "USAGE: facecli \(c.name)"
        if !c.options.isEmpty { usage += " [options]" }
        for p in c.positionals {
            let word = "<\(p.name)>" + (p.variadic ? "..." : "")
            usage += " " + (p.optional ? "[\(word)]" : word)
        }
        var lines = [usage, "", c.summary + (c.isBuilt ? "" : " (not built yet)")]
        if !c.discussion.isEmpty { lines += ["", c.discussion] }
        let optionRows = c.options.map { o -> (String, String) in
            let left: String
            switch o.kind {
            case .flag: left = "--\(o.name)"
            case .value: left = "--\(o.name) <\(o.valueName)>"
            case .repeatable: left = "--\(o.name) <\(o.valueName)> ..."
            }
            return (left, o.help + (o.defaultValue.map { " (default: \($0))" } ?? ""))
        } + [("-h, --help", "Show this help.")]
        let argumentRows = c.positionals.map { ("<\($0.name)>" + ($0.variadic ? "..." : ""), $0.help) }
        let width = ((optionRows + argumentRows).map { $0.0.count }.max() ?? 0) + 2
        if !argumentRows.isEmpty {
            lines += ["", "ARGUMENTS:"] + argumentRows.map { "  " + pad($0.0, width) + $0.1 }
        }
        lines += ["", "OPTIONS:"] + optionRows.map { "  " + pad($0.0, width) + $0.1 }
        return lines.joined(separator: "\n")
    }

    private static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }
}
