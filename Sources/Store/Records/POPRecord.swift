import Forecast
import GRDB

/// A row of `pops`: a point of presence that can host workloads.
public struct POPRecord: Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "pops"

    public var id: Int64?
    public var name: String
    /// Capacity per resource; NaN = unconstrained.
    public var capacity: ResourceVector
    public var pricePerHour: Double
    /// Supported migration strategies (`live`, `checkpoint_restart`, `partition`).
    public var strategies: [String]
    public var status: POPStatus
    /// Unix seconds of the last report from its agent.
    public var lastSeen: Int64?

    public init(id: Int64? = nil, name: String, capacity: ResourceVector, pricePerHour: Double,
                strategies: [String] = [], status: POPStatus = .up, lastSeen: Int64? = nil) {
        self.id = id
        self.name = name
        self.capacity = capacity
        self.pricePerHour = pricePerHour
        self.strategies = strategies
        self.status = status
        self.lastSeen = lastSeen
    }

    public init(row: Row) {
        id = row["id"]
        name = row["name"]
        capacity = ResourceColumns.decode(row, prefix: "capacity_")
        pricePerHour = row["price_per_hour"]
        let joined: String = row["strategies"]
        strategies = joined.split(separator: ",").map(String.init)
        // A status this version does not know reads as down: never chosen, never a crash.
        let status: String = row["status"]
        self.status = POPStatus(rawValue: status) ?? .down
        lastSeen = row["last_seen"]
    }

    public func encode(to container: inout PersistenceContainer) {
        container["id"] = id
        container["name"] = name
        ResourceColumns.encode(capacity, prefix: "capacity_", into: &container)
        container["price_per_hour"] = pricePerHour
        container["strategies"] = strategies.joined(separator: ",")
        container["status"] = status
        container["last_seen"] = lastSeen
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A row of `pop_links`: the network path from one POP to another.
public struct POPLinkRecord: Sendable, Equatable, Codable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "pop_links"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    public var fromPopId: Int64
    public var toPopId: Int64
    public var bandwidthBytesPerSecond: Double
    public var latencySeconds: Double

    public init(fromPopId: Int64, toPopId: Int64, bandwidthBytesPerSecond: Double, latencySeconds: Double) {
        self.fromPopId = fromPopId
        self.toPopId = toPopId
        self.bandwidthBytesPerSecond = bandwidthBytesPerSecond
        self.latencySeconds = latencySeconds
    }
}
