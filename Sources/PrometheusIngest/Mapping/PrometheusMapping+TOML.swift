import Foundation
import Resources
import TOMLKit

/// The mapping file's reader: strict TOML, every error names the file, the key and what
/// was expected.
///
/// ```toml
/// [workload]
/// name = "{groupname}"        # template naming the workload (required unless every rule has its own)
/// pop = "ams1"                # optional template naming the POP it runs at
///
/// [[metrics]]
/// metric = "namedprocess_namegroup_cpu_seconds_total"
/// resource = "cpu_cores"      # a resource of the vector, snake_case
/// role = "usage"             # optional: usage (default) or allocation (a limit it is given)
/// kind = "counter"            # counter (rate per second) or gauge (as it is)
/// scale = 1.0                 # optional, default 1: into the resource's SI unit
/// labels = { mode = "user" }  # optional: labels that must equal these values
/// exclude = { mode = ["idle"] } # optional: labels that must not be any of these ("" = absent)
/// workload = "{instance}"     # optional: this rule's own workload template
/// pop = "{pop}"               # optional: this rule's own POP template
/// ```
extension PrometheusMapping {
    package static let topLevelKeys = ["workload", "metrics"]
    package static let workloadKeys = ["name", "pop"]
    package static let ruleKeys = ["metric", "resource", "role", "kind", "scale", "labels", "exclude", "workload", "pop"]

    /// Reads the mapping file at `path`.
    /// - Throws: `MappingError` naming the file.
    package static func load(path: String) throws(MappingError) -> PrometheusMapping {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw MappingError(file: path, key: nil, message: "cannot be read (\(error.localizedDescription))")
        }
        return try PrometheusMapping(toml: text, source: path)
    }

    /// Parses a mapping file's text; `source` names it in messages.
    /// - Throws: `MappingError` naming the key, what was expected and what was found.
    package init(toml text: String, source: String) throws(MappingError) {
        let root: TOMLTable
        do { root = try TOMLTable(string: text) } catch let error as TOMLParseError {
            throw MappingError(file: source, key: nil,
                               message: "line \(error.source.begin.line), column \(error.source.begin.column): \(error.description)")
        } catch {
            throw MappingError(file: source, key: nil, message: "is not TOML (\(error))")
        }
        let top = Fields(table: root, path: "", source: source)
        try top.rejectUnknownKeys(Self.topLevelKeys)
        var defaultName: LabelTemplate?
        var defaultPOP: LabelTemplate?
        if let table = try top.table("workload") {
            let workload = Fields(table: table, path: "workload", source: source)
            try workload.rejectUnknownKeys(Self.workloadKeys)
            defaultName = try workload.template("name")
            defaultPOP = try workload.template("pop")
        }
        let tables = try top.arrayOfTables("metrics")
        guard !tables.isEmpty else {
            throw MappingError(file: source, key: "metrics", message: "expected at least one [[metrics]] rule, found none")
        }
        var rules: [Rule] = []
        for (i, table) in tables.enumerated() {
            let fields = Fields(table: table, path: "metrics[\(i)]", source: source)
            try fields.rejectUnknownKeys(Self.ruleKeys)
            let metric = try fields.requiredString("metric", expected: "a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)")
            guard LabelTemplate.isMetricName(metric) else {
                throw fields.invalid("metric", expected: "a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)", found: "\"\(metric)\"")
            }
            let resourceNames = Resource.allCases.map(\.snakeCaseName).joined(separator: ", ")
            let resourceName = try fields.requiredString("resource", expected: "one of \(resourceNames)")
            guard let resource = Resource(snakeCaseName: resourceName) else {
                throw fields.invalid("resource", expected: "one of \(resourceNames)", found: "\"\(resourceName)\"")
            }
            let kindName = try fields.requiredString("kind", expected: "\"counter\" or \"gauge\"")
            guard let kind = Kind(rawValue: kindName) else {
                throw fields.invalid("kind", expected: "\"counter\" (a rate is taken) or \"gauge\" (taken as it is)", found: "\"\(kindName)\"")
            }
            var role = Role.usage
            if table["role"] != nil {
                let roleName = try fields.requiredString("role", expected: "\"usage\" or \"allocation\"")
                guard let parsed = Role(rawValue: roleName) else {
                    throw fields.invalid("role", expected: "\"usage\" (what the workload uses, the default) or \"allocation\" (what it is given: a limit)", found: "\"\(roleName)\"")
                }
                role = parsed
            }
            let scale = try fields.number("scale") ?? 1
            guard scale.isFinite, scale > 0 else {
                throw fields.invalid("scale", expected: "a finite number > 0 (the unit conversion)", found: "\(scale)")
            }
            var labels: [(name: String, value: String)] = []
            if let table = try fields.table("labels") {
                let sub = Fields(table: table, path: fields.keyPath("labels"), source: source)
                for key in table.keys.sorted() {
                    guard LabelTemplate.isLabelName(key) else {
                        throw sub.invalid(key, expected: "a label name ([a-zA-Z_][a-zA-Z0-9_]*)", found: "\"\(key)\"")
                    }
                    labels.append((key, try sub.requiredString(key, expected: "the label's value (a string)")))
                }
            }
            var exclude: [(name: String, values: Set<String>)] = []
            if let table = try fields.table("exclude") {
                let sub = Fields(table: table, path: fields.keyPath("exclude"), source: source)
                for key in table.keys.sorted() {
                    guard LabelTemplate.isLabelName(key) else {
                        throw sub.invalid(key, expected: "a label name ([a-zA-Z_][a-zA-Z0-9_]*)", found: "\"\(key)\"")
                    }
                    exclude.append((key, Set(try sub.strings(key, expected: "an array of label values (strings; \"\" = absent)"))))
                }
            }
            guard let workload = try fields.template("workload") ?? defaultName else {
                throw MappingError(file: source, key: fields.keyPath("workload"),
                                   message: "expected a workload template (here or as [workload] name, e.g. \"{instance}\"), found none")
            }
            rules.append(Rule(metric: metric, resource: resource, role: role, kind: kind, scale: scale, labels: labels, exclude: exclude,
                              workload: workload, pop: try fields.template("pop") ?? defaultPOP, keyPath: fields.path))
        }
        self.init(source: source, rules: rules)
    }
}

/// A mapping file that cannot be used: `file: key: message` (the message says what was
/// expected and what was found).
package struct MappingError: Error, Equatable, CustomStringConvertible {
    package var file: String
    /// The key path (`metrics[2].kind`); nil for the file as a whole.
    package var key: String?
    package var message: String

    package var description: String { key.map { "\(file): \($0): \(message)" } ?? "\(file): \(message)" }
}

/// Typed, strict access to one table of the mapping file.
private struct Fields {
    let table: TOMLTable
    let path: String
    let source: String

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func invalid(_ key: String, expected: String, found: String) -> MappingError {
        MappingError(file: source, key: keyPath(key), message: "expected \(expected), found \(found)")
    }

    func wrongType(_ key: String, _ value: any TOMLValueConvertible, expected: String) -> MappingError {
        invalid(key, expected: expected, found: "a \(value.type.description.lowercased())")
    }

    func rejectUnknownKeys(_ allowed: [String]) throws(MappingError) {
        for key in table.keys.sorted() where !allowed.contains(key) {
            throw invalid(key, expected: "one of the keys \(allowed.joined(separator: ", "))", found: "an unknown key")
        }
    }

    func requiredString(_ key: String, expected: String) throws(MappingError) -> String {
        guard let value = table[key] else { throw MappingError(file: source, key: keyPath(key), message: "expected \(expected), found nothing") }
        guard let string = value.string else { throw wrongType(key, value, expected: expected) }
        return string
    }

    func number(_ key: String) throws(MappingError) -> Double? {
        guard let value = table[key] else { return nil }
        if let int = value.int { return Double(int) }
        if let double = value.double { return double }
        throw wrongType(key, value, expected: "a number")
    }

    func table(_ key: String) throws(MappingError) -> TOMLTable? {
        guard let value = table[key] else { return nil }
        guard let table = value.table else { throw wrongType(key, value, expected: "a table") }
        return table
    }

    func strings(_ key: String, expected: String) throws(MappingError) -> [String] {
        guard let value = table[key] else { return [] }
        guard let array = value.array else { throw wrongType(key, value, expected: expected) }
        var out: [String] = []
        for (i, element) in array.enumerated() {
            guard let string = element.string else {
                throw MappingError(file: source, key: "\(keyPath(key))[\(i)]", message: "expected a string, found a \(element.type.description.lowercased())")
            }
            out.append(string)
        }
        return out
    }

    func template(_ key: String) throws(MappingError) -> LabelTemplate? {
        guard let value = table[key] else { return nil }
        guard let text = value.string else { throw wrongType(key, value, expected: "a label template (a string such as \"{namespace}/{pod}\")") }
        do { return try LabelTemplate(text) } catch {
            throw invalid(key, expected: "a label template such as \"{namespace}/{pod}\" (\(error))", found: "\"\(text)\"")
        }
    }

    func arrayOfTables(_ key: String) throws(MappingError) -> [TOMLTable] {
        guard let value = table[key] else { return [] }
        guard let array = value.array else { throw wrongType(key, value, expected: "an array of tables ([[\(key)]])") }
        var out: [TOMLTable] = []
        for (i, element) in array.enumerated() {
            guard let table = element.table else {
                throw MappingError(file: source, key: "\(keyPath(key))[\(i)]", message: "expected a table, found a \(element.type.description.lowercased())")
            }
            out.append(table)
        }
        return out
    }
}
