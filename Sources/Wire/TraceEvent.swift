import Resources

/// One execution-trace event: what a workload's code (or, for uninstrumented processes, the
/// kernel) says it was doing at an instant. The agent reads it from a workload's socket line
/// (docs/trace-protocol.md), sends it in a batch's `traces` (`TraceEvent+Codable`), and the
/// scorer stores it as a `trace_events` row and feeds it to the workload's online state.
public struct TraceEvent: Sendable, Equatable {
    /// What the event marks: the protocol's five (`span_start`, `span_end`, `phase`, `loop`,
    /// `state`; `state` is also what the kernel-state sampler emits, a symbol such as
    /// `S:futex`) and the raw kernel observations `syscall` and `wchan` that importers store.
    ///
    /// A struct over the raw text rather than an enum so that a value read from a row or a
    /// literal in code can name a kind the store then refuses with a message; parsers use the
    /// failable `init?(rawValue:)`, which admits the known kinds only.
    public struct Kind: RawRepresentable, Hashable, Sendable, Codable, ExpressibleByStringLiteral, CustomStringConvertible {
        public let rawValue: String

        /// Only a known kind (`Kind.known`).
        public init?(rawValue: String) {
            guard Self.known.contains(rawValue) else { return nil }
            self.rawValue = rawValue
        }

        /// Any text: a literal is the programmer's; the store and the wire decoder check it.
        public init(stringLiteral value: String) { rawValue = value }

        public var description: String { rawValue }

        public static let spanStart: Kind = "span_start"
        public static let spanEnd: Kind = "span_end"
        public static let phase: Kind = "phase"
        public static let loop: Kind = "loop"
        public static let state: Kind = "state"
        public static let syscall: Kind = "syscall"
        public static let wchan: Kind = "wchan"

        /// The kinds a workload may send over the agent's socket (docs/trace-protocol.md).
        public static let protocolCases: [Kind] = [.spanStart, .spanEnd, .phase, .loop, .state]
        /// `protocolCases` as text.
        public static let protocolKinds = Set(protocolCases.map(\.rawValue))
        /// Every kind `trace_events` holds: the protocol's and the raw kernel ones.
        public static let known: Set<String> = protocolKinds.union(["syscall", "wchan"])

        public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }
    }

    /// The workload's name. Always set in a batch; nil only inside the agent, for a socket
    /// line that named none, until the connection's peer pid resolves it.
    public var workload: String?
    /// Unix seconds (fractional).
    public var timestampSeconds: Double
    public var kind: Kind
    /// 1…256 bytes of UTF-8.
    public var name: String
    /// A finite number (a loop index, a byte count), or nil.
    public var value: Double?
    /// The attributes as compact JSON text, keys sorted (a flat object of scalars), or nil.
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

    /// Every kind `trace_events` holds (`Kind.known`), as text.
    public static var kinds: Set<String> { Kind.known }
    /// The latest timestamp accepted (2100-01-01): later ones are unit mistakes (ms, ns).
    public static let latestTimestampSeconds = Double(InputRules.importTimestampLimit)
    /// Longest `workload` and `name` on the wire, bytes.
    public static let maximumNameBytes = 256
    /// Most keys in `attributes`.
    public static let maximumAttributes = 32
    /// Longest `attributes` object, re-encoded: the agent's intake takes lines of at most
    /// 4 KiB (docs/trace-protocol.md), so a longer object cannot have come from it.
    public static let maximumAttributeBytes = 4096
}
