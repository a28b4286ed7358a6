import Store

extension Fleet {
    /// Writes the fleet into the store's `pops` and `pop_links` (`HeadroomStore.syncFleet`:
    /// one transaction; POPs matched by name keep their agent's `last_seen`; links between
    /// the fleet's POPs that the file no longer declares are deleted). A POP the file marks
    /// `down` is stored down, every other up.
    /// - Returns: the store id of every POP of the fleet, by name.
    @discardableResult
    package func sync(to store: HeadroomStore) throws -> [String: Int64] {
        try store.syncFleet(
            pops: pops.map { pop in
                HeadroomStore.POPDefinition(name: pop.name, capacity: pop.capacity, pricePerHour: pop.pricePerHour,
                                            strategies: pop.strategies.sorted().map(\.rawValue), status: pop.down ? .down : .up)
            },
            links: links)
    }
}
