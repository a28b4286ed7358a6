import GRDB

/// A row of `model_versions`: the registry entry of one model file under `models/`.
public struct ModelVersionRecord: Sendable, Equatable, Codable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "model_versions"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    public var id: Int64?
    /// `arima`, `lstm`, `hmm` or `bundle`.
    public var family: String
    public var version: String
    /// Path of the safetensors file, relative to the models directory.
    public var path: String
    /// Hex SHA-256 of the file's tensor bytes.
    public var sha256: String
    public var createdAt: Int64
    public var trainingFrom: Int64?
    public var trainingTo: Int64?
    /// Validation metrics, JSON.
    public var metrics: String?
    public var status: ModelStatus
    public var promotedAt: Int64?

    public init(id: Int64? = nil, family: String, version: String, path: String, sha256: String,
                createdAt: Int64, trainingFrom: Int64? = nil, trainingTo: Int64? = nil,
                metrics: String? = nil, status: ModelStatus = .candidate, promotedAt: Int64? = nil) {
        self.id = id
        self.family = family
        self.version = version
        self.path = path
        self.sha256 = sha256
        self.createdAt = createdAt
        self.trainingFrom = trainingFrom
        self.trainingTo = trainingTo
        self.metrics = metrics
        self.status = status
        self.promotedAt = promotedAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
