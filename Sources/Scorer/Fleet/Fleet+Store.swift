import GRDB
import Store

extension Fleet {
    /// Writes the fleet into the store's `pops` and `pop_links` tables in one transaction.
    ///
    /// - POPs are matched by name: new ones are inserted, known ones get the file's
    ///   capacity, price, strategies and status (`down` → "down", else "up"); their
    ///   `last_seen` (the agent's) is kept. POPs in the store but not in the file are left
    ///   alone (decisions and migrations refer to them).
    /// - Every direction of every link (after the symmetric expansion) is upserted; a link
    ///   between two of the file's POPs that the file no longer declares is deleted, so the
    ///   store agrees with the file on what is reachable.
    /// - Returns: the store id of every POP of the fleet, by name.
    @discardableResult
    func sync(to store: HeadroomStore) throws -> [String: Int64] {
        try store.writer.write { db in
            var ids: [String: Int64] = [:]
            for pop in pops {
                var record = try POPRecord.filter(Column("name") == pop.name).fetchOne(db)
                    ?? POPRecord(name: pop.name, capacity: pop.capacity, pricePerHour: pop.pricePerHour)
                record.capacity = pop.capacity
                record.pricePerHour = pop.pricePerHour
                record.strategies = pop.strategies.sorted().map(\.rawValue)
                record.status = pop.down ? "down" : "up"
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
}
