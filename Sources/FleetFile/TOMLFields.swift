import Foundation
import TOMLKit

/// Typed, strict access to one TOML table with its key path, so that every error names the
/// file and the key (`pops[0].capacity.cpu_cores`). The fleet file's one reader: the shared
/// `[[pops]]`/`[[links]]` sections (`FleetDeclarations`) and the agent's `[agent]` and
/// `[[workloads]]`.
public struct TOMLFields {
    public let table: TOMLTable
    /// Key path of `table` inside the file; "" for the root.
    public let path: String
    /// The file's name, for messages.
    public let source: String

    public init(_ table: TOMLTable, path: String, source: String) {
        self.table = table
        self.path = path
        self.source = source
    }

    /// Parses `text` (the file `source`) into its root table.
    /// - Throws: `FleetFileError.syntax` naming the line and column.
    public static func parse(_ text: String, source: String) throws(FleetFileError) -> TOMLFields {
        do { return TOMLFields(try TOMLTable(string: text), path: "", source: source) } catch let error as TOMLParseError {
            throw .syntax(file: source, line: error.source.begin.line, column: error.source.begin.column, message: error.description)
        } catch {
            throw .syntax(file: source, line: 0, column: 0, message: "\(error)")
        }
    }

    /// Reads the file at `path` and parses it.
    /// - Throws: `FleetFileError.cannotRead` or `.syntax`.
    public static func load(path: String) throws(FleetFileError) -> TOMLFields {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw .cannotRead(file: path, reason: error.localizedDescription)
        }
        return try parse(text, source: path)
    }

    public func keyPath(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    /// The table's keys, sorted (a table of names, such as `[pre_copy.workloads]`, is read
    /// key by key).
    public var keys: [String] { table.keys.sorted() }

    /// The reader of `table`, found under `key` of this one.
    public func child(_ table: TOMLTable, _ key: String) -> TOMLFields { TOMLFields(table, path: keyPath(key), source: source) }

    /// Every key of this table that is neither `allowed` nor `ignored` is an error (sorted,
    /// so the first is reported whatever the file's order).
    public func rejectUnknownKeys(allowed: [String], ignored: [String] = []) throws(FleetFileError) {
        for key in table.keys.sorted() where !allowed.contains(key) && !ignored.contains(key) {
            throw .unknownKey(file: source, keyPath: keyPath(key), expected: allowed)
        }
    }

    public func invalid(_ key: String, _ message: String) -> FleetFileError {
        .invalidValue(file: source, keyPath: keyPath(key), message: message)
    }

    public func missing(_ key: String, _ expected: String) -> FleetFileError {
        .missingKey(file: source, keyPath: keyPath(key), expected: expected)
    }

    private func mismatch(_ key: String, _ value: any TOMLValueConvertible, _ expected: String) -> FleetFileError {
        .wrongType(file: source, keyPath: keyPath(key), expected: expected, found: value.type.description)
    }

    /// An integer or a float, as a Double; nil when absent.
    public func number(_ key: String, expected: String = "a number") throws(FleetFileError) -> Double? {
        guard let value = table[key] else { return nil }
        if let int = value.int { return Double(int) }
        if let double = value.double { return double }
        throw mismatch(key, value, expected)
    }

    public func requiredNumber(_ key: String, expected: String) throws(FleetFileError) -> Double {
        guard let value = try number(key, expected: expected) else { throw missing(key, expected) }
        return value
    }

    public func integer(_ key: String, expected: String = "an integer") throws(FleetFileError) -> Int? {
        guard let value = table[key] else { return nil }
        guard let int = value.int else { throw mismatch(key, value, expected) }
        return int
    }

    public func requiredInteger(_ key: String, expected: String = "an integer") throws(FleetFileError) -> Int {
        guard let value = try integer(key, expected: expected) else { throw missing(key, expected) }
        return value
    }

    public func string(_ key: String, expected: String = "a string") throws(FleetFileError) -> String? {
        guard let value = table[key] else { return nil }
        guard let string = value.string else { throw mismatch(key, value, expected) }
        return string
    }

    public func requiredString(_ key: String, expected: String = "a string") throws(FleetFileError) -> String {
        guard let value = try string(key, expected: expected) else { throw missing(key, expected) }
        return value
    }

    public func bool(_ key: String) throws(FleetFileError) -> Bool? {
        guard let value = table[key] else { return nil }
        guard let bool = value.bool else { throw mismatch(key, value, "true or false") }
        return bool
    }

    public func table(_ key: String) throws(FleetFileError) -> TOMLTable? {
        guard let value = table[key] else { return nil }
        guard let table = value.table else { throw mismatch(key, value, "a table") }
        return table
    }

    public func strings(_ key: String, expected: String) throws(FleetFileError) -> [String]? {
        guard let value = table[key] else { return nil }
        guard let array = value.array else { throw mismatch(key, value, expected) }
        var out: [String] = []
        for (i, element) in array.enumerated() {
            guard let string = element.string else {
                throw .wrongType(file: source, keyPath: "\(keyPath(key))[\(i)]", expected: "a string", found: element.type.description)
            }
            out.append(string)
        }
        return out
    }

    /// An array of tables (`[[key]]`); empty when absent.
    public func arrayOfTables(_ key: String) throws(FleetFileError) -> [TOMLTable] {
        guard let value = table[key] else { return [] }
        guard let array = value.array else { throw mismatch(key, value, "an array of tables ([[\(key)]])") }
        var out: [TOMLTable] = []
        for (i, element) in array.enumerated() {
            guard let table = element.table else {
                throw .wrongType(file: source, keyPath: "\(keyPath(key))[\(i)]", expected: "a table", found: element.type.description)
            }
            out.append(table)
        }
        return out
    }
}
