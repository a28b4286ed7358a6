import Forecast
import PostgresNIO

/// Workload rows on PostgreSQL: found or created by name, a whole batch's names in two
/// statements, and read back as `WorkloadRecord`s.
extension PostgresBackend {
    /// The columns `workloadRecord(_:)` decodes, in its order.
    static let workloadColumns = "id, name, source, source_file, interval_seconds, "
        + Resource.allCases.map { "limit_" + $0.snakeCaseName }.joined(separator: ", ")
        + ", checkpointable, live_migratable, partitionable, created_at"

    /// A `WorkloadRecord` from a row of `workloadColumns`.
    static func workloadRecord(_ row: PostgresRow, _ session: PostgresSession) throws -> WorkloadRecord {
        let sql = "workloads"
        var limits = ResourceVector.absent
        for resource in Resource.allCases {
            limits[resource] = try session.decode(Double?.self, row, 5 + resource.rawValue, sql: sql) ?? .nan
        }
        let base = 5 + Resource.count
        return WorkloadRecord(id: try session.decode(Int64.self, row, 0, sql: sql),
                              name: try session.decode(String.self, row, 1, sql: sql),
                              source: try session.decode(String.self, row, 2, sql: sql),
                              sourceFile: try session.decode(String?.self, row, 3, sql: sql),
                              intervalSeconds: try session.decode(Double?.self, row, 4, sql: sql),
                              limits: limits,
                              checkpointable: try session.decode(Bool.self, row, base, sql: sql),
                              liveMigratable: try session.decode(Bool.self, row, base + 1, sql: sql),
                              partitionable: try session.decode(Bool.self, row, base + 2, sql: sql),
                              createdAt: try session.decode(Int64.self, row, base + 3, sql: sql))
    }

    func workloads() throws -> [WorkloadRecord] {
        try transaction { session in
            try session.query("SELECT \(Self.workloadColumns) FROM workloads ORDER BY name COLLATE \"C\"").rows
                .map { try Self.workloadRecord($0, session) }
        }
    }

    func workload(named name: String) throws -> WorkloadRecord? {
        try transaction { session in
            try session.query("SELECT \(Self.workloadColumns) FROM workloads WHERE name = $1", .of(name)).rows
                .first.map { try Self.workloadRecord($0, session) }
        }
    }

    static func workloadID(_ session: PostgresSession, _ name: String) throws -> Int64? {
        try session.scalar(Int64.self, "SELECT id FROM workloads WHERE name = $1", .of(name))
    }
}

/// `WorkloadResolver` on PostgreSQL: a request's names resolved together.
extension WorkloadResolver {
    /// Resolves every name of `names` (any order, repeats allowed): afterwards `ids` has them all.
    mutating func resolve(_ names: [String], _ session: PostgresSession) throws {
        var missing: [String] = []
        var seen = Set<String>()
        for name in names where ids[name] == nil && seen.insert(name).inserted { missing.append(name) }
        guard !missing.isEmpty else { return }
        let select = "SELECT name, id FROM workloads WHERE name = ANY($1)"
        for row in try session.query(select, .of(missing)).rows {
            let name = try session.decode(String.self, row, 0, sql: select)
            let id = try session.decode(Int64.self, row, 1, sql: select)
            found(name, id: id, created: false)
        }
        missing.removeAll { ids[$0] != nil }
        guard !missing.isEmpty else { return }
        let insert = """
            INSERT INTO workloads (name, source, created_at)
            SELECT n, $2, $3 FROM unnest($1::text[]) WITH ORDINALITY AS u(n, k) ORDER BY k
            ON CONFLICT (name) DO NOTHING RETURNING name, id
            """
        var inserted: [String: Int64] = [:]
        for row in try session.query(insert, .of(missing, source, now)).rows {
            inserted[try session.decode(String.self, row, 0, sql: insert)] = try session.decode(Int64.self, row, 1, sql: insert)
        }
        for name in missing {
            if let id = inserted[name] {
                found(name, id: id, created: true)
            } else if let id = try PostgresBackend.workloadID(session, name) {
                found(name, id: id, created: false)
            } else {
                throw StoreError.invalidArgument("workload \"\(name)\" was neither inserted nor found")
            }
        }
    }

    /// The id of a resolved name.
    func id(_ name: String) throws -> Int64 {
        guard let id = ids[name] else { throw StoreError.unknownWorkload(name) }
        return id
    }
}
