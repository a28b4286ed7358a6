/// A fleet file the agent cannot use. Every message names the file and the key path
/// (`workloads[0].checkpoint.timeout_seconds`) and says what was expected.
public enum AgentConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    case cannotRead(file: String, reason: String)
    case syntax(file: String, line: Int, column: Int, message: String)
    case missingKey(file: String, keyPath: String, expected: String)
    case unknownKey(file: String, keyPath: String, expected: [String])
    case wrongType(file: String, keyPath: String, expected: String, found: String)
    case invalidValue(file: String, keyPath: String, message: String)

    public var description: String {
        switch self {
        case let .cannotRead(file, reason): "\(file): cannot read the fleet file: \(reason)"
        case let .syntax(file, line, column, message): "\(file):\(line):\(column): TOML syntax error: \(message)"
        case let .missingKey(file, keyPath, expected): "\(file): \(keyPath) is missing; expected \(expected)"
        case let .unknownKey(file, keyPath, expected):
            "\(file): unknown key \(keyPath); expected one of \(expected.joined(separator: ", "))"
        case let .wrongType(file, keyPath, expected, found): "\(file): \(keyPath) is \(found); expected \(expected)"
        case let .invalidValue(file, keyPath, message): "\(file): \(keyPath) \(message)"
        }
    }
}
