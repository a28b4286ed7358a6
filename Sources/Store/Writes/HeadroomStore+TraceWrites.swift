import GRDB
import Wire

/// What `append(traceEvents:)` did.
public struct TraceAppendResult: Sendable, Equatable {
    /// Rows inserted (every valid event is kept: two identical events are two rows).
    public var inserted: Int
    /// Workloads created by this batch, in first-seen order.
    public var newWorkloads: [String]
}

extension HeadroomStore {
    /// Appends a batch of trace events in ONE transaction: unknown workloads are created
    /// (source `source`, no limits, interval unknown). Either the whole batch is written
    /// or, on any error, nothing.
    /// - Throws: `StoreError.invalidArgument` naming the first bad event (empty or
    ///   over-long workload or name, a timestamp that is not Unix seconds in 1970…2100, an
    ///   unknown kind, a non-finite value) before anything is written.
    public func append(traceEvents events: [TraceEvent], source: String = "agent", now: Int64) throws -> TraceAppendResult {
        for (i, event) in events.enumerated() {
            if let problem = Self.problem(with: event) { throw StoreError.invalidArgument("trace event \(i): \(problem)") }
        }
        guard !events.isEmpty else { return TraceAppendResult(inserted: 0, newWorkloads: []) }
        if let postgres { return try postgres.append(traceEvents: events, source: source, now: now) }
        return try writer.write { db in
            var workloads = WorkloadResolver(source: source, now: now)
            return try Self.insert(traceEvents: events, into: db, workloads: &workloads)
        }
    }

    /// Inserts `events` within the caller's transaction (already validated).
    static func insert(traceEvents events: [TraceEvent], into db: Database,
                       workloads: inout WorkloadResolver) throws -> TraceAppendResult {
        let before = workloads.created.count
        let statement = try db.cachedStatement(sql: """
            INSERT INTO trace_events (workload_id, timestamp, kind, name, value, attributes) VALUES (?, ?, ?, ?, ?, ?)
            """)
        for event in events {
            // `problem(with:)` has refused events without a workload before anything is written.
            let id = try workloads.id(of: event.workload ?? "", in: db)
            try statement.execute(arguments: [id, event.timestampSeconds, event.kind.rawValue, event.name, event.value, event.attributesJSON])
        }
        return TraceAppendResult(inserted: events.count, newWorkloads: Array(workloads.created[before...]))
    }

    /// Why `event` cannot be stored, or nil.
    public static func problem(with event: TraceEvent) -> String? {
        let workloadBytes = event.workload?.utf8.count ?? 0
        if workloadBytes == 0 || workloadBytes > 256 {
            return "workload name must be 1 to 256 bytes, got \(workloadBytes)"
        }
        if !(event.timestampSeconds >= 0 && event.timestampSeconds < 4_102_444_800) {
            return "timestamp \(event.timestampSeconds) is not Unix seconds between 1970 and 2100"
        }
        if !TraceEvent.kinds.contains(event.kind.rawValue) {
            return "kind \"\(event.kind)\" is not one of \(TraceEvent.kinds.sorted().joined(separator: ", "))"
        }
        if event.name.isEmpty || event.name.utf8.count > 256 {
            return "name must be 1 to 256 bytes, got \(event.name.utf8.count)"
        }
        if let value = event.value, !value.isFinite {
            return "value \(value) is not finite (leave it out instead)"
        }
        return nil
    }
}

extension HeadroomStore {
    /// Deletes the trace events older than `cutoff` (Unix seconds): trace retention.
    ///
    /// Workload by workload through the `(workload_id, timestamp)` index, at most
    /// `batchSize` rows per transaction, so a scorer writing batches meanwhile waits for one
    /// short transaction at a time rather than one long one. Each transaction deletes only
    /// rows older than `cutoff`, so an interrupted run has deleted a subset of what it would
    /// have and the next run finishes the job. Returns the number of rows deleted.
    /// - Throws: `StoreError.invalidArgument` for a non-finite cutoff or a batch size < 1.
    @discardableResult
    public func deleteTraceEvents(before cutoff: Double, batchSize: Int = 10_000) throws -> Int {
        guard cutoff.isFinite else { throw StoreError.invalidArgument("trace retention cutoff \(cutoff) is not a time") }
        guard batchSize >= 1 else { throw StoreError.invalidArgument("trace retention batch size \(batchSize) must be at least 1") }
        if let postgres { return try postgres.deleteTraceEvents(before: cutoff, batchSize: batchSize) }
        let workloads = try reader.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM workloads ORDER BY id") }
        var deleted = 0
        for workload in workloads {
            while true {
                let count = try writer.write { db -> Int in
                    try db.execute(sql: """
                        DELETE FROM trace_events WHERE id IN (
                            SELECT id FROM trace_events WHERE workload_id = ? AND timestamp < ? LIMIT ?)
                        """, arguments: [workload, cutoff, batchSize])
                    return db.changesCount
                }
                deleted += count
                if count < batchSize { break }
            }
        }
        return deleted
    }
}
