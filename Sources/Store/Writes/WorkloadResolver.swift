import GRDB

/// Finds or creates workload rows by name within one write transaction, remembering the
/// ids it has seen and the names it created (the online appends of samples and traces).
/// The bookkeeping is the backends' common part; each backend looks names up its own way
/// (`id(of:in:)` here, one row at a time through a cached statement; `resolve(_:_:)` for
/// PostgreSQL, a whole request's names in two statements).
struct WorkloadResolver {
    let source: String
    let now: Int64
    private(set) var ids: [String: Int64]
    /// Names created by this resolver, in creation order.
    private(set) var created: [String] = []
    /// Ids this resolver read or created (not among `known`): once the transaction has
    /// committed they may join the caller's cache.
    private(set) var learned: [String: Int64] = [:]

    /// - Parameter known: ids of committed workload rows (a workload row is never deleted
    ///   nor renamed, so a committed name's id never changes).
    init(source: String, now: Int64, known: [String: Int64] = [:]) {
        self.source = source
        self.now = now
        self.ids = known
    }

    /// Records `name`'s row id, read from the store or just created (`created`).
    mutating func found(_ name: String, id: Int64, created: Bool) {
        if created { self.created.append(name) }
        ids[name] = id
        learned[name] = id
    }

    /// The id of workload `name`, creating the row (source `source`, no limits, interval
    /// unknown) when there is none.
    mutating func id(of name: String, in db: Database) throws -> Int64 {
        if let known = ids[name] { return known }
        // A cached statement, not the query interface: this runs once per workload per
        // transaction, and building and preparing the query each time (SQL generation, the
        // statement authorizer) would be most of a remote-write request's store time.
        if let known = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM workloads WHERE name = ?"), arguments: [name]) {
            found(name, id: known, created: false)
            return known
        }
        var record = WorkloadRecord(name: name, source: source, createdAt: now)
        try record.insert(db)
        found(name, id: record.id!, created: true)
        return record.id!
    }
}
