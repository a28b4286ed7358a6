import Resources
import TOMLKit

/// The fleet file's shared sections, read once for the agent and the scorer
/// (`config/pops.example.toml` documents every key):
///
/// ```toml
/// [[pops]]
/// name = "fra1"                       # unique
/// price_per_hour = 0.48               # money units per hour, ≥ 0
/// price_per_core_hour = 0.02          # optional
/// price_per_gib_hour = 0.005          # optional
/// strategies = ["live", "checkpoint_restart", "partition"]
/// startup_seconds = 15                # optional, default 0
/// down = false                        # optional, default false
/// [pops.capacity]                     # optional; a missing resource is unconstrained
/// cpu_cores = 32
/// memory_bytes = 137438953472
///
/// [[links]]                           # symmetric unless both directions are given
/// from = "fra1"
/// to = "ams1"
/// bandwidth_bytes_per_second = 1.25e9 # > 0
/// latency_seconds = 0.006             # ≥ 0
///
/// [[scorers]]                         # optional: scorers sharing the fleet (`serve --shard i/n`)
/// url = "http://10.0.0.5:8080"        # shard 0 (the order of the tables, or `shard = i`)
/// [[scorers]]
/// url = "http://10.0.0.6:8080"        # shard 1
/// ```
///
/// Reading is strict about shape: an unknown key in a POP, its capacity or a link, a value
/// of the wrong type, a strategy that is not a `MigrationStrategy`, or a POP without a name
/// or a link without its ends or bandwidth is a `FleetFileError` naming the file and key.
/// Integers and floats are both accepted for numbers. Which other keys are required and
/// which ranges are valid is each reader's rule: the scorer needs prices, strategies and
/// latencies (`Fleet`), the agent only names, capacities and bandwidths (`AgentConfig`).
public struct FleetDeclarations: Sendable, Equatable {
    /// One `[[pops]]` table as written.
    public struct POP: Sendable, Equatable {
        public var name: String
        /// SI values; NaN = not given (unconstrained).
        public var capacity: ResourceVector
        public var pricePerHour: Double?
        public var pricePerCoreHour: Double?
        public var pricePerGiBHour: Double?
        /// In the file's order; nil when the key is absent.
        public var strategies: [MigrationStrategy]?
        public var startupSeconds: Double?
        public var down: Bool?

        public init(name: String, capacity: ResourceVector = .absent, pricePerHour: Double? = nil, pricePerCoreHour: Double? = nil,
                    pricePerGiBHour: Double? = nil, strategies: [MigrationStrategy]? = nil, startupSeconds: Double? = nil, down: Bool? = nil) {
            self.name = name
            self.capacity = capacity
            self.pricePerHour = pricePerHour
            self.pricePerCoreHour = pricePerCoreHour
            self.pricePerGiBHour = pricePerGiBHour
            self.strategies = strategies
            self.startupSeconds = startupSeconds
            self.down = down
        }
    }

    /// One `[[links]]` table as written.
    public struct Link: Sendable, Equatable {
        public var from: String
        public var to: String
        public var bandwidthBytesPerSecond: Double
        public var latencySeconds: Double?

        public init(from: String, to: String, bandwidthBytesPerSecond: Double, latencySeconds: Double? = nil) {
            self.from = from
            self.to = to
            self.bandwidthBytesPerSecond = bandwidthBytesPerSecond
            self.latencySeconds = latencySeconds
        }
    }

    /// In declaration order.
    public var pops: [POP]
    /// As declared (one entry per `[[links]]` table).
    public var links: [Link]
    /// The scorers that split the fleet's workloads between them, by shard (`ScorerShards`);
    /// nil when the file declares none (one scorer, the agent's `scorer_url`).
    public var scorers: ScorerShards?

    /// The top-level keys these sections own.
    public static let topLevelKeys = ["pops", "links", "scorers"]
    public static let scorerEntryKeys = ["url", "shard"]
    /// The top-level keys that belong to the agent (the scorer skips them).
    public static let agentKeys = ["agent", "workloads"]
    /// The top-level keys that belong to the scorer (the agent skips them): `[pre_copy]`,
    /// the dirty rates live moves are priced with.
    public static let scorerKeys = ["pre_copy"]
    public static let popKeys = ["name", "capacity", "price_per_hour", "price_per_core_hour", "price_per_gib_hour", "strategies", "startup_seconds", "down"]
    public static let linkKeys = ["from", "to", "bandwidth_bytes_per_second", "latency_seconds"]
    /// What `strategies` must be, for messages.
    public static let strategiesExpected =
        "an array of strategy names (subset of \(MigrationStrategy.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")); [] to accept no migrations)"

    public init(pops: [POP], links: [Link], scorers: ScorerShards? = nil) {
        self.pops = pops
        self.links = links
        self.scorers = scorers
    }

    /// Reads `[[pops]]` and `[[links]]` from a file's root table.
    /// - Parameter otherKeys: the other top-level keys the caller reads (or skips); any
    ///   top-level key outside these and `topLevelKeys` is an error.
    public init(_ root: TOMLFields, otherKeys: [String]) throws(FleetFileError) {
        try root.rejectUnknownKeys(allowed: Self.topLevelKeys, ignored: otherKeys)
        var pops: [POP] = []
        for (i, table) in try root.arrayOfTables("pops").enumerated() {
            pops.append(try Self.pop(root.child(table, "pops[\(i)]")))
        }
        var links: [Link] = []
        for (i, table) in try root.arrayOfTables("links").enumerated() {
            let link = root.child(table, "links[\(i)]")
            try link.rejectUnknownKeys(allowed: Self.linkKeys)
            links.append(Link(from: try link.requiredString("from"), to: try link.requiredString("to"),
                              bandwidthBytesPerSecond: try link.requiredNumber("bandwidth_bytes_per_second", expected: "a number (bytes per second)"),
                              latencySeconds: try link.number("latency_seconds", expected: "a number (seconds)")))
        }
        self.init(pops: pops, links: links, scorers: try Self.scorers(root))
    }

    /// `[[scorers]]`: each with an http(s) `url`; `shard` either on every table (each of
    /// 0..<n exactly once) or on none (the tables' order).
    static func scorers(_ root: TOMLFields) throws(FleetFileError) -> ScorerShards? {
        let tables = try root.arrayOfTables("scorers")
        guard !tables.isEmpty else { return nil }
        var urls = [String?](repeating: nil, count: tables.count)
        var explicit: Bool?
        for (i, table) in tables.enumerated() {
            let entry = root.child(table, "scorers[\(i)]")
            try entry.rejectUnknownKeys(allowed: scorerEntryKeys)
            let url = try entry.requiredString("url", expected: "the scorer's base URL, http://host:port")
            guard ScorerShards.isBaseURL(url) else {
                throw entry.invalid("url", "is \"\(url)\"; expected an http:// or https:// URL such as http://10.0.0.5:8080")
            }
            let shard = try entry.integer("shard", expected: "an integer 0 ≤ shard < \(tables.count) (the number of [[scorers]])")
            if let explicit, explicit != (shard != nil) {
                throw entry.invalid("shard", "is given on some [[scorers]] and not on others; give it on all (0…\(tables.count - 1)) or on none (the tables' order)")
            }
            explicit = shard != nil
            let index = shard ?? i
            guard index >= 0, index < tables.count else {
                throw entry.invalid("shard", "is \(index); expected 0 ≤ shard < \(tables.count) (the number of [[scorers]])")
            }
            guard urls[index] == nil else { throw entry.invalid("shard", "is \(index), which another [[scorers]] table already has") }
            urls[index] = url
        }
        return ScorerShards(urls: urls.map { $0 ?? "" })
    }

    static func pop(_ fields: TOMLFields) throws(FleetFileError) -> POP {
        try fields.rejectUnknownKeys(allowed: popKeys)
        var capacity = ResourceVector.absent
        if let table = try fields.table("capacity") {
            let capacityFields = fields.child(table, "capacity")
            try capacityFields.rejectUnknownKeys(allowed: Resource.allCases.map(\.snakeCaseName))
            for resource in Resource.allCases {
                if let value = try capacityFields.number(resource.snakeCaseName) { capacity[resource] = value }
            }
        }
        var strategies: [MigrationStrategy]?
        if let names = try fields.strings("strategies", expected: "an array of strategy names") {
            var parsed: [MigrationStrategy] = []
            for (i, name) in names.enumerated() {
                guard let strategy = MigrationStrategy(rawValue: name) else {
                    throw .invalidValue(file: fields.source, keyPath: "\(fields.keyPath("strategies"))[\(i)]",
                                        message: "is \"\(name)\"; expected one of \(MigrationStrategy.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                parsed.append(strategy)
            }
            strategies = parsed
        }
        return POP(name: try fields.requiredString("name"), capacity: capacity,
                   pricePerHour: try fields.number("price_per_hour", expected: "a number (money units per hour)"),
                   pricePerCoreHour: try fields.number("price_per_core_hour"), pricePerGiBHour: try fields.number("price_per_gib_hour"),
                   strategies: strategies, startupSeconds: try fields.number("startup_seconds"), down: try fields.bool("down"))
    }
}
