import Forecast
import Models
import Store

/// A policy's memory of one workload in a replay, and the step that turns a tick into the
/// engine's `Assessment` (nil: the policy does not act on this tick).
struct ReplayPolicyState {
    var vpa: VPARecommender?

    init(policy: ReplayPolicy, history: SampleSeries, intervalSeconds: Double) {
        switch policy {
        case .vpa:
            var recommender = VPARecommender(intervalSeconds: intervalSeconds)
            for k in 0..<history.count {
                recommender.observe(cpuCores: history.value(k, .cpuCores), memoryBytes: history.value(k, .memoryBytes),
                                    at: Double(history.timestamps[k]))
            }
            vpa = recommender
        default:
            break
        }
    }

    /// What the policy tells the engine at this tick.
    /// - Parameters:
    ///   - usage: the sample (`Resource.count`, NaN = not measured).
    ///   - allocation: what the workload has now.
    ///   - limits: the workload's own limits (NaN = none): no recommendation exceeds them.
    ///   - score: the online score (nil when the workload has none yet).
    ///   - oomKilled: this sample's memory was above the allocation.
    ///   - future: the actual samples of the horizon after this one (the oracle only).
    mutating func assess(_ policy: ReplayPolicy, workload: String, now: Int64, usage: [Double], allocation: [Double],
                         limits: [Double], score: WorkloadScore?, oomKilled: Bool, future: () -> [[Double]]) -> Assessment? {
        switch policy {
        case .static:
            return nil
        case .predictive:
            guard let score else { return nil }
            return .predictive(workload: workload, now: now, score: score, usage: usage, allocation: allocation)
        case .reactive:
            return .reactive(workload: workload, now: now, usage: usage, allocation: allocation)
        case .oracle:
            var peak = [Double](repeating: .nan, count: Resource.count)
            var breach = false
            for values in future() {
                if AllocationRule.exceeds(values, allocation) { breach = true }
                for r in 0..<Resource.count where values[r].isFinite { peak[r] = peak[r].isNaN ? values[r] : max(peak[r], values[r]) }
            }
            return Assessment(workload: workload, timestamp: now, risk: breach ? 1 : 0, plannedDemand: ResourceVector(peak),
                              currentUsage: ResourceVector(usage), breaching: AllocationRule.exceeds(usage, allocation))
        case .vpa:
            guard var recommender = vpa else { return nil }
            recommender.observe(cpuCores: usage[Resource.cpuCores.rawValue], memoryBytes: usage[Resource.memoryBytes.rawValue],
                                at: Double(now))
            if oomKilled { recommender.recordOOM(allocatedBytes: allocation[Resource.memoryBytes.rawValue], at: Double(now)) }
            vpa = recommender
            return Self.vpaAssessment(recommender.recommendation, workload: workload, now: now, usage: usage,
                                      allocation: allocation, limits: limits)
        case .autopilot:
            return nil
        }
    }

    /// The VPA updater's rule: nothing while every allocated resource is within
    /// [lower, upper]; otherwise every resource goes to its target (capped at the limit):
    /// growth as an alarm (risk 1, planned demand = the target; the replay runs the VPA with
    /// a headroom factor of 1, its margin is in the target), shrinking as a right-sizing.
    static func vpaAssessment(_ r: VPARecommender.Recommendation, workload: String, now: Int64, usage: [Double],
                              allocation: [Double], limits: [Double]) -> Assessment {
        func capped(_ v: Double, _ resource: Resource) -> Double {
            let limit = limits[resource.rawValue]
            return limit.isFinite && limit > 0 ? min(v, limit) : v
        }
        let target = ResourceVector(cpuCores: capped(r.cpuTarget, .cpuCores), memoryBytes: capped(r.memoryTarget, .memoryBytes))
        let cpu = allocation[Resource.cpuCores.rawValue], memory = allocation[Resource.memoryBytes.rawValue]
        let below = (cpu.isFinite && cpu < capped(r.cpuLower, .cpuCores)) || (memory.isFinite && memory < capped(r.memoryLower, .memoryBytes))
        let above = (cpu.isFinite && cpu > capped(r.cpuUpper, .cpuCores)) || (memory.isFinite && memory > capped(r.memoryUpper, .memoryBytes))
        let breaching = AllocationRule.exceeds(usage, allocation)
        return Assessment(workload: workload, timestamp: now, risk: below ? 1 : 0, plannedDemand: target,
                          currentUsage: ResourceVector(usage), breaching: breaching,
                          downsizeTo: above && !below ? target : nil)
    }
}
