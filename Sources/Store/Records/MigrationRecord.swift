import GRDB

/// A row of `migrations`: the journal of one resize / move / split, so that a restarted
/// scorer resumes unfinished ones.
public struct MigrationRecord: Sendable, Equatable, Codable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "migrations"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    public var id: Int64?
    public var decisionId: Int64?
    public var workloadId: Int64
    public var sourcePopId: Int64?
    public var targetPopId: Int64?
    public var strategy: ExecutionStrategy
    public var state: MigrationState
    public var startedAt: Int64
    public var finishedAt: Int64?
    public var movedBytes: Double?
    public var downtimeMs: Double?
    /// JSON array of completed steps.
    public var journal: String?

    public init(id: Int64? = nil, decisionId: Int64? = nil, workloadId: Int64, sourcePopId: Int64? = nil,
                targetPopId: Int64? = nil, strategy: ExecutionStrategy, state: MigrationState, startedAt: Int64,
                finishedAt: Int64? = nil, movedBytes: Double? = nil, downtimeMs: Double? = nil, journal: String? = nil) {
        self.id = id
        self.decisionId = decisionId
        self.workloadId = workloadId
        self.sourcePopId = sourcePopId
        self.targetPopId = targetPopId
        self.strategy = strategy
        self.state = state
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.movedBytes = movedBytes
        self.downtimeMs = downtimeMs
        self.journal = journal
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
