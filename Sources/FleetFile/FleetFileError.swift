/// Why a fleet file (or a fleet built in code) was refused, by the agent or the scorer.
/// Every message names the file, the key path inside it (`pops[2].capacity.cpu_cores`,
/// `workloads[0].checkpoint.timeout_seconds`) and what was expected.
public enum FleetFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be read.
    case cannotRead(file: String, reason: String)
    /// Not valid TOML; `line` and `column` are 1-based.
    case syntax(file: String, line: Int, column: Int, message: String)
    /// A required key that is absent.
    case missingKey(file: String, keyPath: String, expected: String)
    /// A key the schema does not know (a typo, usually).
    case unknownKey(file: String, keyPath: String, expected: [String])
    /// A key whose value has the wrong TOML type.
    case wrongType(file: String, keyPath: String, expected: String, found: String)
    /// A value of the right type outside its valid range.
    case invalidValue(file: String, keyPath: String, message: String)
    /// Two POPs with one name.
    case duplicatePOP(file: String, keyPath: String, name: String)
    /// A link naming a POP the file does not declare.
    case unknownPOP(file: String, keyPath: String, name: String, known: [String])
    /// The same direction of a link declared twice.
    case duplicateLink(file: String, keyPath: String, from: String, to: String)

    public var description: String {
        switch self {
        case let .cannotRead(file, reason): "\(file): cannot read the fleet file: \(reason)"
        case let .syntax(file, line, column, message): "\(file):\(line):\(column): TOML syntax error: \(message)"
        case let .missingKey(file, keyPath, expected): "\(file): \(keyPath) is missing; expected \(expected)"
        case let .unknownKey(file, keyPath, expected): "\(file): unknown key \(keyPath); expected one of \(expected.joined(separator: ", "))"
        case let .wrongType(file, keyPath, expected, found): "\(file): \(keyPath) is \(found); expected \(expected)"
        case let .invalidValue(file, keyPath, message): "\(file): \(keyPath) \(message)"
        case let .duplicatePOP(file, keyPath, name):
            "\(file): \(keyPath) declares POP \"\(name)\" a second time; POP names must be unique"
        case let .unknownPOP(file, keyPath, name, known):
            "\(file): \(keyPath) names POP \"\(name)\", which is not declared; declared POPs: \(known.joined(separator: ", "))"
        case let .duplicateLink(file, keyPath, from, to):
            "\(file): \(keyPath) declares the link \(from) → \(to) a second time; give each direction at most once"
        }
    }
}
