import Forecast
import GRDB

/// A row of `workloads`: a process, container or VM whose usage is sampled.
public struct WorkloadRecord: Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "workloads"

    public var id: Int64?
    /// Unique name: the import prefix + file stem, or the trace's own id.
    public var name: String
    /// Where it came from: a trace format name (`bitbrains`, …) or `agent`.
    public var source: String
    /// The first file its samples came from, when imported.
    public var sourceFile: String?
    /// Median spacing of its samples in seconds, when known.
    public var intervalSeconds: Double?
    /// Limits per resource; NaN = no limit.
    public var limits: ResourceVector
    public var checkpointable: Bool
    public var liveMigratable: Bool
    public var partitionable: Bool
    /// Unix seconds.
    public var createdAt: Int64

    public init(
        id: Int64? = nil, name: String, source: String, sourceFile: String? = nil,
        intervalSeconds: Double? = nil, limits: ResourceVector = .absent, checkpointable: Bool = false,
        liveMigratable: Bool = false, partitionable: Bool = false, createdAt: Int64
    ) {
        self.id = id
        self.name = name
        self.source = source
        self.sourceFile = sourceFile
        self.intervalSeconds = intervalSeconds
        self.limits = limits
        self.checkpointable = checkpointable
        self.liveMigratable = liveMigratable
        self.partitionable = partitionable
        self.createdAt = createdAt
    }

    public init(row: Row) {
        id = row["id"]
        name = row["name"]
        source = row["source"]
        sourceFile = row["source_file"]
        intervalSeconds = row["interval_seconds"]
        limits = ResourceColumns.decode(row, prefix: "limit_")
        checkpointable = row["checkpointable"]
        liveMigratable = row["live_migratable"]
        partitionable = row["partitionable"]
        createdAt = row["created_at"]
    }

    public func encode(to container: inout PersistenceContainer) {
        container["id"] = id
        container["name"] = name
        container["source"] = source
        container["source_file"] = sourceFile
        container["interval_seconds"] = intervalSeconds
        ResourceColumns.encode(limits, prefix: "limit_", into: &container)
        container["checkpointable"] = checkpointable
        container["live_migratable"] = liveMigratable
        container["partitionable"] = partitionable
        container["created_at"] = createdAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
