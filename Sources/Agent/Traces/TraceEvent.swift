/// One execution-trace event: what a workload's code (or, for uninstrumented processes, the
/// kernel) says it was doing at an instant. The wire form is one JSON line
/// (docs/trace-protocol.md); the store keeps it as a `trace_events` row.
public struct TraceEvent: Sendable, Equatable {
    /// What the event marks. The first five arrive over the socket; `state` is also what
    /// the kernel-state sampler emits (a symbol such as `S:futex`).
    public enum Kind: String, Sendable, CaseIterable {
        case spanStart = "span_start"
        case spanEnd = "span_end"
        case phase
        case loop
        case state
    }

    /// The workload's name: from the line, or resolved from the connection's peer pid;
    /// nil only before resolution.
    public var workload: String?
    /// Unix seconds (fractional).
    public var timestampSeconds: Double
    public var kind: Kind
    /// 1…256 bytes of UTF-8.
    public var name: String
    /// A finite number (a loop index, a byte count), or nil.
    public var value: Double?
    /// The line's `attrs` object as compact JSON text (a flat object of scalars), or nil.
    public var attributesJSON: String?

    public init(workload: String?, timestampSeconds: Double, kind: Kind, name: String, value: Double? = nil,
                attributesJSON: String? = nil) {
        self.workload = workload
        self.timestampSeconds = timestampSeconds
        self.kind = kind
        self.name = name
        self.value = value
        self.attributesJSON = attributesJSON
    }
}

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
