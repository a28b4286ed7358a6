/// One command from the scorer (`GET /v1/agents/{pop}/commands`), as its journal holds it:
/// `{"id":7,"workload":"w","action":"migrate","strategy":"checkpoint_restart","source_pop":"a",
///   "targets":[{"pop":"b","allocation":{"cpu_cores":1,"memory_bytes":536870912}}], …}`.
/// Fields the agent does not use (`decision_id`, `state`, `issued_at`, …) are ignored.
public struct AgentCommand: Sendable, Equatable, Decodable {
    public enum Action: String, Sendable, Decodable { case resize, migrate, partition, restart, none }

    public struct Target: Sendable, Equatable, Decodable {
        public var pop: String
        /// CPU and memory of the allocation (the only resources a cgroup limits here).
        public var allocation: ResourceLimits

        public init(pop: String, allocation: ResourceLimits) {
            self.pop = pop
            self.allocation = allocation
        }

        enum CodingKeys: String, CodingKey { case pop, allocation }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            pop = try c.decode(String.self, forKey: .pop)
            let amounts = try c.decodeIfPresent([String: Double?].self, forKey: .allocation) ?? [:]
            allocation = ResourceLimits(cpuCores: (amounts["cpu_cores"] ?? nil).flatMap { $0.isFinite && $0 > 0 ? $0 : nil },
                                        memoryBytes: (amounts["memory_bytes"] ?? nil).flatMap { $0.isFinite && $0 >= 4096 ? Int64($0) : nil })
        }
    }

    public var id: Int64
    public var workload: String
    public var action: Action
    /// `resize`, `live`, `checkpoint_restart` or `partition`.
    public var strategy: String
    public var sourcePop: String
    public var targets: [Target]
    /// The state the scorer holds for it (`pending`, `running`).
    public var state: String?

    public init(id: Int64, workload: String, action: Action, strategy: String, sourcePop: String, targets: [Target], state: String? = "pending") {
        self.id = id
        self.workload = workload
        self.action = action
        self.strategy = strategy
        self.sourcePop = sourcePop
        self.targets = targets
        self.state = state
    }

    enum CodingKeys: String, CodingKey { case id, workload, action, strategy, sourcePop = "source_pop", targets, state }
}

/// What an executor reports (`POST /v1/agents/{pop}/commands/{id}`).
public struct ExecutionResult: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable { case running, done, failed }
    public var state: State
    /// Steps reached, in order (`signalled`, `checkpointed`, `copied`, `started_at_target`, …).
    public var steps: [String]
    /// What happened, for logs and the journal.
    public var message: String
    public var movedBytes: Double?
    public var downtimeMs: Double?
    /// A VM live migration's counters (QEMU's `query-migrate`), while it runs and at the end.
    public var progress: MigrationProgress?

    public init(state: State, steps: [String], message: String, movedBytes: Double? = nil, downtimeMs: Double? = nil,
                progress: MigrationProgress? = nil) {
        self.progress = progress
        self.state = state
        self.steps = steps
        self.message = message
        self.movedBytes = movedBytes
        self.downtimeMs = downtimeMs
    }

    enum CodingKeys: String, CodingKey { case state, steps, message, movedBytes = "moved_bytes", downtimeMs = "downtime_ms", progress }
}
