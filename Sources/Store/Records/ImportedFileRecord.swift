import GRDB

/// A row of `imported_files`: one file (or archive member) whose import committed.
/// Its presence is what makes a second import of the same bytes a no-op.
public struct ImportedFileRecord: Sendable, Equatable, Codable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "imported_files"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    public var id: Int64?
    /// Hex SHA-256 of the file's (decompressed member's) bytes.
    public var sha256: String
    public var format: String
    public var prefix: String
    public var path: String
    /// Archive member path; "" for a plain file, "*" for a whole archive once all its members are in.
    public var member: String
    /// Data rows read.
    public var rows: Int64
    /// Samples inserted.
    public var samples: Int64
    public var importedAt: Int64

    public init(id: Int64? = nil, sha256: String, format: String, prefix: String, path: String, member: String,
                rows: Int64, samples: Int64, importedAt: Int64) {
        self.id = id
        self.sha256 = sha256
        self.format = format
        self.prefix = prefix
        self.path = path
        self.member = member
        self.rows = rows
        self.samples = samples
        self.importedAt = importedAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
