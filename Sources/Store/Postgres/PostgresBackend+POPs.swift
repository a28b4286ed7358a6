import Forecast
import PostgresNIO

/// POPs, links and dirty rates on PostgreSQL.
extension PostgresBackend {
    private static let capacityColumns = Resource.allCases.map { "capacity_" + $0.snakeCaseName }

    func syncFleet(pops: [HeadroomStore.POPDefinition], links: [HeadroomStore.POPLinkDefinition]) throws -> [String: Int64] {
        try transaction { session in
            // The POPs that exist are locked first, in id order, as a capacity booking locks
            // them (`PostgresBackend+Bookings`): the upserts below would otherwise lock them
            // in the file's order, and a scorer starting while another books could deadlock.
            _ = try session.rows("SELECT id FROM pops WHERE name = ANY($1) ORDER BY id FOR UPDATE", .of(pops.map(\.name))) {
                try $0.next(Int64.self)
            }
            var ids: [String: Int64] = [:]
            let parameters = (1...(4 + Resource.count)).map { "$\($0)" }.joined(separator: ", ")
            let upsert = """
                INSERT INTO pops (name, price_per_hour, strategies, status, \(Self.capacityColumns.joined(separator: ", ")))
                VALUES (\(parameters))
                ON CONFLICT (name) DO UPDATE SET price_per_hour = excluded.price_per_hour, strategies = excluded.strategies,
                    status = excluded.status, \(Self.capacityColumns.map { "\($0) = excluded.\($0)" }.joined(separator: ", "))
                RETURNING id
                """
            for pop in pops {
                var bindings = PostgresBindings.of(pop.name, pop.pricePerHour, pop.strategies.joined(separator: ","), pop.status.rawValue)
                for resource in Resource.allCases { bindings.add(pop.capacity[resource]) }
                guard let id = try session.scalar(Int64.self, upsert, bindings) else {
                    throw StoreError.invalidArgument("POP \"\(pop.name)\" was not written")
                }
                ids[pop.name] = id
            }
            let fleetIds = Array(ids.values)
            let keep = Set(links.compactMap { link -> [Int64]? in
                guard let from = ids[link.from], let to = ids[link.to] else { return nil }
                return [from, to]
            })
            let existing = try session.rows("SELECT from_pop_id, to_pop_id FROM pop_links WHERE from_pop_id = ANY($1) AND to_pop_id = ANY($1)",
                                            .of(fleetIds)) { [try $0.next(Int64.self), try $0.next(Int64.self)] }
            for old in existing where !keep.contains(old) {
                try session.execute("DELETE FROM pop_links WHERE from_pop_id = $1 AND to_pop_id = $2", .of(old[0], old[1]))
            }
            for link in links {
                guard let from = ids[link.from], let to = ids[link.to] else { continue }
                try session.execute("""
                    INSERT INTO pop_links (from_pop_id, to_pop_id, bandwidth_bytes_per_second, latency_seconds) VALUES ($1, $2, $3, $4)
                    ON CONFLICT (from_pop_id, to_pop_id) DO UPDATE SET bandwidth_bytes_per_second = excluded.bandwidth_bytes_per_second,
                        latency_seconds = excluded.latency_seconds
                    """, .of(from, to, link.bandwidthBytesPerSecond, link.latencySeconds))
            }
            return ids
        }
    }

    func pops() throws -> [POPRecord] {
        try transaction { session in
            try session.rows("""
                SELECT id, name, price_per_hour, strategies, status, last_seen, \(Self.capacityColumns.joined(separator: ", "))
                FROM pops ORDER BY name COLLATE "C"
                """) { c in
                let id: Int64 = try c.next(), name: String = try c.next(), price: Double = try c.next()
                let strategies: String = try c.next(), status: String = try c.next(), lastSeen: Int64? = try c.next()
                // A status this version does not know reads as down, as on SQLite.
                return POPRecord(id: id, name: name, capacity: try c.resources(), pricePerHour: price,
                                 strategies: strategies.split(separator: ",").map(String.init),
                                 status: POPStatus(rawValue: status) ?? .down, lastSeen: lastSeen)
            }
        }
    }

    func popLinks() throws -> [POPLinkRecord] {
        try transaction { session in
            try session.rows("""
                SELECT from_pop_id, to_pop_id, bandwidth_bytes_per_second, latency_seconds FROM pop_links ORDER BY from_pop_id, to_pop_id
                """) { c in
                POPLinkRecord(fromPopId: try c.next(), toPopId: try c.next(), bandwidthBytesPerSecond: try c.next(), latencySeconds: try c.next())
            }
        }
    }

    func setPOPStatus(_ status: POPStatus, names: [String]) throws {
        try transaction { session in
            try session.execute("UPDATE pops SET status = $1 WHERE name = ANY($2)", .of(status.rawValue, names))
        }
    }

    func setPOPLastSeen(_ name: String, at time: Int64) throws {
        try transaction { session in try session.execute("UPDATE pops SET last_seen = $1 WHERE name = $2", .of(time, name)) }
    }

    // MARK: Dirty rates

    func recordDirtyRate(_ rate: HeadroomStore.MeasuredDirtyRate) throws {
        try transaction { session in
            guard let id = try Self.workloadID(session, rate.workload) else { throw StoreError.unknownWorkload(rate.workload) }
            if let stored = try session.scalar(Int64.self, "SELECT measured_at FROM dirty_rates WHERE workload_id = $1", .of(id)),
               stored > rate.measuredAt { return }
            let migration = try rate.migrationId.flatMap {
                try session.scalar(Int64.self, "SELECT id FROM migrations WHERE id = $1", .of($0))
            }
            try session.execute("""
                INSERT INTO dirty_rates (workload_id, bytes_per_second, rounds, measured_at, migration_id) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (workload_id) DO UPDATE SET bytes_per_second = excluded.bytes_per_second, rounds = excluded.rounds,
                    measured_at = excluded.measured_at, migration_id = excluded.migration_id
                """, .of(id, rate.bytesPerSecond, rate.rounds, rate.measuredAt, migration))
        }
    }

    private static let dirtyRateSQL = """
        SELECT w.name, d.bytes_per_second, d.rounds, d.measured_at, d.migration_id
        FROM dirty_rates d JOIN workloads w ON w.id = d.workload_id
        """

    private static func dirtyRate(_ c: inout RowCursor) throws -> HeadroomStore.MeasuredDirtyRate {
        HeadroomStore.MeasuredDirtyRate(workload: try c.next(), bytesPerSecond: try c.next(), rounds: Int(try c.next(Int64.self)),
                                        measuredAt: try c.next(), migrationId: try c.next())
    }

    func dirtyRate(workload: String) throws -> HeadroomStore.MeasuredDirtyRate? {
        try transaction { session in
            try session.rows(Self.dirtyRateSQL + " WHERE w.name = $1", .of(workload)) { try Self.dirtyRate(&$0) }.first
        }
    }

    func dirtyRates() throws -> [String: HeadroomStore.MeasuredDirtyRate] {
        try transaction { session in
            let rates = try session.rows(Self.dirtyRateSQL) { try Self.dirtyRate(&$0) }
            return Dictionary(rates.map { ($0.workload, $0) }, uniquingKeysWith: { _, last in last })
        }
    }
}
