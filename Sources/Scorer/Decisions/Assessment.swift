import Forecast

/// The scorer's view of one workload at one tick: the input of a decision.
struct Assessment: Sendable, Equatable {
    var workload: String
    /// Unix seconds.
    var timestamp: Int64
    /// Calibrated probability of exceeding a limit within the horizon, 0…1.
    var risk: Double
    var resourceAtRisk: Resource?
    /// Seconds until the expected breach, when the forecast crosses the limit.
    var expectedSecondsToBreach: Double?
    /// What an action must provide: the predicted demand over the horizon at a high
    /// quantile, SI units; NaN = no forecast for that resource (keep its allocation).
    var plannedDemand: ResourceVector
    /// Usage now, SI units; NaN = not measured. A resize never goes below it.
    var currentUsage: ResourceVector
    /// Usage is above the allocation now (observed, not predicted): the cooldown, which
    /// guards against acting on every wobble of a forecast, does not hold such a workload back.
    var breaching: Bool = false

    init(workload: String, timestamp: Int64, risk: Double, resourceAtRisk: Resource? = nil,
         expectedSecondsToBreach: Double? = nil, plannedDemand: ResourceVector, currentUsage: ResourceVector = .absent,
         breaching: Bool = false) {
        self.breaching = breaching
        self.workload = workload
        self.timestamp = timestamp
        self.risk = risk
        self.resourceAtRisk = resourceAtRisk
        self.expectedSecondsToBreach = expectedSecondsToBreach
        self.plannedDemand = plannedDemand
        self.currentUsage = currentUsage
    }
}
