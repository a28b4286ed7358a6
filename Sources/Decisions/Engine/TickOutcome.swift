import Forecast
import Store

/// What one tick of the decision engine produced.
package struct TickOutcome: Sendable, Equatable {
    /// One per considered workload (every assessment, plus workloads on a down POP that
    /// had none), in the order they were decided.
    package var decisions: [Decision]
    /// What the executors should do: the decisions with an action. Empty in dry-run.
    package var commands: [Command]
}

/// An instruction for the executors (the agent): the actionable part of a decision.
package struct Command: Sendable, Equatable {
    package var workload: String
    package var action: DecisionAction
    package var sourcePop: String
    package var targets: [PlacementPart]
    package var strategy: ExecutionStrategy
    package var checkpointAt: Int64?

    /// Nil for a decision without an action.
    package init?(_ decision: Decision) {
        guard decision.action != .none, let strategy = decision.strategy else { return nil }
        workload = decision.workload
        action = decision.action
        sourcePop = decision.sourcePop
        targets = decision.targets
        self.strategy = strategy
        checkpointAt = decision.checkpointAt
    }
}
