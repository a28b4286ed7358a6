import Store
/// Why a fleet file (or a fleet built in code) was refused. Every message names the
/// file, the key path inside it (`pops[2].capacity.cpu_cores`) and what was expected.
package enum FleetError: Error, Equatable, CustomStringConvertible {
    /// The file could not be read.
    case cannotRead(file: String, reason: String)
    /// Not valid TOML; `line` and `column` are 1-based.
    case syntax(file: String, line: Int, column: Int, message: String)
    /// A key whose value has the wrong TOML type.
    case wrongType(file: String, keyPath: String, expected: String, found: String)
    /// A key the schema does not know (a typo, usually).
    case unknownKey(file: String, keyPath: String, expected: [String])
    /// A required key that is absent.
    case missingKey(file: String, keyPath: String, expected: String)
    /// A value of the right type outside its valid range.
    case invalidValue(file: String, keyPath: String, message: String)
    /// Two POPs with one name.
    case duplicatePOP(file: String, keyPath: String, name: String)
    /// A link naming a POP the file does not declare.
    case unknownPOP(file: String, keyPath: String, name: String, known: [String])
    /// The same direction of a link declared twice.
    case duplicateLink(file: String, keyPath: String, from: String, to: String)

    package var description: String {
        switch self {
        case .cannotRead(let file, let reason):
            "\(file): cannot read the fleet file: \(reason)"
        case .syntax(let file, let line, let column, let message):
            "\(file):\(line):\(column): invalid TOML: \(message)"
        case .wrongType(let file, let keyPath, let expected, let found):
            "\(file): \(keyPath) is a \(found); expected \(expected)"
        case .unknownKey(let file, let keyPath, let expected):
            "\(file): unknown key \(keyPath); expected one of \(expected.joined(separator: ", "))"
        case .missingKey(let file, let keyPath, let expected):
            "\(file): missing \(keyPath); expected \(expected)"
        case .invalidValue(let file, let keyPath, let message):
            "\(file): \(keyPath) \(message)"
        case .duplicatePOP(let file, let keyPath, let name):
            "\(file): \(keyPath) declares POP \"\(name)\" a second time; POP names must be unique"
        case .unknownPOP(let file, let keyPath, let name, let known):
            "\(file): \(keyPath) names POP \"\(name)\", which is not declared; declared POPs: \(known.joined(separator: ", "))"
        case .duplicateLink(let file, let keyPath, let from, let to):
            "\(file): \(keyPath) declares the link \(from) → \(to) a second time; give each direction at most once"
        }
    }
}
