import Forecast
import Models
import Store

/// A policy's memory of one workload in a replay, and the step that turns a tick into the
/// engine's `Assessment` (nil: the policy does not act on this tick).
///
/// The right-sizing policies (predictive, reactive, vpa, autopilot) observe every tick
/// into their state, propose [CPU, memory] and hand the proposal to the one shared
/// `ResizeActuator`, whose result goes to the engine as `Assessment.resizeTo`.
struct ReplayPolicyState {
    let policy: ReplayPolicy
    var history: UsageHistory
    var actuator = ResizeActuator()
    var vpa: VPARecommender?
    var autopilot: AutopilotRecommender?
    var predictive: PredictiveSizing?
    var reactive: ReactiveSizing?

    /// - Parameters:
    ///   - knob: the policy's knob (nil = its default).
    ///   - cpuKnob: the CPU side's own knob (predictive; nil = `knob`).
    ///   - history: the samples before the replay (uncensored: no allocation is known for them).
    ///   - memoryTable, cpuTable: the version's learned sizing tables (the predictive policy's).
    init(policy: ReplayPolicy, knob: Double?, cpuKnob: Double? = nil, history: SampleSeries, intervalSeconds: Double,
         memoryTable: MemoryRiskTable? = nil, cpuTable: CPURiskTable? = nil) {
        self.policy = policy
        self.history = UsageHistory(intervalSeconds: intervalSeconds,
                                    capacitySteps: Int((15 * 86_400 / intervalSeconds).rounded(.up)))
        let k = knob ?? policy.knob?.defaultValue ?? 0
        switch policy {
        case .vpa:
            var configuration = VPARecommender.Configuration()
            configuration.safetyMarginFraction = k
            vpa = VPARecommender(configuration: configuration, intervalSeconds: intervalSeconds)
        case .autopilot:
            autopilot = AutopilotRecommender(configuration: .init(margin: k), intervalSeconds: intervalSeconds)
        case .predictive:
            predictive = PredictiveSizing(configuration: .init(margin: k, cpuKnob: cpuKnob), memoryTable: memoryTable, cpuTable: cpuTable,
                                          intervalSeconds: intervalSeconds)
        case .reactive:
            reactive = ReactiveSizing(factor: k)
        case .static, .oracle:
            break
        }
        for j in 0..<history.count {
            observe([history.value(j, .cpuCores), history.value(j, .memoryBytes)], at: Double(history.timestamps[j]))
        }
    }

    private mutating func observe(_ sample: [Double], at time: Double) {
        history.append(sample, at: time)
        vpa?.observe(cpuCores: sample[0], memoryBytes: sample[1], at: time)
        autopilot?.observe(cpuCores: sample[0], memoryBytes: sample[1], at: time)
        predictive?.observe(memoryBytes: sample[1], at: time)
        predictive?.observe(cpuCores: sample[0], at: time)
    }

    /// What the policy tells the engine at this tick.
    /// - Parameters:
    ///   - usage: the sample as the policy observes it (`Resource.count`, NaN = not measured;
    ///     censored at the allocation with `--censored-observations`).
    ///   - allocation: what the workload has now.
    ///   - limits: the ceilings the policy is held to (`ReplayOptions.sizingLimits`: the workload's
    ///     limits × `limitCeiling`; NaN = none): no recommendation exceeds them.
    ///   - score: the online score (nil when the workload has none yet).
    ///   - throttled: CPU demand at or above the CPU allocation now (known even when censored).
    ///   - oomKilled: this sample's memory was above the allocation.
    ///   - enterThreshold: the engine's alarm threshold (the predictive policy's growth alarm).
    ///   - future: the actual samples of the horizon after this one (the oracle only).
    mutating func assess(workload: String, now: Int64, usage: [Double], allocation: [Double], limits: [Double],
                         score: WorkloadScore?, throttled: Bool, oomKilled: Bool, enterThreshold: Double,
                         future: () -> [[Double]]) -> Assessment? {
        let cpu = Resource.cpuCores.rawValue, memory = Resource.memoryBytes.rawValue
        let time = Double(now)
        let sized = [allocation[cpu], allocation[memory]]
        let sizedLimits = [limits[cpu], limits[memory]]
        var target: [Double]
        switch policy {
        case .static:
            return nil
        case .oracle:
            var peak = [Double](repeating: .nan, count: Resource.count)
            var breach = false
            for values in future() {
                if AllocationRule.exceeds(values, allocation) { breach = true }
                for r in 0..<Resource.count where values[r].isFinite { peak[r] = peak[r].isNaN ? values[r] : max(peak[r], values[r]) }
            }
            return Assessment(workload: workload, timestamp: now, risk: breach ? 1 : 0, plannedDemand: ResourceVector(peak),
                              currentUsage: ResourceVector(usage), breaching: AllocationRule.exceeds(usage, allocation))
        case .predictive, .reactive, .vpa, .autopilot:
            observe([usage[cpu], usage[memory]], at: time)
            if oomKilled {
                vpa?.recordOOM(allocatedBytes: allocation[memory], at: time)
                autopilot?.recordOOM(allocatedBytes: allocation[memory], at: time)
            }
            if let recommender = vpa {
                target = Self.vpaTarget(recommender.recommendation, allocation: sized, limits: sizedLimits,
                                        lastChangeAt: actuator.lastChangeAt, now: time, oomKilled: oomKilled)
            } else if let recommender = autopilot {
                target = recommender.recommendation
            } else if var sizing = predictive {
                target = sizing.target(history: history, now: time, allocation: sized, throttled: throttled, oomKilled: oomKilled,
                                       score: score, enterThreshold: enterThreshold, lastCPUChangeAt: actuator.lastChangeAt[0])
                predictive = sizing
            } else {
                target = reactive?.target(history: history, allocation: sized, throttled: throttled, oomKilled: oomKilled) ?? [.nan, .nan]
            }
        }
        let set = actuator.actuate(target: target, current: sized, limits: sizedLimits, now: time, oomKilled: oomKilled)
        var resize = ResourceVector.absent
        resize[.cpuCores] = set[0]
        resize[.memoryBytes] = set[1]
        return Assessment(workload: workload, timestamp: now, risk: policy == .predictive ? score?.risk ?? 0 : 0, plannedDemand: .absent,
                          currentUsage: ResourceVector(usage), breaching: AllocationRule.exceeds(usage, allocation),
                          resizeTo: resize)
    }

    /// The VPA's proposal: its target on both resources when the updater's rules
    /// (`VPARecommender.updaterWouldUpdate`) say update, else the allocation (no change);
    /// bounds and target capped at the ceilings first (none by default, `ReplayOptions.limitCeiling`),
    /// as the VPA caps at a container's `maxAllowed` when one is set (capping.go, `maybeCapToMax`).
    static func vpaTarget(_ r: VPARecommender.Recommendation, allocation: [Double], limits: [Double],
                          lastChangeAt: [Double?], now: Double, oomKilled: Bool) -> [Double] {
        func capped(_ v: Double, _ i: Int) -> Double { limits[i].isFinite && limits[i] > 0 ? min(v, limits[i]) : v }
        let target = [capped(r.cpuTarget, 0), capped(r.memoryTarget, 1)]
        let lower = [capped(r.cpuLower, 0), capped(r.memoryLower, 1)]
        let upper = [capped(r.cpuUpper, 0), capped(r.memoryUpper, 1)]
        let last = lastChangeAt.compactMap { $0 }.max()
        let update = VPARecommender.updaterWouldUpdate(target: target, lower: lower, upper: upper, allocation: allocation,
                                                      secondsSinceStart: last.map { now - $0 }, oomKilled: oomKilled)
        return update ? target : [.nan, .nan]
    }

    /// The VPA updater's range rule in the engine's alarm-path form (the replay before the
    /// shared actuator; kept for a caller that drives the engine's alarm path with a VPA
    /// recommendation): nothing while every allocated resource is within
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
