import TOMLKit

/// Typed, strict access to one TOML table with its key path, for error messages that name
/// the file and key (the agent's twin of the scorer's reader; the agent does not link the
/// scorer).
struct TOMLFieldReader {
    let table: TOMLTable
    let path: String
    let source: String

    init(_ table: TOMLTable, path: String, source: String) {
        self.table = table
        self.path = path
        self.source = source
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    func child(_ table: TOMLTable, _ key: String) -> TOMLFieldReader { TOMLFieldReader(table, path: keyPath(key), source: source) }

    func rejectUnknownKeys(allowed: [String], ignored: [String] = []) throws(AgentConfigError) {
        for key in table.keys.sorted() where !allowed.contains(key) && !ignored.contains(key) {
            throw .unknownKey(file: source, keyPath: keyPath(key), expected: allowed)
        }
    }

    func invalid(_ key: String, _ message: String) -> AgentConfigError {
        .invalidValue(file: source, keyPath: keyPath(key), message: message)
    }

    private func mismatch(_ key: String, _ value: any TOMLValueConvertible, _ expected: String) -> AgentConfigError {
        .wrongType(file: source, keyPath: keyPath(key), expected: expected, found: value.type.description)
    }

    private func missing(_ key: String, _ expected: String) -> AgentConfigError {
        .missingKey(file: source, keyPath: keyPath(key), expected: expected)
    }

    func number(_ key: String, expected: String = "a number") throws(AgentConfigError) -> Double? {
        guard let value = table[key] else { return nil }
        if let int = value.int { return Double(int) }
        if let double = value.double { return double }
        throw mismatch(key, value, expected)
    }

    func requiredNumber(_ key: String, expected: String) throws(AgentConfigError) -> Double {
        guard let value = try number(key, expected: expected) else { throw missing(key, expected) }
        return value
    }

    func integer(_ key: String, expected: String = "an integer") throws(AgentConfigError) -> Int? {
        guard let value = table[key] else { return nil }
        guard let int = value.int else { throw mismatch(key, value, expected) }
        return int
    }

    func requiredInteger(_ key: String, expected: String = "an integer") throws(AgentConfigError) -> Int {
        guard let value = try integer(key, expected: expected) else { throw missing(key, expected) }
        return value
    }

    func string(_ key: String, expected: String = "a string") throws(AgentConfigError) -> String? {
        guard let value = table[key] else { return nil }
        guard let string = value.string else { throw mismatch(key, value, expected) }
        return string
    }

    func requiredString(_ key: String, expected: String = "a string") throws(AgentConfigError) -> String {
        guard let value = try string(key, expected: expected) else { throw missing(key, expected) }
        return value
    }

    func bool(_ key: String) throws(AgentConfigError) -> Bool? {
        guard let value = table[key] else { return nil }
        guard let bool = value.bool else { throw mismatch(key, value, "true or false") }
        return bool
    }

    func table(_ key: String) throws(AgentConfigError) -> TOMLTable? {
        guard let value = table[key] else { return nil }
        guard let table = value.table else { throw mismatch(key, value, "a table") }
        return table
    }

    func strings(_ key: String, expected: String) throws(AgentConfigError) -> [String]? {
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
    func arrayOfTables(_ key: String) throws(AgentConfigError) -> [TOMLTable] {
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
