import Forecast
import Models
import Store

/// The scorer's view of one workload at one tick: the input of a decision.
package struct Assessment: Sendable, Equatable {
    package var workload: String
    /// Unix seconds.
    package var timestamp: Int64
    /// Calibrated probability of exceeding a limit within the horizon, 0…1.
    package var risk: Double
    package var resourceAtRisk: Resource?
    /// Seconds until the expected breach, when the forecast crosses the limit.
    package var expectedSecondsToBreach: Double?
    /// What an action must provide: the predicted demand over the horizon at a high
    /// quantile, SI units; NaN = no forecast for that resource (keep its allocation).
    package var plannedDemand: ResourceVector
    /// Usage now, SI units; NaN = not measured. A resize never goes below it.
    package var currentUsage: ResourceVector
    /// Usage is above the allocation now (observed, not predicted): the cooldown, which
    /// guards against acting on every wobble of a forecast, does not hold such a workload back.
    package var breaching: Bool = false
    /// The policy's right-sizing: the allocation it would shrink to now (per resource; NaN =
    /// keep), or nil when it asks for no shrinking. The policy owns the rule (its
    /// hysteresis); the engine applies it in place when the workload is not alarmed, not
    /// breaching, and its last action is at least `downsizeAfterSeconds` old, never below usage.
    package var downsizeTo: ResourceVector?
    /// A right-sizing policy's actuated allocation (`ResizeActuator` has applied the shared
    /// rules: floors, limits, hysteresis, minimum time between changes): per resource the
    /// allocation to have now (NaN = keep). The engine carries it out as it is, up or down:
    /// in place when the POP has room, else by a move; no alarm, cooldown or downsizing delay
    /// applies (the actuator owns the timing). nil: the engine's alarm path decides.
    package var resizeTo: ResourceVector?

    package init(workload: String, timestamp: Int64, risk: Double, resourceAtRisk: Resource? = nil,
         expectedSecondsToBreach: Double? = nil, plannedDemand: ResourceVector, currentUsage: ResourceVector = .absent,
         breaching: Bool = false, downsizeTo: ResourceVector? = nil, resizeTo: ResourceVector? = nil) {
        self.breaching = breaching
        self.downsizeTo = downsizeTo
        self.resizeTo = resizeTo
        self.workload = workload
        self.timestamp = timestamp
        self.risk = risk
        self.resourceAtRisk = resourceAtRisk
        self.expectedSecondsToBreach = expectedSecondsToBreach
        self.plannedDemand = plannedDemand
        self.currentUsage = currentUsage
    }
}

extension Assessment {
    /// The predictive policy's view (service and replay alike): the calibrated score and
    /// its planned demand; a breach under way (`usage` above `allocation` now) is certain
    /// whatever the forecast says, so the predictive policy also acts on what the reactive
    /// one sees.
    package static func predictive(workload: String, now: Int64, score: WorkloadScore, usage: [Double], allocation: [Double]) -> Assessment {
        let breaching = AllocationRule.exceeds(usage, allocation)
        return Assessment(
            workload: workload, timestamp: now, risk: breaching ? 1 : score.risk,
            resourceAtRisk: score.resourceAtRisk.flatMap(Resource.init(snakeCaseName:)),
            expectedSecondsToBreach: score.expectedSecondsToBreach,
            plannedDemand: ResourceVector(score.plannedDemand), currentUsage: ResourceVector(usage), breaching: breaching)
    }

    /// The reactive policy's view: risk 1 only once usage is above the allocation, and the
    /// demand to plan for is the usage now.
    package static func reactive(workload: String, now: Int64, usage: [Double], allocation: [Double]) -> Assessment {
        let crossed = AllocationRule.exceeds(usage, allocation)
        return Assessment(workload: workload, timestamp: now, risk: crossed ? 1 : 0,
                          plannedDemand: ResourceVector(usage), currentUsage: ResourceVector(usage), breaching: crossed)
    }
}
