import Forecast
import GRDB
import GRDBSQLite

/// Why a row, or a value in it, was not stored as read. The summary counts each.
public enum ImportAdjustment: String, CaseIterable, Sendable, Codable {
    /// A sample for this (workload, timestamp) is already in the store or earlier in the
    /// file: the first one is kept (imports never overwrite), the row is skipped.
    case duplicateTimestamp = "duplicate timestamp (first kept, row skipped)"
    /// Every resource field was missing, NaN or rejected: nothing to store, row skipped.
    case noValues = "no usable value in the row (row skipped)"
    /// An empty or `NaN` field: stored as NULL (not measured), the row is kept.
    case missingValue = "missing or NaN value (stored as not measured)"
    /// A negative usage value: physically impossible, stored as NULL, the row is kept.
    case negativeValue = "negative value (stored as not measured)"
    /// Alibaba's documented abnormal `-1` / `101` in `disk_io_percent`: dropped.
    case alibabaAnomaly = "Alibaba -1/101 anomaly (value dropped)"
    /// A row older than the one before it for the same workload: stored (samples are
    /// keyed by time, reads come back in time order), counted.
    case outOfOrder = "out-of-order row (stored in time order)"
    /// A spacing over twice the workload's median interval: kept as a gap (no
    /// interpolation), counted.
    case gap = "gap over 2× the median interval (kept, not filled)"
    /// A header line, comment (`#`) or blank line: not data.
    case notData = "header, comment or blank line"
}

/// Receives parsed rows of one file inside its transaction and writes them with one
/// prepared statement (bound column by column, no per-row objects).
final class SampleSink {
    struct WorkloadState {
        var name: String
        var id: Int64?
        var lastTimestamp: Int64 = .min
        var timestamps: [Int64] = []
        var proposedLimits = ResourceVector.absent
    }

    let db: Database
    let source: String
    let sourceFile: String
    private let insert: Statement
    private(set) var workloads: [WorkloadState] = []
    private var handles: [String: Int] = [:]
    private(set) var adjustments: [ImportAdjustment: Int] = [:]
    private(set) var samplesInserted = 0
    private(set) var minTimestamp = Int64.max
    private(set) var maxTimestamp = Int64.min
    private let now: Int64

    init(db: Database, source: String, sourceFile: String, now: Int64) throws {
        self.db = db
        self.source = source
        self.sourceFile = sourceFile
        self.now = now
        let columns = Resource.allCases.map(\.snakeCaseName).joined(separator: ", ")
        insert = try db.makeStatement(sql: """
            INSERT OR IGNORE INTO samples (workload_id, timestamp, \(columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
    }

    /// The handle of workload `name` in this file (created in the store at its first sample).
    func handle(for name: String) -> Int {
        if let h = handles[name] { return h }
        workloads.append(WorkloadState(name: name))
        handles[name] = workloads.count - 1
        return workloads.count - 1
    }

    /// Counts an adjustment made by a parser (e.g. an Alibaba anomaly).
    func note(_ adjustment: ImportAdjustment, _ count: Int = 1) {
        if count > 0 { adjustments[adjustment, default: 0] += count }
    }

    /// Proposes limits for a workload: at the end of the file they fill the limits that
    /// are still unset (limits set by the user or an earlier file are never overwritten).
    func proposeLimits(_ handle: Int, _ limits: ResourceVector) {
        for r in Resource.allCases where !limits[r].isNaN { workloads[handle].proposedLimits[r] = limits[r] }
    }

    /// Stores one sample; NaN fields are "not measured", negative ones are rejected to NaN.
    func add(_ handle: Int, timestamp: Int64, usage: ResourceVector) throws {
        var usage = usage
        var present = 0
        for r in Resource.allCases {
            let v = usage[r]
            if v.isNaN { continue }
            if v < 0 { usage[r] = .nan; note(.negativeValue); continue }
            present += 1
        }
        guard present > 0 else { note(.noValues); return }
        if workloads[handle].id == nil { workloads[handle].id = try resolveWorkload(workloads[handle].name) }
        let h = insert.sqliteStatement
        sqlite3_bind_int64(h, 1, workloads[handle].id!)
        sqlite3_bind_int64(h, 2, timestamp)
        for r in Resource.allCases {
            let v = usage[r]
            if v.isNaN { sqlite3_bind_null(h, Int32(r.rawValue + 3)) } else { sqlite3_bind_double(h, Int32(r.rawValue + 3), v) }
        }
        let code = sqlite3_step(h)
        sqlite3_reset(h)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
        if sqlite3_changes(db.sqliteConnection) == 0 { note(.duplicateTimestamp); return }
        samplesInserted += 1
        if timestamp < workloads[handle].lastTimestamp { note(.outOfOrder) }
        workloads[handle].lastTimestamp = timestamp
        workloads[handle].timestamps.append(timestamp)
        if timestamp < minTimestamp { minTimestamp = timestamp }
        if timestamp > maxTimestamp { maxTimestamp = timestamp }
    }

    /// Counts a missing (empty/NaN) field value.
    @inline(__always) func missing(_ value: Double) -> Double {
        if value.isNaN { note(.missingValue) }
        return value
    }

    /// Closes the file: interval and gap statistics, limits and intervals filled where unset.
    func finish() throws {
        for state in workloads {
            guard let id = state.id else { continue }
            let sorted = state.timestamps.sorted()
            var deltas: [Int64] = []
            deltas.reserveCapacity(sorted.count)
            for k in 1..<max(sorted.count, 1) where sorted[k] > sorted[k - 1] { deltas.append(sorted[k] - sorted[k - 1]) }
            var median: Double?
            if !deltas.isEmpty {
                let ordered = deltas.sorted()
                median = Double(ordered[ordered.count / 2])
                let threshold = 2 * ordered[ordered.count / 2]
                note(.gap, deltas.reduce(0) { $0 + ($1 > threshold ? 1 : 0) })
            }
            var assignments: [String] = []
            var arguments: [DatabaseValueConvertible?] = []
            for r in Resource.allCases where !state.proposedLimits[r].isNaN {
                let column = "limit_" + r.snakeCaseName
                assignments.append("\(column) = COALESCE(\(column), ?)")
                arguments.append(state.proposedLimits[r])
            }
            if let median {
                assignments.append("interval_seconds = COALESCE(interval_seconds, ?)")
                arguments.append(median)
            }
            guard !assignments.isEmpty else { continue }
            arguments.append(id)
            try db.execute(sql: "UPDATE workloads SET \(assignments.joined(separator: ", ")) WHERE id = ?",
                           arguments: StatementArguments(arguments))
        }
    }

    private func resolveWorkload(_ name: String) throws -> Int64 {
        if let id = try Int64.fetchOne(db, sql: "SELECT id FROM workloads WHERE name = ?", arguments: [name]) { return id }
        var record = WorkloadRecord(name: name, source: source, sourceFile: sourceFile, createdAt: now)
        try record.insert(db)
        return record.id!
    }
}
