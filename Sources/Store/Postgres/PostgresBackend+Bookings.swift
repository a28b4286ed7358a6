import Forecast
import PostgresNIO

/// `HeadroomStore+Bookings` on PostgreSQL: the POPs a booking touches are locked
/// (`FOR UPDATE`, in id order) before their other rows are summed, so a concurrent booking of
/// the same POP waits and then, its next statement reading the committed state (READ
/// COMMITTED), sees this one's rows.
extension PostgresBackend {
    private static let columns = HeadroomStore.columns

    private struct POPRow { var id: Int64; var capacity: ResourceVector }

    /// The named POPs' ids and capacities, locked for the rest of the transaction when `lock`.
    private static func pops(_ session: PostgresSession, names: [String]?, lock: Bool) throws -> [String: POPRow] {
        let capacity = columns.map { "capacity_\($0)" }.joined(separator: ", ")
        let filter = names == nil ? "" : " WHERE name = ANY($1)"
        let sql = "SELECT id, name, \(capacity) FROM pops\(filter) ORDER BY id" + (lock ? " FOR UPDATE" : "")
        let rows = try session.rows(sql, names.map { .of($0) } ?? PostgresBindings()) { c -> (String, POPRow) in
            let id: Int64 = try c.next(), name: String = try c.next()
            return (name, POPRow(id: id, capacity: try c.resources()))
        }
        return Dictionary(rows, uniquingKeysWith: { a, _ in a })
    }

    private static func replaceRows(_ session: PostgresSession, workload: Int64, _ footprints: [String: ResourceVector],
                                    pops: [String: POPRow], now: Int64) throws {
        try session.execute("DELETE FROM capacity_bookings WHERE workload_id = $1", .of(workload))
        let parameters = (1...(3 + Resource.count)).map { "$\($0)" }.joined(separator: ", ")
        for (name, amounts) in footprints {
            guard let pop = pops[name] else { continue }
            var bindings = PostgresBindings.of(workload, pop.id, now)
            for resource in Resource.allCases { bindings.add(HeadroomStore.zeroIfNaN(amounts[resource])) }
            try session.execute("INSERT INTO capacity_bookings (workload_id, pop_id, booked_at, \(columns.joined(separator: ", "))) VALUES (\(parameters))",
                                bindings)
        }
    }

    private static func rows(_ session: PostgresSession, workload: Int64) throws -> [String: ResourceVector] {
        let selected = columns.map { "b.\($0)" }.joined(separator: ", ")
        let rows = try session.rows("SELECT p.name, \(selected) FROM capacity_bookings b JOIN pops p ON p.id = b.pop_id WHERE b.workload_id = $1",
                                    .of(workload)) { c -> (String, ResourceVector) in
            let name: String = try c.next()
            return (name, try c.resources())
        }
        return Dictionary(rows, uniquingKeysWith: { a, _ in a })
    }

    func recordBookings(_ bookings: [HeadroomStore.CapacityBooking], now: Int64) throws {
        try transaction { session in
            let pops = try Self.pops(session, names: nil, lock: false)
            for booking in bookings {
                guard let id = try Self.workloadID(session, booking.workload) else { continue }
                try Self.replaceRows(session, workload: id, booking.footprints, pops: pops, now: now)
            }
        }
    }

    func book(_ booking: HeadroomStore.CapacityBooking, now: Int64) throws -> HeadroomStore.BookingOutcome {
        // A refusal rolls back by throwing this out of the transaction.
        struct Refused: Error { var outcome: HeadroomStore.BookingOutcome }
        do {
            return try transaction { session in
                guard let id = try Self.workloadID(session, booking.workload) else { throw StoreError.unknownWorkload(booking.workload) }
                let names = booking.footprints.keys.sorted()
                let pops = try Self.pops(session, names: names, lock: true)
                let old = try Self.rows(session, workload: id)
                let sums = Self.columns.map { "COALESCE(SUM(\($0)), 0)" }.joined(separator: ", ")
                for name in names {
                    guard let pop = pops[name], let amounts = booking.footprints[name] else {
                        throw StoreError.invalidArgument("POP \"\(name)\" is not in the store's fleet")
                    }
                    let others = try session.rows("SELECT \(sums) FROM capacity_bookings WHERE pop_id = $1 AND workload_id <> $2",
                                                  .of(pop.id, id)) { c in try c.resources() }.first ?? HeadroomStore.noAmounts
                    if let short = HeadroomStore.shortfall(pop: name, capacity: pop.capacity, others: others, old: old[name], new: amounts) {
                        throw Refused(outcome: short)
                    }
                }
                try Self.replaceRows(session, workload: id, booking.footprints, pops: pops, now: now)
                return .booked
            }
        } catch let refused as Refused {
            return refused.outcome
        }
    }

    func bookedTotals() throws -> [String: ResourceVector] {
        try transaction { session in
            let sums = Self.columns.map { "SUM(b.\($0))" }.joined(separator: ", ")
            let rows = try session.rows("SELECT p.name, \(sums) FROM capacity_bookings b JOIN pops p ON p.id = b.pop_id GROUP BY p.name") { c -> (String, ResourceVector) in
                let name: String = try c.next()
                return (name, try c.resources())
            }
            return Dictionary(rows, uniquingKeysWith: { a, _ in a })
        }
    }

    func bookings(workload: String) throws -> [String: ResourceVector] {
        try transaction { session in
            guard let id = try Self.workloadID(session, workload) else { return [:] }
            return try Self.rows(session, workload: id)
        }
    }
}
