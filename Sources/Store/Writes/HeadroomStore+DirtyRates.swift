import GRDB

/// The dirty rates measured by VMs' live migrations (`dirty_rates`), behind a typed write
/// and reads: the scorer records what an agent reports, and the next decision about the
/// workload — in the running scorer, after a restart, or in a replay — prices its live
/// move with it.
extension HeadroomStore {
    /// One workload's last measured dirty rate.
    public struct MeasuredDirtyRate: Sendable, Equatable {
        public var workload: String
        /// Bytes per second, finite and ≥ 0.
        public var bytesPerSecond: Double
        /// Passes over guest memory it was measured across (QEMU's `dirty-sync-count`).
        public var rounds: Int
        /// Unix seconds of the report.
        public var measuredAt: Int64
        public var migrationId: Int64?

        public init(workload: String, bytesPerSecond: Double, rounds: Int, measuredAt: Int64, migrationId: Int64? = nil) {
            self.workload = workload
            self.bytesPerSecond = bytesPerSecond
            self.rounds = rounds
            self.measuredAt = measuredAt
            self.migrationId = migrationId
        }
    }

    /// Records `rate` as its workload's dirty rate, replacing an older one; a report older
    /// than the stored one (a delayed retry) changes nothing.
    /// - Throws: `StoreError.invalidArgument` for a rate that is not finite and ≥ 0 or
    ///   rounds < 1 (QEMU has not measured anything before its first pass);
    ///   `StoreError.unknownWorkload` when no workload has that name.
    public func recordDirtyRate(_ rate: MeasuredDirtyRate) throws {
        guard rate.bytesPerSecond.isFinite, rate.bytesPerSecond >= 0 else {
            throw StoreError.invalidArgument("recordDirtyRate: \(rate.workload): bytes per second must be a finite number ≥ 0, got \(rate.bytesPerSecond)")
        }
        guard rate.rounds >= 1 else {
            throw StoreError.invalidArgument("recordDirtyRate: \(rate.workload): rounds must be ≥ 1 (a rate is measured across a pass over guest memory), got \(rate.rounds)")
        }
        if let postgres { return try postgres.recordDirtyRate(rate) }
        return try writer.write { db in
            guard let id = try Self.workloadID(db, rate.workload) else { throw StoreError.unknownWorkload(rate.workload) }
            if let stored = try DirtyRateRecord.fetchOne(db, key: id), stored.measuredAt > rate.measuredAt { return }
            let migration = try rate.migrationId.flatMap { try MigrationRecord.exists(db, key: $0) ? $0 : nil }
            try DirtyRateRecord(workloadId: id, bytesPerSecond: rate.bytesPerSecond, rounds: rate.rounds, measuredAt: rate.measuredAt,
                                migrationId: migration).save(db)
        }
    }

    /// The last measured dirty rate of `workload`, or nil (never measured, or no such workload).
    public func dirtyRate(workload: String) throws -> MeasuredDirtyRate? {
        if let postgres { return try postgres.dirtyRate(workload: workload) }
        return try reader.read { db in
            guard let id = try Self.workloadID(db, workload), let record = try DirtyRateRecord.fetchOne(db, key: id) else { return nil }
            return Self.measured(record, workload: workload)
        }
    }

    /// Every workload's last measured dirty rate, by workload name.
    public func dirtyRates() throws -> [String: MeasuredDirtyRate] {
        if let postgres { return try postgres.dirtyRates() }
        return try reader.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT w.name, d.* FROM dirty_rates d JOIN workloads w ON w.id = d.workload_id
                """)
            var out: [String: MeasuredDirtyRate] = [:]
            for row in rows {
                let name: String = row["name"]
                out[name] = Self.measured(try DirtyRateRecord(row: row), workload: name)
            }
            return out
        }
    }

    private static func measured(_ record: DirtyRateRecord, workload: String) -> MeasuredDirtyRate {
        MeasuredDirtyRate(workload: workload, bytesPerSecond: record.bytesPerSecond, rounds: record.rounds,
                          measuredAt: record.measuredAt, migrationId: record.migrationId)
    }
}
