import GRDB

/// What the decision loop does about one workload at one tick (`decisions.action`).
public enum DecisionAction: String, Sendable, Codable, CaseIterable, DatabaseValueConvertible {
    /// Nothing (risk low, cooldown, in flight, already covered, or nothing feasible).
    case none
    /// Change the allocation in place on the current POP.
    case resize
    /// Move the whole workload to another POP.
    case migrate
    /// Split it across several POPs.
    case partition
    /// Its POP is down: restart it elsewhere from its last good checkpoint.
    case restart

    /// Whether it moves state between POPs (and counts towards the concurrency limit).
    public var isMove: Bool { self == .migrate || self == .partition || self == .restart }
}

/// How an action is carried out (`migrations.strategy`).
public enum ExecutionStrategy: String, Sendable, Codable, CaseIterable, DatabaseValueConvertible {
    case live
    case checkpointRestart = "checkpoint_restart"
    case partition
    case resize
}

/// Where a journaled action stands (`migrations.state`): `pending` (issued, the executor
/// has not reported), `running` (steps under way), then `done` or `failed`, or
/// `rolledBack` when a restarted scorer abandoned a move it could not resume.
public enum MigrationState: String, Sendable, Codable, CaseIterable, DatabaseValueConvertible {
    case pending, running, done, failed
    case rolledBack = "rolled_back"

    /// Pending or running: an executor may still act on it.
    public var isUnfinished: Bool { self == .pending || self == .running }
}

/// A POP's state in the store (`pops.status`).
public enum POPStatus: String, Sendable, Codable, CaseIterable, DatabaseValueConvertible {
    case up, down
}

/// A model version's state in the registry (`model_versions.status`): written by the
/// trainer as `candidate`; `promoted` (one version at a time); `retired` when another was
/// promoted after it; `rolledBack` when a rollback left it (a later rollback passes it over).
public enum ModelStatus: String, Sendable, Codable, CaseIterable, DatabaseValueConvertible {
    case candidate, promoted, retired
    case rolledBack = "rolled_back"
}
