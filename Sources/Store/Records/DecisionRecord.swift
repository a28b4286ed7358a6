import GRDB

/// A row of `decisions`: one output of the scorer's decision loop, with the numbers
/// behind it (JSON in `details`) so that every action can be explained afterwards.
public struct DecisionRecord: Sendable, Equatable, Codable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "decisions"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    public var id: Int64?
    /// Unix seconds.
    public var timestamp: Int64
    public var workloadId: Int64
    /// Calibrated probability of exceeding a limit within the horizon, 0…1.
    public var risk: Double
    /// snake_case resource name, or nil.
    public var resourceAtRisk: String?
    public var action: DecisionAction
    public var sourcePopId: Int64?
    public var targetPopId: Int64?
    public var details: String?

    public init(id: Int64? = nil, timestamp: Int64, workloadId: Int64, risk: Double, resourceAtRisk: String?,
                action: DecisionAction, sourcePopId: Int64? = nil, targetPopId: Int64? = nil, details: String? = nil) {
        self.id = id
        self.timestamp = timestamp
        self.workloadId = workloadId
        self.risk = risk
        self.resourceAtRisk = resourceAtRisk
        self.action = action
        self.sourcePopId = sourcePopId
        self.targetPopId = targetPopId
        self.details = details
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
