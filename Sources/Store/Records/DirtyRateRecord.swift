import GRDB

/// A row of `dirty_rates`: the rate at which a VM's guest dirtied its memory, as QEMU
/// measured it during the pre-copy rounds of the workload's last live migration
/// (`dirty-pages-rate` × `page-size` of `query-migrate`). One row per workload; a newer
/// report replaces it.
public struct DirtyRateRecord: Sendable, Equatable, Codable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "dirty_rates"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    public var workloadId: Int64
    /// Bytes per second, finite and ≥ 0.
    public var bytesPerSecond: Double
    /// QEMU's `dirty-sync-count` when it was reported: the passes over guest memory the
    /// rate was measured across (≥ 1).
    public var rounds: Int
    /// Unix seconds of the report.
    public var measuredAt: Int64
    /// The migration whose rounds measured it, while that row exists.
    public var migrationId: Int64?

    public init(workloadId: Int64, bytesPerSecond: Double, rounds: Int, measuredAt: Int64, migrationId: Int64? = nil) {
        self.workloadId = workloadId
        self.bytesPerSecond = bytesPerSecond
        self.rounds = rounds
        self.measuredAt = measuredAt
        self.migrationId = migrationId
    }
}
