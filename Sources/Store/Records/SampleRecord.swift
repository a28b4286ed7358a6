import Forecast
import GRDB

/// A row of `samples`: usage of one workload at one instant (Unix seconds), in SI units.
///
/// For single rows (tests, the agent's small batches). Bulk paths — importers and the
/// trainer's reads — bypass this type and bind/read columns directly
/// (`SampleWriter`, `HeadroomStore+SampleReads`).
public struct SampleRecord: Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "samples"

    public var workloadId: Int64
    public var timestamp: Int64
    public var usage: ResourceVector

    public init(workloadId: Int64, timestamp: Int64, usage: ResourceVector) {
        self.workloadId = workloadId
        self.timestamp = timestamp
        self.usage = usage
    }

    public init(row: Row) {
        workloadId = row["workload_id"]
        timestamp = row["timestamp"]
        usage = ResourceColumns.decode(row, prefix: "")
    }

    public func encode(to container: inout PersistenceContainer) {
        container["workload_id"] = workloadId
        container["timestamp"] = timestamp
        ResourceColumns.encode(usage, prefix: "", into: &container)
    }
}
