import Forecast
import GRDB

/// The fleet's POPs and links in the store (`pops`, `pop_links`): what the scorer syncs
/// from the fleet file and what agents' reports update.
extension HeadroomStore {
    /// A POP as the fleet file declares it.
    public struct POPDefinition: Sendable, Equatable {
        public var name: String
        public var capacity: ResourceVector
        public var pricePerHour: Double
        /// snake_case strategy names.
        public var strategies: [String]
        public var status: POPStatus

        public init(name: String, capacity: ResourceVector, pricePerHour: Double, strategies: [String], status: POPStatus) {
            self.name = name
            self.capacity = capacity
            self.pricePerHour = pricePerHour
            self.strategies = strategies
            self.status = status
        }
    }

    /// One direction of a network path between two POPs of the fleet.
    public struct POPLinkDefinition: Sendable, Equatable {
        public var from: String
        public var to: String
        public var bandwidthBytesPerSecond: Double
        public var latencySeconds: Double

        public init(from: String, to: String, bandwidthBytesPerSecond: Double, latencySeconds: Double) {
            self.from = from
            self.to = to
            self.bandwidthBytesPerSecond = bandwidthBytesPerSecond
            self.latencySeconds = latencySeconds
        }
    }

    /// Writes a fleet into `pops` and `pop_links` in one transaction.
    ///
    /// - POPs are matched by name: new ones are inserted, known ones get the given
    ///   capacity, price, strategies and status; their `last_seen` (the agent's) is kept.
    ///   POPs in the store but not given are left alone (decisions and migrations refer to them).
    /// - Every given link is upserted; a link between two of the given POPs that is not
    ///   given is deleted, so the store agrees with the fleet on what is reachable.
    /// - Returns: the store id of every given POP, by name.
    @discardableResult
    public func syncFleet(pops: [POPDefinition], links: [POPLinkDefinition]) throws -> [String: Int64] {
        if let postgres { return try postgres.syncFleet(pops: pops, links: links) }
        return try writer.write { db in
            var ids: [String: Int64] = [:]
            for pop in pops {
                var record = try POPRecord.filter(Column("name") == pop.name).fetchOne(db)
                    ?? POPRecord(name: pop.name, capacity: pop.capacity, pricePerHour: pop.pricePerHour)
                record.capacity = pop.capacity
                record.pricePerHour = pop.pricePerHour
                record.strategies = pop.strategies
                record.status = pop.status
                try record.save(db)
                ids[pop.name] = record.id
            }
            let fleetIds = Array(ids.values)
            let keep = Set(links.compactMap { link -> [Int64]? in
                guard let from = ids[link.from], let to = ids[link.to] else { return nil }
                return [from, to]
            })
            let existing = try POPLinkRecord
                .filter(fleetIds.contains(Column("from_pop_id")) && fleetIds.contains(Column("to_pop_id")))
                .fetchAll(db)
            for old in existing where !keep.contains([old.fromPopId, old.toPopId]) { try old.delete(db) }
            for link in links {
                guard let from = ids[link.from], let to = ids[link.to] else { continue }
                try POPLinkRecord(fromPopId: from, toPopId: to, bandwidthBytesPerSecond: link.bandwidthBytesPerSecond,
                                  latencySeconds: link.latencySeconds).save(db)
            }
            return ids
        }
    }

    /// Every POP row, in name order.
    public func pops() throws -> [POPRecord] {
        if let postgres { return try postgres.pops() }
        return try reader.read { db in try POPRecord.order(Column("name")).fetchAll(db) }
    }

    /// Every link row (by source then target POP id on PostgreSQL, in insertion order on SQLite).
    public func popLinks() throws -> [POPLinkRecord] {
        if let postgres { return try postgres.popLinks() }
        return try reader.read { db in try POPLinkRecord.fetchAll(db) }
    }

    /// Sets the status of the named POPs (unknown names are ignored) in one transaction.
    public func setPOPStatus(_ status: POPStatus, names: [String]) throws {
        guard !names.isEmpty else { return }
        if let postgres { return try postgres.setPOPStatus(status, names: names) }
        return try writer.write { db in
            _ = try POPRecord.filter(names.contains(Column("name"))).updateAll(db, Column("status").set(to: status))
        }
    }

    /// Records the last report of `name`'s agent (Unix seconds).
    public func setPOPLastSeen(_ name: String, at time: Int64) throws {
        if let postgres { return try postgres.setPOPLastSeen(name, at: time) }
        return try writer.write { db in
            _ = try POPRecord.filter(Column("name") == name).updateAll(db, Column("last_seen").set(to: time))
        }
    }

    /// The promoted model versions' rows, by family.
    public func promotedModelVersions() throws -> [ModelVersionRecord] {
        if let postgres { return try postgres.modelVersions(where: "status = 'promoted'", order: "family COLLATE \"C\"") }
        return try reader.read { db in try ModelVersionRecord.filter(Column("status") == "promoted").order(Column("family")).fetchAll(db) }
    }
}
