import Forecast
import GRDB

/// Capacity booked at the fleet's POPs (`capacity_bookings`): what each workload holds or has
/// reserved at each POP, so that scorers that share one store (`serve --shard i/n`) decide
/// against every shard's use of a POP, and two of them never both fill its last slot.
///
/// A workload's **footprint** at a POP is what the decision engine counts there: the
/// per-resource maximum of what it holds (its parts) and what an action in flight has
/// reserved (its move's targets). One row per (workload, POP) with a footprint; amounts in
/// SI units, never NaN (0 = none).
///
/// Two ways to write a workload's rows, both replacing all of its rows in one transaction:
/// - `recordBookings`: facts (where an agent reports it runs and with what, a move that
///   finished or failed) — written whatever the POP's use, since they are already true;
/// - `book`: a decision that grows a footprint — written only if, at every POP where it
///   grows some resource, that resource's capacity still covers every other workload's
///   rows plus the new footprint. The check and the write are one transaction that first
///   locks the POPs' rows (PostgreSQL: `SELECT … FOR UPDATE`, in id order so two bookings
///   cannot deadlock; SQLite: an IMMEDIATE transaction, which serialises writers), so two
///   scorers booking the same POP are ordered and the second sees the first's rows.
extension HeadroomStore {
    /// One workload's footprints by POP name.
    public struct CapacityBooking: Sendable, Equatable {
        public var workload: String
        /// POP name → amounts (NaN is read as 0).
        public var footprints: [String: ResourceVector]

        public init(workload: String, footprints: [String: ResourceVector]) {
            self.workload = workload
            self.footprints = footprints
        }
    }

    /// What `book` did.
    public enum BookingOutcome: Sendable, Equatable, CustomStringConvertible {
        case booked
        /// `resource` at `pop` would need `needed` where only `free` is left by the other
        /// workloads' bookings (capacity − their sum).
        case refused(pop: String, resource: Resource, needed: Double, free: Double)

        public var description: String {
            switch self {
            case .booked: "booked"
            case let .refused(pop, resource, needed, free):
                "\(resource.snakeCaseName) at \(pop) is booked by other workloads: needs \(needed), \(free) left"
            }
        }
    }

    /// Replaces the rows of each given workload by its footprints, unconditionally, in one
    /// transaction. Workloads or POPs the store does not know are skipped.
    public func recordBookings(_ bookings: [CapacityBooking], now: Int64) throws {
        guard !bookings.isEmpty else { return }
        if let postgres { return try postgres.recordBookings(bookings, now: now) }
        try writer.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                let pops = try Self.popRows(db)
                for booking in bookings {
                    guard let id = try Self.workloadID(db, booking.workload) else { continue }
                    try Self.replaceRows(db, workload: id, booking.footprints, pops: pops, now: now)
                }
                return .commit
            }
        }
    }

    /// Books `booking` if every POP where it grows a footprint has the room (see the type's
    /// comment), replacing the workload's rows; else writes nothing and says which resource
    /// of which POP is short.
    /// - Throws: `StoreError.unknownWorkload`; `.invalidArgument` for a POP the store does not
    ///   know (the scorer writes its fleet at start).
    public func book(_ booking: CapacityBooking, now: Int64) throws -> BookingOutcome {
        if let postgres { return try postgres.book(booking, now: now) }
        return try writer.writeWithoutTransaction { db in
            var outcome = BookingOutcome.booked
            try db.inTransaction(.immediate) {
                guard let id = try Self.workloadID(db, booking.workload) else { throw StoreError.unknownWorkload(booking.workload) }
                let pops = try Self.popRows(db)
                let old = try Self.rows(db, workload: id, pops: pops)
                for (name, amounts) in booking.footprints.sorted(by: { $0.key < $1.key }) {
                    guard let pop = pops[name] else { throw StoreError.invalidArgument("POP \"\(name)\" is not in the store's fleet") }
                    let others = try Self.bookedSum(db, pop: pop.id, excluding: id)
                    if let short = Self.shortfall(pop: name, capacity: pop.capacity, others: others, old: old[name], new: amounts) {
                        outcome = short
                        return .rollback
                    }
                }
                try Self.replaceRows(db, workload: id, booking.footprints, pops: pops, now: now)
                return .commit
            }
            return outcome
        }
    }

    /// Every POP's booked total over all workloads (POPs without rows are absent).
    public func bookedTotals() throws -> [String: ResourceVector] {
        if let postgres { return try postgres.bookedTotals() }
        return try reader.read { db in
            let sums = Self.columns.map { "SUM(b.\($0))" }.joined(separator: ", ")
            var totals: [String: ResourceVector] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT p.name, \(sums) FROM capacity_bookings b JOIN pops p ON p.id = b.pop_id GROUP BY p.name") {
                totals[row[0]] = ResourceVector((1...Resource.count).map { row[$0] as Double? ?? 0 })
            }
            return totals
        }
    }

    /// One workload's rows by POP name (empty when it has none).
    public func bookings(workload: String) throws -> [String: ResourceVector] {
        if let postgres { return try postgres.bookings(workload: workload) }
        return try reader.read { db in
            guard let id = try Self.workloadID(db, workload) else { return [:] }
            return try Self.rows(db, workload: id, pops: Self.popRows(db))
        }
    }

    // MARK: Shared rules

    static let columns = Resource.allCases.map(\.snakeCaseName)

    /// The refusal when `new` grows some resource over `old` at a POP whose capacity cannot
    /// hold it beside `others` (NaN capacity: unconstrained); nil when it fits. Growth and
    /// fit both allow a relative 1e-9 for rounding in sums, as the engine's
    /// `CapacityArithmetic.shortfalls` does.
    static func shortfall(pop: String, capacity: ResourceVector, others: ResourceVector, old: ResourceVector?,
                          new: ResourceVector) -> BookingOutcome? {
        for resource in Resource.allCases {
            let want = zeroIfNaN(new[resource]), had = zeroIfNaN(old?[resource] ?? 0), cap = capacity[resource]
            guard cap.isFinite, want > had + 1e-9 * max(1, abs(had)) else { continue }
            let free = cap - zeroIfNaN(others[resource])
            if want > free + 1e-9 * max(1, abs(cap)) { return .refused(pop: pop, resource: resource, needed: want, free: free) }
        }
        return nil
    }

    static func zeroIfNaN(_ x: Double) -> Double { x.isNaN ? 0 : x }

    /// Every resource 0: the sum over no rows.
    static let noAmounts = ResourceVector([Double](repeating: 0, count: Resource.count))

    // MARK: SQLite

    private struct POPRow { var id: Int64; var capacity: ResourceVector }

    private static func popRows(_ db: Database) throws -> [String: POPRow] {
        let capacity = columns.map { "capacity_\($0)" }.joined(separator: ", ")
        var pops: [String: POPRow] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, name, \(capacity) FROM pops") {
            pops[row[1]] = POPRow(id: row[0], capacity: ResourceVector((2..<(2 + Resource.count)).map { row[$0] as Double? ?? .nan }))
        }
        return pops
    }

    private static func rows(_ db: Database, workload: Int64, pops: [String: POPRow]) throws -> [String: ResourceVector] {
        let names = Dictionary(pops.map { ($0.value.id, $0.key) }, uniquingKeysWith: { a, _ in a })
        var out: [String: ResourceVector] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT pop_id, \(columns.joined(separator: ", ")) FROM capacity_bookings WHERE workload_id = ?",
                                    arguments: [workload]) {
            guard let name = names[row[0]] else { continue }
            out[name] = ResourceVector((1...Resource.count).map { row[$0] as Double })
        }
        return out
    }

    private static func bookedSum(_ db: Database, pop: Int64, excluding workload: Int64) throws -> ResourceVector {
        let sums = columns.map { "TOTAL(\($0))" }.joined(separator: ", ")
        guard let row = try Row.fetchOne(db, sql: "SELECT \(sums) FROM capacity_bookings WHERE pop_id = ? AND workload_id <> ?",
                                         arguments: [pop, workload]) else { return noAmounts }
        return ResourceVector((0..<Resource.count).map { row[$0] as Double })
    }

    private static func replaceRows(_ db: Database, workload: Int64, _ footprints: [String: ResourceVector], pops: [String: POPRow],
                                    now: Int64) throws {
        try db.execute(sql: "DELETE FROM capacity_bookings WHERE workload_id = ?", arguments: [workload])
        let placeholders = Array(repeating: "?", count: Resource.count).joined(separator: ", ")
        for (name, amounts) in footprints {
            guard let pop = pops[name] else { continue }
            var arguments: StatementArguments = [workload, pop.id, now]
            for resource in Resource.allCases { _ = arguments.append(contentsOf: [zeroIfNaN(amounts[resource])]) }
            try db.execute(sql: "INSERT INTO capacity_bookings (workload_id, pop_id, booked_at, \(columns.joined(separator: ", "))) VALUES (?, ?, ?, \(placeholders))",
                           arguments: arguments)
        }
    }
}
