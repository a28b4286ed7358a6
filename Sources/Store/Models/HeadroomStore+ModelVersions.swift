import GRDB
import PostgresNIO

/// The model registry's rows (`model_versions`) on either backend: what `ModelRegistry`
/// reads and writes beside its files.
extension HeadroomStore {
    /// Whether any family of `version` is registered.
    func modelVersionExists(_ version: String) throws -> Bool {
        if let postgres { return try !postgres.modelVersions(where: "version = $1", .of(version), order: "id").isEmpty }
        return try reader.read { db in try ModelVersionRecord.filter(Column("version") == version).fetchCount(db) > 0 }
    }

    /// Registers `record` (status as given); returns it with its id.
    func insertModelVersion(_ record: ModelVersionRecord) throws -> ModelVersionRecord {
        if let postgres { return try postgres.insertModelVersion(record) }
        return try writer.write { db in
            var row = record
            try row.insert(db)
            return row
        }
    }

    /// Every registered file, newest first (created_at, then version, descending; family ascending).
    func allModelVersions() throws -> [ModelVersionRecord] {
        if let postgres {
            return try postgres.modelVersions(where: "TRUE", order: "created_at DESC, version COLLATE \"C\" DESC, family COLLATE \"C\"")
        }
        return try reader.read { db in
            try ModelVersionRecord.order(Column("created_at").desc, Column("version").desc, Column("family")).fetchAll(db)
        }
    }

    /// The files of `version`.
    func modelVersions(version: String) throws -> [ModelVersionRecord] {
        if let postgres { return try postgres.modelVersions(where: "version = $1", .of(version), order: "id") }
        return try reader.read { db in try ModelVersionRecord.filter(Column("version") == version).fetchAll(db) }
    }

    /// The promoted file of `family`, if any.
    func promotedModelVersion(family: String) throws -> ModelVersionRecord? {
        if let postgres {
            return try postgres.modelVersions(where: "family = $1 AND status = $2", .of(family, ModelStatus.promoted.rawValue), order: "id").first
        }
        return try reader.read { db in
            try ModelVersionRecord.filter(Column("family") == family && Column("status") == ModelStatus.promoted).fetchOne(db)
        }
    }

    /// The version `sql` (one text column, `$1`… bound to `arguments`) names, if any.
    private func versionName(_ sql: String, _ arguments: [String]) throws -> String? {
        if let postgres {
            return try postgres.transaction { session in
                var bindings = PostgresBindings()
                for argument in arguments { bindings.add(argument) }
                return try session.scalar(String.self, sql, bindings)
            }
        }
        let sqlite = sql.replacingDollarParameters()
        return try reader.read { db in try String.fetchOne(db, sql: sqlite, arguments: StatementArguments(arguments)) }
    }

    /// The promoted version's name, if any.
    func promotedVersionName() throws -> String? {
        try versionName("SELECT version FROM model_versions WHERE status = $1 LIMIT 1", [ModelStatus.promoted.rawValue])
    }

    /// The newest version's name (ties in creation second broken bytewise, as SQLite sorts).
    func latestVersionName() throws -> String? {
        let collation = isPostgres ? " COLLATE \"C\"" : ""
        return try versionName("SELECT version FROM model_versions ORDER BY created_at DESC, version\(collation) DESC LIMIT 1", [])
    }

    /// Versions promoted now or before (not rolled back), newest promotion first.
    func promotionHistory() throws -> [String] {
        let sql = """
            SELECT version FROM model_versions
            WHERE status IN ($1, $2) AND promoted_at IS NOT NULL
            GROUP BY version
            ORDER BY MAX(CASE WHEN status = $1 THEN 1 ELSE 0 END) DESC, MAX(promoted_at) DESC, version DESC
            """
        let arguments = [ModelStatus.promoted.rawValue, ModelStatus.retired.rawValue]
        if let postgres {
            return try postgres.transaction { session in
                try session.rows(sql.replacingOccurrences(of: "version DESC", with: "version COLLATE \"C\" DESC"),
                                 .of(arguments[0], arguments[1])) { try $0.next(String.self) }
            }
        }
        return try reader.read { db in
            try String.fetchAll(db, sql: sql.replacingDollarParameters(), arguments: [arguments[0], arguments[1], arguments[0]])
        }
    }

    /// In one transaction: rows with status `demote` (other versions than `version`, or
    /// exactly `demoteVersion` when given) become `demotedTo`, and every file of `version`
    /// becomes promoted at `timestamp`.
    func promoteModelVersion(_ version: String, timestamp: Int64, demoting demoteVersion: String?, to demotedTo: ModelStatus) throws {
        if let postgres {
            try postgres.transaction { session in
                if let demoteVersion {
                    try session.execute("UPDATE model_versions SET status = $1 WHERE version = $2", .of(demotedTo.rawValue, demoteVersion))
                } else {
                    try session.execute("UPDATE model_versions SET status = $1 WHERE status = $2 AND version != $3",
                                        .of(demotedTo.rawValue, ModelStatus.promoted.rawValue, version))
                }
                try session.execute("UPDATE model_versions SET status = $1, promoted_at = $2 WHERE version = $3",
                                    .of(ModelStatus.promoted.rawValue, timestamp, version))
            }
            return
        }
        try writer.write { db in
            if let demoteVersion {
                try db.execute(sql: "UPDATE model_versions SET status = ? WHERE version = ?", arguments: [demotedTo, demoteVersion])
            } else {
                try db.execute(sql: "UPDATE model_versions SET status = ? WHERE status = ? AND version != ?",
                               arguments: [demotedTo, ModelStatus.promoted, version])
            }
            try db.execute(sql: "UPDATE model_versions SET status = ?, promoted_at = ? WHERE version = ?",
                           arguments: [ModelStatus.promoted, timestamp, version])
        }
    }
}

extension String {
    /// `$1`, `$2`, … turned into SQLite's `?` in order of appearance (the statements here
    /// use each parameter once, in order, or the caller repeats the argument).
    func replacingDollarParameters() -> String {
        var out = ""
        var index = startIndex
        while index < endIndex {
            if self[index] == "$", let next = self.index(index, offsetBy: 1, limitedBy: endIndex), next < endIndex,
               self[next].isNumber {
                out.append("?")
                index = next
                while index < endIndex, self[index].isNumber { index = self.index(after: index) }
            } else {
                out.append(self[index])
                index = self.index(after: index)
            }
        }
        return out
    }
}

extension PostgresBackend {
    static let modelVersionColumns = "id, family, version, path, sha256, created_at, training_from, training_to, metrics, status, promoted_at"

    func modelVersions(where condition: String, _ bindings: PostgresBindings = PostgresBindings(), order: String) throws -> [ModelVersionRecord] {
        try transaction { session in
            try session.rows("SELECT \(Self.modelVersionColumns) FROM model_versions WHERE \(condition) ORDER BY \(order)", bindings) { c in
                ModelVersionRecord(id: try c.next(Int64.self), family: try c.next(), version: try c.next(), path: try c.next(),
                                   sha256: try c.next(), createdAt: try c.next(), trainingFrom: try c.next(), trainingTo: try c.next(),
                                   metrics: try c.next(), status: try c.next(ModelStatus.self), promotedAt: try c.next())
            }
        }
    }

    func insertModelVersion(_ record: ModelVersionRecord) throws -> ModelVersionRecord {
        try transaction { session in
            var row = record
            row.id = try session.scalar(Int64.self, """
                INSERT INTO model_versions (family, version, path, sha256, created_at, training_from, training_to, metrics, status, promoted_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id
                """, .of(record.family, record.version, record.path, record.sha256, record.createdAt, record.trainingFrom,
                         record.trainingTo, record.metrics, record.status.rawValue, record.promotedAt))
            return row
        }
    }
}
