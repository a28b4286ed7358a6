import GRDB

/// Finds or creates workload rows by name within one write transaction, remembering the
/// ids it has seen and the names it created (the online appends of samples and traces).
struct WorkloadResolver {
    let source: String
    let now: Int64
    private var ids: [String: Int64] = [:]
    /// Names created by this resolver, in creation order.
    private(set) var created: [String] = []

    init(source: String, now: Int64) {
        self.source = source
        self.now = now
    }

    /// The id of workload `name`, creating the row (source `source`, no limits, interval
    /// unknown) when there is none.
    mutating func id(of name: String, in db: Database) throws -> Int64 {
        if let known = ids[name] { return known }
        let id: Int64
        if let record = try WorkloadRecord.filter(Column("name") == name).fetchOne(db), let known = record.id {
            id = known
        } else {
            var record = WorkloadRecord(name: name, source: source, createdAt: now)
            try record.insert(db)
            id = record.id!
            created.append(name)
        }
        ids[name] = id
        return id
    }
}
