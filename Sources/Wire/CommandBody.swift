import Resources

/// One command for an agent, an element of `GET /v1/agents/{pop}/commands`'s list (and the
/// answer to an acknowledgement): a pending or running journaled action with what its
/// executor needs.
///
/// ```json
/// {"id": 7, "decision_id": 31, "workload": "w", "action": "migrate", "strategy": "checkpoint_restart",
///  "state": "pending", "source_pop": "a", "targets": [{"pop": "b", "allocation": {"cpu_cores": 1, "memory_bytes": 536870912}}],
///  "checkpoint_at": 1700000000, "issued_at": 1700000300, "steps": [], "progress": {…}}
/// ```
///
/// `decision_id`, `checkpoint_at` and `progress` are left out when there is none. Keys the
/// reader does not know are skipped, so a newer scorer can add fields without stopping older
/// agents.
public struct CommandBody: Codable, Sendable, Equatable {
    /// What the command does (the journal's `DecisionAction`).
    public enum Action: String, Codable, Sendable, CaseIterable { case none, resize, migrate, partition, restart }

    /// One POP the workload (or a part of it) runs on afterwards, with its allocation.
    public struct Target: Codable, Sendable, Equatable {
        public var pop: String
        /// SI values; NaN = nothing allocated of that resource (left out on the wire).
        public var allocation: ResourceVector

        public init(pop: String, allocation: ResourceVector) {
            self.pop = pop
            self.allocation = allocation
        }

        enum CodingKeys: String, CodingKey { case pop, allocation }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            pop = try c.decode(String.self, forKey: .pop)
            allocation = try c.decodeIfPresent(ResourceAmounts.self, forKey: .allocation)?.vector ?? .absent
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(pop, forKey: .pop)
            try c.encode(ResourceAmounts(allocation), forKey: .allocation)
        }
    }

    /// The journal's id of the action (`POST /v1/agents/{pop}/commands/{id}` reports on it).
    public var id: Int64
    public var decisionId: Int64?
    public var workload: String
    public var action: Action
    /// `resize`, `live`, `checkpoint_restart` or `partition`.
    public var strategy: String
    /// `pending` or `running` in the list; after an acknowledgement also `done` or `failed`.
    public var state: String
    public var sourcePop: String
    public var targets: [Target]
    /// Unix seconds of the checkpoint a restart resumes from.
    public var checkpointAt: Int64?
    /// Unix seconds the decision was taken.
    public var issuedAt: Int64
    /// Steps the executor reported done so far.
    public var steps: [String]
    /// The last progress the agent reported (VM live migrations), if any.
    public var progress: MigrationProgress?

    public init(id: Int64, decisionId: Int64? = nil, workload: String, action: Action, strategy: String, state: String, sourcePop: String,
                targets: [Target], checkpointAt: Int64? = nil, issuedAt: Int64, steps: [String] = [], progress: MigrationProgress? = nil) {
        self.id = id
        self.decisionId = decisionId
        self.workload = workload
        self.action = action
        self.strategy = strategy
        self.state = state
        self.sourcePop = sourcePop
        self.targets = targets
        self.checkpointAt = checkpointAt
        self.issuedAt = issuedAt
        self.steps = steps
        self.progress = progress
    }

    enum CodingKeys: String, CodingKey {
        case id, decisionId = "decision_id", workload, action, strategy, state, sourcePop = "source_pop", targets,
             checkpointAt = "checkpoint_at", issuedAt = "issued_at", steps, progress
    }
}

/// `GET /v1/agents/{pop}/commands`: `{"pop": "a", "commands": [CommandBody…]}`, pending and
/// running, oldest first.
public struct CommandListBody: Codable, Sendable, Equatable {
    public var pop: String
    public var commands: [CommandBody]

    public init(pop: String, commands: [CommandBody]) {
        self.pop = pop
        self.commands = commands
    }
}

/// A live migration's counters as an agent reports them with a command's acknowledgement
/// and the scorer lists them with the command, from QEMU's `query-migrate`:
/// `{"transferred_bytes", "remaining_bytes", "total_bytes", "dirty_bytes_per_second", "rounds"}`.
public struct MigrationProgress: Sendable, Equatable, Codable {
    public var transferredBytes: Double
    public var remainingBytes: Double
    public var totalBytes: Double
    /// Bytes the guest dirtied per second in the last complete pre-copy round.
    public var dirtyBytesPerSecond: Double
    /// Completed passes over guest memory.
    public var rounds: Int

    public init(transferredBytes: Double, remainingBytes: Double, totalBytes: Double, dirtyBytesPerSecond: Double, rounds: Int) {
        self.transferredBytes = transferredBytes
        self.remainingBytes = remainingBytes
        self.totalBytes = totalBytes
        self.dirtyBytesPerSecond = dirtyBytesPerSecond
        self.rounds = rounds
    }

    public static let fields = ["transferred_bytes", "remaining_bytes", "total_bytes", "dirty_bytes_per_second", "rounds"]

    enum CodingKeys: String, CodingKey {
        case transferredBytes = "transferred_bytes", remainingBytes = "remaining_bytes", totalBytes = "total_bytes",
             dirtyBytesPerSecond = "dirty_bytes_per_second", rounds
    }

    /// Strict: exactly the five fields, each a finite number ≥ 0 (`rounds` an integer,
    /// capped at 10⁹).
    public init(from decoder: any Decoder) throws {
        let p = try decoder.container(keyedBy: WireKey.self)
        if let unknown = p.allKeys.map(\.stringValue).sorted().first(where: { !Self.fields.contains($0) }) {
            throw WireError(field: "progress.\(unknown)", "progress: unknown field \"\(unknown)\"; expected \(Self.fields.joined(separator: ", "))")
        }
        func value(_ key: String) throws -> Double {
            guard let v = try p.decodeIfPresent(Double.self, forKey: WireKey(key)) else {
                throw WireError(field: "progress.\(key)", "progress.\(key): missing; expected a number ≥ 0")
            }
            guard v.isFinite, v >= 0 else { throw WireError(field: "progress.\(key)", "progress.\(key): \(v); expected a number ≥ 0") }
            return v
        }
        self.init(transferredBytes: try value("transferred_bytes"), remainingBytes: try value("remaining_bytes"),
                  totalBytes: try value("total_bytes"), dirtyBytesPerSecond: try value("dirty_bytes_per_second"),
                  rounds: Int(min(try value("rounds"), 1e9)))
    }
}
