/// One command from the scorer as the executors act on it: the part of a `CommandBody`
/// (`GET /v1/agents/{pop}/commands`) they use, with each target's allocation as the limits a
/// cgroup enforces (`AgentCommand+Wire`).
public struct AgentCommand: Sendable, Equatable {
    public typealias Action = CommandBody.Action

    public struct Target: Sendable, Equatable {
        public var pop: String
        /// CPU and memory of the allocation (the only resources a cgroup limits here).
        public var allocation: ResourceLimits

        public init(pop: String, allocation: ResourceLimits) {
            self.pop = pop
            self.allocation = allocation
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
