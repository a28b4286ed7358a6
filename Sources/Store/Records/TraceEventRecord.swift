import GRDB

/// A row of `trace_events`: what a workload's code was doing at an instant — a span
/// entry/exit, a loop iteration, a named phase, or a kernel-visible state symbol.
/// Keyed `(workload, timestamp, kind, name)`; these feed the HMM.
public struct TraceEventRecord: Sendable, Equatable, Codable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "trace_events"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    public var id: Int64?
    public var workloadId: Int64
    /// Unix seconds (fractional allowed).
    public var timestamp: Double
    /// `span_start`, `span_end`, `phase`, `loop`, `state`, `syscall`, `wchan`.
    public var kind: String
    public var name: String
    public var value: Double?
    /// A JSON object of extra attributes, or nil.
    public var attributes: String?

    public init(id: Int64? = nil, workloadId: Int64, timestamp: Double, kind: String, name: String,
                value: Double? = nil, attributes: String? = nil) {
        self.id = id
        self.workloadId = workloadId
        self.timestamp = timestamp
        self.kind = kind
        self.name = name
        self.value = value
        self.attributes = attributes
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
