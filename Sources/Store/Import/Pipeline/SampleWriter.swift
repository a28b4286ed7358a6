import Forecast
import GRDB
import GRDBSQLite

/// The writing side of one file, inside its transaction: resolves workload handles to
/// rows (creating workloads at their first sample), inserts rows with a prepared
/// multi-row `INSERT OR IGNORE` (64 rows a statement: the per-statement cost of SQLite's
/// VM dominates single-row inserts), and at the end fills unset limits and intervals.
final class SampleWriter: ImportUnitWriter {
    /// Rows per multi-row INSERT: 64 × 8 = 512 bound parameters (SQLite allows 32,766).
    static let rowsPerStatement = 64

    private let db: Database
    private let source: String
    private let sourceFile: String
    private let now: Int64
    private let single: Statement
    private let multiple: Statement
    private var names: [String] = []
    private var ids: [Int64] = []
    private(set) var samplesInserted = 0
    private(set) var duplicates = 0
    private(set) var touched: Set<Int> = []

    init(db: Database, source: String, sourceFile: String, now: Int64) throws {
        self.db = db
        self.source = source
        self.sourceFile = sourceFile
        self.now = now
        let columns = Resource.allCases.map(\.snakeCaseName).joined(separator: ", ")
        let row = "(?, ?, ?, ?, ?, ?, ?, ?)"
        single = try db.makeStatement(sql: "INSERT OR IGNORE INTO samples (workload_id, timestamp, \(columns)) VALUES \(row)")
        multiple = try db.makeStatement(sql: "INSERT OR IGNORE INTO samples (workload_id, timestamp, \(columns)) VALUES "
                                        + Array(repeating: row, count: Self.rowsPerStatement).joined(separator: ", "))
    }

    func insert(_ chunk: ParsedChunk) throws {
        if !chunk.newWorkloadNames.isEmpty {
            precondition(chunk.firstNewHandle == names.count, "workload handles arrive in order")
            names += chunk.newWorkloadNames
            ids += Array(repeating: -1, count: chunk.newWorkloadNames.count)
        }
        let n = chunk.count
        var i = 0
        try chunk.values.withUnsafeBufferPointer { values in
            while n - i >= Self.rowsPerStatement {
                let handle = multiple.sqliteStatement
                for r in 0..<Self.rowsPerStatement {
                    try bind(handle, parameter: Int32(r * 8 + 1), chunk: chunk, values: values, row: i + r)
                }
                try step(handle, rows: Self.rowsPerStatement)
                i += Self.rowsPerStatement
            }
            while i < n {
                let handle = single.sqliteStatement
                try bind(handle, parameter: 1, chunk: chunk, values: values, row: i)
                try step(handle, rows: 1)
                i += 1
            }
        }
    }

    @inline(__always)
    private func bind(_ statement: OpaquePointer?, parameter: Int32, chunk: ParsedChunk,
                      values: UnsafeBufferPointer<Double>, row: Int) throws {
        let h = Int(chunk.handles[row])
        if ids[h] < 0 { ids[h] = try resolveWorkload(names[h]); touched.insert(h) }
        sqlite3_bind_int64(statement, parameter, ids[h])
        sqlite3_bind_int64(statement, parameter + 1, chunk.timestamps[row])
        let base = row * Resource.count
        for k in 0..<Resource.count {
            let v = values[base + k]
            if v.isNaN { sqlite3_bind_null(statement, parameter + 2 + Int32(k)) } else { sqlite3_bind_double(statement, parameter + 2 + Int32(k), v) }
        }
    }

    private func step(_ statement: OpaquePointer?, rows: Int) throws {
        let code = sqlite3_step(statement)
        sqlite3_reset(statement)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
        let changed = Int(sqlite3_changes(db.sqliteConnection))
        samplesInserted += changed
        duplicates += rows - changed
    }

    /// Names of the workloads that received rows.
    var touchedNames: [String] { touched.map { names[$0] } }

    func seen(digest: String, format: String, prefix: String) throws -> Bool {
        try HeadroomStore.importSeen(db, digest: digest, format: format, prefix: prefix, wholeInput: false)
    }

    func finish(_ unit: ParsedUnit, ledger: ImportedFileRecord) throws {
        try fillUnset(unit)
        var record = ledger
        try record.insert(db)
    }

    /// Fills limits that are still unset (never overwrites), and sets the interval: the
    /// file's median interval of the workload when none is stored or when no stored sample
    /// of it is later than the file's (the file holds its newest data: a workload's interval
    /// is how it is sampled now, as the scorer and the replay put it on that grid; Bitbrains'
    /// July and August files of one VM can differ). An older file leaves it as it is.
    func fillUnset(_ unit: ParsedUnit) throws {
        for (h, workload) in unit.workloads.enumerated() where h < ids.count && ids[h] >= 0 {
            var assignments: [String] = []
            var arguments: [(any DatabaseValueConvertible)?] = []
            for r in Resource.allCases where !workload.proposedLimits[r].isNaN {
                let column = "limit_" + r.snakeCaseName
                assignments.append("\(column) = COALESCE(\(column), ?)")
                arguments.append(workload.proposedLimits[r])
            }
            if let median = workload.medianIntervalSeconds, let last = workload.lastTimestamp {
                assignments.append("interval_seconds = CASE WHEN interval_seconds IS NULL OR NOT EXISTS "
                                   + "(SELECT 1 FROM samples WHERE workload_id = ? AND timestamp > ?) THEN ? ELSE interval_seconds END")
                arguments.append(ids[h])
                arguments.append(last)
                arguments.append(median)
            }
            guard !assignments.isEmpty else { continue }
            arguments.append(ids[h])
            try db.execute(sql: "UPDATE workloads SET \(assignments.joined(separator: ", ")) WHERE id = ?",
                           arguments: StatementArguments(arguments))
        }
    }

    private func resolveWorkload(_ name: String) throws -> Int64 {
        if let id = try Int64.fetchOne(db, sql: "SELECT id FROM workloads WHERE name = ?", arguments: [name]) { return id }
        let vm = TraceFormat(rawValue: source)?.describesVirtualMachines ?? false
        var record = WorkloadRecord(name: name, source: source, sourceFile: sourceFile, checkpointable: vm, liveMigratable: vm, createdAt: now)
        try record.insert(db)
        return record.id!
    }
}
