import Forecast
import GRDB
import GRDBSQLite

extension HeadroomStore {
    /// Every workload, in name order (bytewise, on both backends).
    public func workloads() throws -> [WorkloadRecord] {
        if let postgres { return try postgres.workloads() }
        return try reader.read { db in try WorkloadRecord.order(Column("name")).fetchAll(db) }
    }

    public func workload(named name: String) throws -> WorkloadRecord? {
        if let postgres { return try postgres.workload(named: name) }
        return try reader.read { db in try WorkloadRecord.filter(Column("name") == name).fetchOne(db) }
    }

    public func lastSamples(workload: String, count: Int, until: Int64? = nil) throws -> SampleSeries {
        guard count >= 0 else { throw StoreError.invalidArgument("lastSamples: count must be ≥ 0, got \(count)") }
        if let postgres { return try postgres.lastSamples(workload: workload, count: count, until: until) }
        return try reader.read { db in
            guard let id = try Self.workloadID(db, workload) else { throw StoreError.unknownWorkload(workload) }
            // Newest first through the primary key, then reversed in place.
            let statement = try db.makeStatement(sql: """
                SELECT timestamp, \(Self.resourceColumnList) FROM samples
                WHERE workload_id = ? AND timestamp <= ? ORDER BY timestamp DESC LIMIT ?
                """)
            var series = try Self.scan(statement, workload: workload,
                                       arguments: [id, until ?? Int64.max, Int64(count)], capacity: count)
            series.reverseRows()
            return series
        }
    }

    public func samples(workloads names: [String], from: Int64, to: Int64) throws -> [SampleSeries] {
        if let postgres { return try postgres.samples(workloads: names, from: from, to: to) }
        return try reader.read { db in
            let statement = try db.makeStatement(sql: """
                SELECT timestamp, \(Self.resourceColumnList) FROM samples
                WHERE workload_id = ? AND timestamp >= ? AND timestamp < ? ORDER BY timestamp
                """)
            return try names.map { name in
                guard let id = try Self.workloadID(db, name) else { throw StoreError.unknownWorkload(name) }
                return try Self.scan(statement, workload: name, arguments: [id, from, to], capacity: 0)
            }
        }
    }

    /// The names of the workloads with at least one sample in [from, to), in name order
    /// (the order of `workloads()`): one probe of the primary key per workload, no sample read.
    public func workloadsWithSamples(from: Int64, to: Int64) throws -> [String] {
        if let postgres { return try postgres.workloadsWithSamples(from: from, to: to) }
        return try reader.read { db in
            try String.fetchAll(db, sql: """
                SELECT name FROM workloads w
                WHERE EXISTS (SELECT 1 FROM samples s WHERE s.workload_id = w.id AND s.timestamp >= ? AND s.timestamp < ?)
                ORDER BY name
                """, arguments: [from, to])
        }
    }

    /// The latest sample timestamp in the store (Unix s), nil when it holds none.
    public func latestSampleTimestamp() throws -> Int64? {
        if let postgres { return try postgres.latestSampleTimestamp() }
        return try reader.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(timestamp) FROM samples") }
    }

    /// The first and last sample timestamps of a workload (Unix s), nil when it has none.
    public func timeRange(workload: String) throws -> (first: Int64, last: Int64)? {
        if let postgres { return try postgres.timeRange(workload: workload) }
        return try reader.read { db in
            guard let id = try Self.workloadID(db, workload) else { throw StoreError.unknownWorkload(workload) }
            let row = try Row.fetchOne(db, sql: "SELECT MIN(timestamp), MAX(timestamp) FROM samples WHERE workload_id = ?", arguments: [id])
            guard let first: Int64 = row?[0], let last: Int64 = row?[1] else { return nil }
            return (first, last)
        }
    }

    static let resourceColumnList = Resource.allCases.map(\.snakeCaseName).joined(separator: ", ")

    static func workloadID(_ db: Database, _ name: String) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT id FROM workloads WHERE name = ?", arguments: [name])
    }

    /// Steps a prepared `SELECT timestamp, <6 resources>` straight into flat arrays
    /// (no `Row` objects): NULL becomes NaN.
    static func scan(_ statement: Statement, workload: String, arguments: StatementArguments,
                     capacity: Int) throws -> SampleSeries {
        try statement.setArguments(arguments)
        let handle = statement.sqliteStatement
        var timestamps: [Int64] = []
        var values: [Double] = []
        timestamps.reserveCapacity(capacity)
        values.reserveCapacity(capacity * Resource.count)
        defer { sqlite3_reset(handle) }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code),
                                    message: String(cString: sqlite3_errmsg(sqlite3_db_handle(handle))))
            }
            timestamps.append(sqlite3_column_int64(handle, 0))
            for column in 1...Int32(Resource.count) {
                values.append(sqlite3_column_type(handle, column) == SQLITE_NULL
                              ? .nan : sqlite3_column_double(handle, column))
            }
        }
        return SampleSeries(workload: workload, timestamps: timestamps, values: values)
    }
}

extension SampleSeries {
    /// Reverses the row order in place (rows stay `Resource.count` wide).
    mutating func reverseRows() {
        timestamps.reverse()
        let n = count, w = Resource.count
        values.withUnsafeMutableBufferPointer { buffer in
            var i = 0, j = n - 1
            while i < j {
                for k in 0..<w { buffer.swapAt(i * w + k, j * w + k) }
                i += 1; j -= 1
            }
        }
    }
}
