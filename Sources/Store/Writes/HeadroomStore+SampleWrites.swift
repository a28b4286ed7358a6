import Forecast
import GRDB

/// One sample as an agent or the scoring service reports it.
public struct IncomingSample: Sendable, Equatable {
    public var workload: String
    /// Unix seconds.
    public var timestamp: Int64
    /// `Resource.count` SI values, NaN = not measured.
    public var values: [Double]

    public init(workload: String, timestamp: Int64, values: [Double]) {
        precondition(values.count == Resource.count, "IncomingSample: \(values.count) values, expected \(Resource.count)")
        self.workload = workload
        self.timestamp = timestamp
        self.values = values
    }
}

/// What `append(samples:)` did.
public struct AppendResult: Sendable, Equatable {
    /// Rows inserted.
    public var inserted: Int
    /// Samples already stored at the same (workload, timestamp): kept as stored (first write wins).
    public var duplicates: Int
    /// Workloads created by this batch.
    public var newWorkloads: [String]
}

extension HeadroomStore {
    /// Appends online samples in ONE transaction: unknown workloads are created (source
    /// `source`, no limits, interval unknown), a sample whose (workload, timestamp) is
    /// already stored is counted as a duplicate and left as it was. Either the whole batch
    /// is written or, on any error, nothing.
    /// - Throws: `StoreError.invalidArgument` naming the first bad sample (empty or over-long
    ///   workload name, negative or infinite value, timestamp outside 1970…2100) before
    ///   anything is written.
    public func append(samples: [IncomingSample], source: String = "agent", now: Int64) throws -> AppendResult {
        for (i, sample) in samples.enumerated() {
            if let problem = Self.problem(with: sample) { throw StoreError.invalidArgument("sample \(i): \(problem)") }
        }
        if let postgres { return try postgres.append(samples: samples, source: source, now: now) }
        return try writer.write { db in
            var workloads = WorkloadResolver(source: source, now: now)
            return try Self.insert(samples: samples, into: db, workloads: &workloads)
        }
    }

    /// Inserts `samples` within the caller's transaction (already validated).
    static func insert(samples: [IncomingSample], into db: Database, workloads: inout WorkloadResolver) throws -> AppendResult {
        var inserted = 0, duplicates = 0
        let statement = try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO samples (workload_id, timestamp, \(Resource.allCases.map(\.snakeCaseName).joined(separator: ", ")))
            VALUES (?, ?, \(Array(repeating: "?", count: Resource.count).joined(separator: ", ")))
            """)
        for sample in samples {
            let id = try workloads.id(of: sample.workload, in: db)
            var arguments: [(any DatabaseValueConvertible)?] = [id, sample.timestamp]
            for v in sample.values { arguments.append(v.isFinite ? v : nil) }
            try statement.execute(arguments: StatementArguments(arguments))
            if db.changesCount > 0 { inserted += 1 } else { duplicates += 1 }
        }
        return AppendResult(inserted: inserted, duplicates: duplicates, newWorkloads: workloads.created)
    }

    /// Unix seconds of 2100-01-01: later timestamps are refused as unit mistakes (ms, ns).
    public static let latestTimestamp: Int64 = 4_102_444_800

    /// Why `sample` cannot be stored, or nil.
    public static func problem(with sample: IncomingSample) -> String? {
        if sample.workload.isEmpty || sample.workload.utf8.count > 256 {
            return "workload name must be 1 to 256 bytes, got \(sample.workload.utf8.count)"
        }
        if sample.timestamp < 0 || sample.timestamp > latestTimestamp {
            return "timestamp \(sample.timestamp) is not Unix seconds between 1970 and 2100"
        }
        for (r, v) in sample.values.enumerated() where !v.isNaN && (v < 0 || !v.isFinite) {
            return "\(Resource(rawValue: r)!.snakeCaseName) = \(v); expected a finite value ≥ 0 (or absent)"
        }
        return nil
    }
}
