import Forecast

/// What one tick of the decision engine produced.
struct TickOutcome: Sendable, Equatable {
    /// One per considered workload (every assessment, plus workloads on a down POP that
    /// had none), in the order they were decided.
    var decisions: [Decision]
    /// What the executors should do: the decisions with an action. Empty in dry-run.
    var commands: [Command]
}

/// An instruction for the executors (the agent): the actionable part of a decision.
struct Command: Sendable, Equatable {
    var workload: String
    var action: DecisionAction
    var sourcePop: String
    var targets: [PlacementPart]
    var strategy: ExecutionStrategy
    var checkpointAt: Int64?

    /// Nil for a decision without an action.
    init?(_ decision: Decision) {
        guard decision.action != .none, let strategy = decision.strategy else { return nil }
        workload = decision.workload
        action = decision.action
        sourcePop = decision.sourcePop
        targets = decision.targets
        self.strategy = strategy
        checkpointAt = decision.checkpointAt
    }
}
