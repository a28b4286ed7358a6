import Wire

/// Why a trace line was refused. `byteOffset` is 0-based within the line (newline
/// excluded); `field` is the top-level key being read, when there is one.
public struct TraceLineError: Error, Equatable, Sendable, CustomStringConvertible {
    public var byteOffset: Int
    public var field: String?
    public var reason: String

    public init(byteOffset: Int, field: String?, reason: String) {
        self.byteOffset = byteOffset
        self.field = field
        self.reason = reason
    }

    public var description: String {
        let place = field.map { "byte \(byteOffset), field \"\($0)\"" } ?? "byte \(byteOffset)"
        return "trace line \(place): \(reason) (see docs/trace-protocol.md)"
    }
}
