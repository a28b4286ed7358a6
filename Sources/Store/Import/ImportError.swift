/// Why an import stopped. Every message names the file (and archive member), and for
/// malformed content the line, column and the expected form.
public enum ImportError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A malformed field. `file` is `path` or `archive:member`.
    case malformed(file: String, line: Int, column: Int, columnName: String, expected: String, found: String)
    /// The input could not be read (missing file, corrupt archive, decompressor failure).
    case input(InputError)
    /// A setting the input needs is missing or wrong.
    case configuration(String)
    /// SQLite refused a write.
    case database(file: String, message: String)

    public var description: String {
        switch self {
        case .malformed(let file, let line, let column, let columnName, let expected, let found):
            let shown = found.count > 60 ? String(found.prefix(60)) + "…" : found
            return "\(file):\(line): column \(column) (\(columnName)): expected \(expected), found \"\(shown)\". "
                + "Nothing from this file was imported; fix the row or pass --skip-invalid."
        case .input(let error): return error.description
        case .configuration(let message): return message
        case .database(let file, let message): return "\(file): the store refused the write: \(message)"
        }
    }
}
