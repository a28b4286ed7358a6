import Forecast
import Foundation
import Store
import TOMLKit

/// The fleet file (`config/pops.example.toml` documents every key):
///
/// ```toml
/// [[pops]]
/// name = "fra1"                       # unique
/// price_per_hour = 0.48               # money units per hour, ≥ 0
/// strategies = ["live", "checkpoint_restart", "partition"]
/// startup_seconds = 15                # optional, default 0
/// down = false                        # optional, default false
/// [pops.capacity]                     # optional; a missing resource is unconstrained
/// cpu_cores = 32
/// memory_bytes = 137438953472
///
/// [[links]]                           # symmetric unless both directions are given
/// from = "fra1"
/// to = "ams1"
/// bandwidth_bytes_per_second = 1.25e9 # > 0
/// latency_seconds = 0.006             # ≥ 0
/// ```
///
/// `[pre_copy]` (optional) gives dirty rates for pricing live moves (`PreCopySettings`).
///
/// Integers and floats are both accepted for numbers. The top-level `[agent]` table and
/// `[[workloads]]` array belong to the agent and are ignored here; any other top-level
/// key, and any unknown key inside a POP, its capacity or a link, is an error.
extension Fleet {
    /// The top-level keys the scorer reads.
    package static let topLevelKeys = ["pops", "links", "pre_copy"]
    /// The top-level keys that belong to the agent (read by the agent, skipped here).
    package static let agentKeys = ["agent", "workloads"]
    package static let popKeys = ["name", "capacity", "price_per_hour", "price_per_core_hour", "price_per_gib_hour", "strategies", "startup_seconds", "down"]
    package static let linkKeys = ["from", "to", "bandwidth_bytes_per_second", "latency_seconds"]

    /// Reads and validates the fleet file at `path`.
    /// - Throws: `FleetError` naming the file (and the line for TOML syntax errors).
    package static func load(path: String) throws -> Fleet {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw FleetError.cannotRead(file: path, reason: error.localizedDescription)
        }
        return try Fleet(toml: text, source: path)
    }

    /// Parses and validates a fleet file's text; `source` names it in error messages.
    package init(toml text: String, source: String) throws {
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw FleetError.syntax(file: source, line: error.source.begin.line, column: error.source.begin.column,
                                    message: error.description)
        }
        let document = TOMLFields(root, path: "", source: source)
        try document.rejectUnknownKeys(allowed: Self.topLevelKeys, ignored: Self.agentKeys)
        var pops: [POP] = []
        for (i, table) in try document.arrayOfTables("pops").enumerated() {
            pops.append(try Self.parsePOP(TOMLFields(table, path: "pops[\(i)]", source: source)))
        }
        var links: [POPLink] = []
        for (i, table) in try document.arrayOfTables("links").enumerated() {
            links.append(try Self.parseLink(TOMLFields(table, path: "links[\(i)]", source: source)))
        }
        try self.init(pops: pops, declaredLinks: links, source: source)
        if let table = try document.table("pre_copy") {
            preCopy = try Self.parsePreCopy(TOMLFields(table, path: "pre_copy", source: source))
        }
    }

    /// `[pre_copy]` (`PreCopySettings`): `dirty_bytes_per_second` and a `workloads` table of
    /// rates by name, every rate a finite number ≥ 0.
    private static func parsePreCopy(_ fields: TOMLFields) throws -> PreCopySettings {
        try fields.rejectUnknownKeys(allowed: ["dirty_bytes_per_second", "workloads"])
        func rate(_ fields: TOMLFields, _ key: String) throws -> Double? {
            guard let value = try fields.number(key, expected: "a number (bytes per second)") else { return nil }
            guard value.isFinite, value >= 0 else {
                throw FleetError.invalidValue(file: fields.source, keyPath: fields.keyPath(key), message: "is \(value); expected a finite number ≥ 0 (bytes per second)")
            }
            return value
        }
        var settings = PreCopySettings(dirtyBytesPerSecond: try rate(fields, "dirty_bytes_per_second"))
        if let table = try fields.table("workloads") {
            let workloads = TOMLFields(table, path: fields.keyPath("workloads"), source: fields.source)
            for name in table.keys.sorted() { settings.workloads[name] = try rate(workloads, name) }
        }
        return settings
    }

    private static func parsePOP(_ fields: TOMLFields) throws -> POP {
        try fields.rejectUnknownKeys(allowed: popKeys)
        var capacity = ResourceVector.absent
        if let table = try fields.table("capacity") {
            let capacityFields = TOMLFields(table, path: fields.path + ".capacity", source: fields.source)
            try capacityFields.rejectUnknownKeys(allowed: Resource.allCases.map(\.snakeCaseName))
            for resource in Resource.allCases {
                if let value = try capacityFields.number(resource.snakeCaseName) { capacity[resource] = value }
            }
        }
        var strategies: Set<MigrationStrategy> = []
        let names = try fields.strings("strategies", expected: "an array of strategy names") ?? {
            throw FleetError.missingKey(file: fields.source, keyPath: fields.path + ".strategies",
                                        expected: "an array of strategy names (subset of \(MigrationStrategy.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")); [] to accept no migrations)")
        }()
        for (i, name) in names.enumerated() {
            guard let strategy = MigrationStrategy(rawValue: name) else {
                throw FleetError.invalidValue(file: fields.source, keyPath: "\(fields.path).strategies[\(i)]",
                                              message: "is \"\(name)\"; expected one of \(MigrationStrategy.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            strategies.insert(strategy)
        }
        return POP(
            name: try fields.requiredString("name"),
            capacity: capacity,
            pricePerHour: try fields.requiredNumber("price_per_hour", expected: "a number (money units per hour)"),
            pricePerCoreHour: try fields.number("price_per_core_hour") ?? 0,
            pricePerGiBHour: try fields.number("price_per_gib_hour") ?? 0,
            strategies: strategies,
            startupSeconds: try fields.number("startup_seconds") ?? 0,
            down: try fields.bool("down") ?? false)
    }

    private static func parseLink(_ fields: TOMLFields) throws -> POPLink {
        try fields.rejectUnknownKeys(allowed: linkKeys)
        return POPLink(
            from: try fields.requiredString("from"),
            to: try fields.requiredString("to"),
            bandwidthBytesPerSecond: try fields.requiredNumber("bandwidth_bytes_per_second", expected: "a number (bytes per second)"),
            latencySeconds: try fields.requiredNumber("latency_seconds", expected: "a number (seconds)"))
    }
}

/// Typed, strict access to one TOML table, with its key path for error messages.
private struct TOMLFields {
    package let table: TOMLTable
    package let path: String
    package let source: String

    package init(_ table: TOMLTable, path: String, source: String) {
        self.table = table
        self.path = path
        self.source = source
    }

    package func keyPath(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    package func rejectUnknownKeys(allowed: [String], ignored: [String] = []) throws {
        for key in table.keys.sorted() where !allowed.contains(key) && !ignored.contains(key) {
            throw FleetError.unknownKey(file: source, keyPath: keyPath(key), expected: allowed)
        }
    }

    private func typeMismatch(_ key: String, _ value: any TOMLValueConvertible, expected: String) -> FleetError {
        FleetError.wrongType(file: source, keyPath: keyPath(key), expected: expected, found: value.type.description)
    }

    /// An integer or a float, as a Double; nil when absent.
    package func number(_ key: String, expected: String = "a number") throws -> Double? {
        guard let value = table[key] else { return nil }
        if let int = value.int { return Double(int) }
        if let double = value.double { return double }
        throw typeMismatch(key, value, expected: expected)
    }

    package func requiredNumber(_ key: String, expected: String) throws -> Double {
        guard let value = try number(key, expected: expected) else {
            throw FleetError.missingKey(file: source, keyPath: keyPath(key), expected: expected)
        }
        return value
    }

    package func requiredString(_ key: String) throws -> String {
        guard let value = table[key] else { throw FleetError.missingKey(file: source, keyPath: keyPath(key), expected: "a string") }
        guard let string = value.string else { throw typeMismatch(key, value, expected: "a string") }
        return string
    }

    package func bool(_ key: String) throws -> Bool? {
        guard let value = table[key] else { return nil }
        guard let bool = value.bool else { throw typeMismatch(key, value, expected: "true or false") }
        return bool
    }

    package func table(_ key: String) throws -> TOMLTable? {
        guard let value = table[key] else { return nil }
        guard let table = value.table else { throw typeMismatch(key, value, expected: "a table") }
        return table
    }

    package func strings(_ key: String, expected: String) throws -> [String]? {
        guard let value = table[key] else { return nil }
        guard let array = value.array else { throw typeMismatch(key, value, expected: expected) }
        return try array.enumerated().map { i, element in
            guard let string = element.string else {
                throw FleetError.wrongType(file: source, keyPath: "\(keyPath(key))[\(i)]", expected: "a string", found: element.type.description)
            }
            return string
        }
    }

    /// An array of tables (`[[key]]`); empty when absent.
    package func arrayOfTables(_ key: String) throws -> [TOMLTable] {
        guard let value = table[key] else { return [] }
        let expected = "an array of tables ([[\(key)]])"
        guard let array = value.array else { throw typeMismatch(key, value, expected: expected) }
        return try array.enumerated().map { i, element in
            guard let table = element.table else {
                throw FleetError.wrongType(file: source, keyPath: "\(keyPath(key))[\(i)]", expected: "a table", found: element.type.description)
            }
            return table
        }
    }
}
