import GRDB

/// Finds or creates workload rows by name within one write transaction, remembering the
/// ids it has seen and the names it created (the online appends of samples and traces).
struct WorkloadResolver {
    let source: String
    let now: Int64
    private var ids: [String: Int64]
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

    /// The id of workload `name`, creating the row (source `source`, no limits, interval
    /// unknown) when there is none.
    mutating func id(of name: String, in db: Database) throws -> Int64 {
        if let known = ids[name] { return known }
        let id: Int64
        // A cached statement, not the query interface: this runs once per workload per
        // transaction, and building and preparing the query each time (SQL generation, the
        // statement authorizer) was most of a remote-write request's store time.
        if let known = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM workloads WHERE name = ?"), arguments: [name]) {
            id = known
        } else {
            var record = WorkloadRecord(name: name, source: source, createdAt: now)
            try record.insert(db)
            id = record.id!
            created.append(name)
        }
        ids[name] = id
        learned[name] = id
        return id
    }
}
