/// A name made from a series' labels: literal text with `{label}` placeholders, e.g.
/// `{namespace}/{pod}`, `proc/{groupname}`, `{instance}`. `{{` and `}}` are literal braces.
///
/// A series that lacks a placeholder's label, or has it empty, renders to nil: it is
/// counted as unmatched and dropped, never named by a guess.
package struct LabelTemplate: Sendable, Equatable, CustomStringConvertible {
    enum Piece: Sendable, Equatable {
        case literal(String)
        case label(String)
    }

    let pieces: [Piece]
    /// The template as written.
    package let description: String

    /// The labels the template reads, in order.
    package var labelNames: [String] { pieces.compactMap { if case .label(let n) = $0 { n } else { nil } } }

    /// Parses `text`.
    /// - Throws: `TemplateError` saying what is wrong (unclosed `{`, stray `}`, an empty or
    ///   invalid label name — Prometheus label names are `[a-zA-Z_][a-zA-Z0-9_]*`).
    package init(_ text: String) throws(TemplateError) {
        var pieces: [Piece] = []
        var literal = ""
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            if c == "{" {
                if chars.first == "{" { chars.removeFirst(); literal.append("{"); continue }
                guard let close = chars.firstIndex(of: "}") else { throw TemplateError("\"{\" is not closed by \"}\"") }
                let name = String(chars[chars.startIndex..<close])
                guard Self.isLabelName(name) else {
                    throw TemplateError("\"{\(name)}\" does not name a label (expected [a-zA-Z_][a-zA-Z0-9_]*)")
                }
                if !literal.isEmpty { pieces.append(.literal(literal)); literal = "" }
                pieces.append(.label(name))
                chars = chars[(close + 1)...]
            } else if c == "}" {
                guard chars.first == "}" else { throw TemplateError("a lone \"}\" (write \"}}\" for a literal brace)") }
                chars.removeFirst()
                literal.append("}")
            } else {
                literal.append(c)
            }
        }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        guard !pieces.isEmpty else { throw TemplateError("it is empty") }
        self.pieces = pieces
        self.description = text
    }

    /// The name for a series whose labels `lookup` gives; nil when a placeholder's label is
    /// absent or empty.
    package func render(_ lookup: (String) -> String?) -> String? {
        if pieces.count == 1, case .label(let name) = pieces[0] {
            guard let value = lookup(name), !value.isEmpty else { return nil }
            return value
        }
        var out = ""
        for piece in pieces {
            switch piece {
            case .literal(let text): out += text
            case .label(let name):
                guard let value = lookup(name), !value.isEmpty else { return nil }
                out += value
            }
        }
        return out
    }

    /// `[a-zA-Z_][a-zA-Z0-9_]*`, the Prometheus data model's label names.
    package static func isLabelName(_ name: String) -> Bool {
        guard let first = name.utf8.first else { return false }
        func letter(_ b: UInt8) -> Bool { (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 }
        return letter(first) && name.utf8.allSatisfy { letter($0) || ($0 >= 48 && $0 <= 57) }
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`, the Prometheus data model's metric names.
    package static func isMetricName(_ name: String) -> Bool {
        guard let first = name.utf8.first else { return false }
        func letter(_ b: UInt8) -> Bool { (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 || b == 58 }
        return letter(first) && name.utf8.allSatisfy { letter($0) || ($0 >= 48 && $0 <= 57) }
    }
}

/// What is wrong with a label template.
package struct TemplateError: Error, Equatable, CustomStringConvertible {
    package var description: String
    init(_ description: String) { self.description = description }
}
