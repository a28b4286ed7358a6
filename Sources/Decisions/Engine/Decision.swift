import Forecast
import Store
import Wire

/// One output of the decision engine: what to do, where, and every number behind it.
/// Encoded as JSON (snake_case keys) into `decisions.details`.
package struct Decision: Sendable, Equatable, Codable {
    package var workload: String
    /// Unix seconds of the tick.
    package var timestamp: Int64
    package var action: DecisionAction
    /// The POP it runs on now (its primary part's).
    package var sourcePop: String
    /// Where the allocation goes: resize → the source; migrate and restart → the target;
    /// partition → one entry per part (possibly the source). Empty for `none`.
    package var targets: [PlacementPart]
    /// Nil for `none`.
    package var strategy: ExecutionStrategy?
    /// For `restart`: the checkpoint it resumes from (nil: from the beginning).
    package var checkpointAt: Int64?
    package var details: DecisionDetails

    package var targetPops: [String] { targets.map(\.pop) }
}

/// The numbers behind a decision, for the journal and for humans.
package struct DecisionDetails: Sendable, Equatable, Codable {
    /// One sentence: why this action (or none).
    package var reason: String
    package var risk: Double
    package var resourceAtRisk: String?
    package var expectedSecondsToBreach: Double?
    package var enterThreshold: Double
    package var exitThreshold: Double
    /// The hysteresis state after this tick's risk.
    package var alarmed: Bool
    /// Seconds of cooldown left when it blocked an action.
    package var cooldownRemainingSeconds: Double?
    package var dryRun: Bool
    package var plannedDemand: ResourceAmounts
    package var currentUsage: ResourceAmounts
    package var currentAllocation: ResourceAmounts
    /// `plannedDemand × resize_headroom_factor`, never below usage; absent when no action
    /// was considered.
    package var requiredAllocation: ResourceAmounts?
    /// Free capacity of the source for this workload (its own allocation counted as free);
    /// absent resources are unconstrained.
    package var sourceFree: ResourceAmounts?
    /// Moves in flight when the decision was taken.
    package var migrationsInFlight: Int
    /// Every other POP considered for a move or restart, feasible or not, in name order.
    package var candidates: [CandidateEvaluation]
    /// When a partition was considered: the number of parts and the per-part candidates.
    package var partition: PartitionEvaluation?
}

/// One POP considered as a target, with its cost or the reasons it was rejected.
package struct CandidateEvaluation: Sendable, Equatable, Codable {
    package var pop: String
    package var feasible: Bool
    /// Why it cannot be chosen (down, stale, unreachable, no common strategy, and every
    /// resource that does not fit, with the numbers).
    package var rejections: [String]
    /// Its free capacity at decision time; absent resources are unconstrained.
    package var free: ResourceAmounts?
    package var strategy: ExecutionStrategy?
    package var cost: MigrationCost?
}

/// A partition that was considered: `parts` equal shares of the required allocation.
package struct PartitionEvaluation: Sendable, Equatable, Codable {
    package var parts: Int
    package var partAllocation: ResourceAmounts
    package var candidates: [CandidateEvaluation]
}
