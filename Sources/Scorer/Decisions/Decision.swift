import Forecast

/// What the decision loop does about one workload at one tick.
enum DecisionAction: String, Sendable, Codable, CaseIterable {
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
    var isMove: Bool { self == .migrate || self == .partition || self == .restart }
}

/// How an action is carried out (`strategy` of a `migrations` row).
enum ExecutionStrategy: String, Sendable, Codable, CaseIterable {
    case live
    case checkpointRestart = "checkpoint_restart"
    case partition
    case resize
}

/// One output of the decision engine: what to do, where, and every number behind it.
/// Encoded as JSON (snake_case keys) into `decisions.details`.
struct Decision: Sendable, Equatable, Codable {
    var workload: String
    /// Unix seconds of the tick.
    var timestamp: Int64
    var action: DecisionAction
    /// The POP it runs on now (its primary part's).
    var sourcePop: String
    /// Where the allocation goes: resize → the source; migrate and restart → the target;
    /// partition → one entry per part (possibly the source). Empty for `none`.
    var targets: [PlacementPart]
    /// Nil for `none`.
    var strategy: ExecutionStrategy?
    /// For `restart`: the checkpoint it resumes from (nil: from the beginning).
    var checkpointAt: Int64?
    var details: DecisionDetails

    var targetPops: [String] { targets.map(\.pop) }
}

/// The numbers behind a decision, for the journal and for humans.
struct DecisionDetails: Sendable, Equatable, Codable {
    /// One sentence: why this action (or none).
    var reason: String
    var risk: Double
    var resourceAtRisk: String?
    var expectedSecondsToBreach: Double?
    var enterThreshold: Double
    var exitThreshold: Double
    /// The hysteresis state after this tick's risk.
    var alarmed: Bool
    /// Seconds of cooldown left when it blocked an action.
    var cooldownRemainingSeconds: Double?
    var dryRun: Bool
    var plannedDemand: ResourceAmounts
    var currentUsage: ResourceAmounts
    var currentAllocation: ResourceAmounts
    /// `plannedDemand × resize_headroom_factor`, never below usage; absent when no action
    /// was considered.
    var requiredAllocation: ResourceAmounts?
    /// Free capacity of the source for this workload (its own allocation counted as free);
    /// absent resources are unconstrained.
    var sourceFree: ResourceAmounts?
    /// Moves in flight when the decision was taken.
    var migrationsInFlight: Int
    /// Every other POP considered for a move or restart, feasible or not, in name order.
    var candidates: [CandidateEvaluation]
    /// When a partition was considered: the number of parts and the per-part candidates.
    var partition: PartitionEvaluation?
}

/// One POP considered as a target, with its cost or the reasons it was rejected.
struct CandidateEvaluation: Sendable, Equatable, Codable {
    var pop: String
    var feasible: Bool
    /// Why it cannot be chosen (down, stale, unreachable, no common strategy, and every
    /// resource that does not fit, with the numbers).
    var rejections: [String]
    /// Its free capacity at decision time; absent resources are unconstrained.
    var free: ResourceAmounts?
    var strategy: ExecutionStrategy?
    var cost: MigrationCost?
}

/// A partition that was considered: `parts` equal shares of the required allocation.
struct PartitionEvaluation: Sendable, Equatable, Codable {
    var parts: Int
    var partAllocation: ResourceAmounts
    var candidates: [CandidateEvaluation]
}
