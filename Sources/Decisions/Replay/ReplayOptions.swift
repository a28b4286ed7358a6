import Forecast
import Models
import Store

/// What one replay does: the policy, the period, the decision knobs, the simulated events
/// and where its rows go.
package struct ReplayOptions {
    package var policy: ReplayPolicy
    /// Unix seconds; each workload is warmed on its history before `from`.
    package var from: Int64
    /// Unix seconds, exclusive.
    package var to: Int64
    /// Steps forecast per tick (`OnlineWorkload.horizonSteps`): a step count by design.
    package var horizonSteps = 12
    /// The forecast level an action plans for (nil = the highest).
    package var planningQuantile: Double?
    package var decision = DecisionConfig()
    /// The policy's knob (`ReplayPolicy.knob`); nil = its default.
    package var knob: Double?
    /// The CPU side's own knob for a policy that has one (`ReplayPolicy.hasCPUKnob`); nil = `knob`.
    package var cpuKnob: Double?

    /// The knobs the replay runs at, given the version's calibrated predictive defaults
    /// (`RiskFamily.predictiveDefaults`, nil: none): `knob` and `cpuKnob` as given; for
    /// `predictive`, the memory knob the version's when `knob` is not given, and the CPU knob
    /// the version's when neither is (a given `knob` alone moves both resources, as before).
    package func effectiveKnobs(_ defaults: PredictiveDefaultKnobs?) -> (knob: Double?, cpuKnob: Double?) {
        guard policy == .predictive, let defaults else { return (knob, cpuKnob) }
        return (knob ?? defaults.memory, cpuKnob ?? (knob == nil ? defaults.cpu : nil))
    }
    /// Policies and the online state see min(demand, allocation) for CPU and memory (a
    /// throttled cgroup cannot show CPU above its cap, a killed process never shows memory
    /// above its limit); the breach itself is still known (throttling counter, OOM event).
    /// Accounting always uses the demand. false: they see the trace's demand. Default:
    /// `ReplayPolicy.censorsByDefault` (true for every sizing policy).
    package var censoredObservations: Bool
    /// The most a sizing policy (predictive, reactive, vpa, autopilot) may allocate, as a
    /// multiple of the workload's recorded limit; nil (the default): no ceiling but the room
    /// of a POP (a resize that does not fit migrates, as any other).
    ///
    /// A recorded limit is the size the workload was given (Bitbrains' provisioned cores and
    /// memory), not the most it may ever be given. The Kubernetes VPA caps its recommendation
    /// only at a `maxAllowed` an operator sets, per VPA in its resource policy or for every
    /// container with the recommender's `--container-recommendation-max-allowed-cpu/-memory`,
    /// both unset by default (kubernetes/autoscaler, vertical-pod-autoscaler/pkg/utils/vpa/
    /// capping.go, `applyVPAPolicyForContainer` and `maybeCapToMax`), and the engine's own
    /// alarm path never capped at it. With a ceiling of 1 the recorded limit acts as every
    /// policy's `maxAllowed`, as the replays did until 2026-12-07: a VM whose CPU use is
    /// measured above its provisioned cores is then throttled whatever a policy does. The
    /// static policy's allocation (the event the risk is scored on) is the allocation rule's,
    /// capped at the limit either way.
    package var limitCeiling: Double?
    /// Workload names (nil = every workload with samples in the period).
    package var workloads: [String]?
    /// History each workload's state is warmed on: one week, on the workload's grid
    /// (`warmupSamples(intervalSeconds:)`: 2,016 samples of 5-minute data).
    package var warmup: Duration = .seconds(7 * 86_400)
    /// History the right-sizing policies start from: 14 days and an hour (the predictive
    /// memory rule looks 14 days back at the coming hour), on the workload's grid
    /// (`policyHistorySamples(intervalSeconds:)`: 14 × 288 + 12 = 4,044 samples of 5-minute data).
    package var policyHistory: Duration = .seconds(14 * 86_400 + 3_600)
    /// POPs marked down at a time: their workloads restart elsewhere.
    package var failures: [ReplayFailure] = []
    /// How often checkpointable workloads checkpoint (a restart resumes from the last one).
    package var checkpointIntervalSeconds: Int64 = 900
    /// Seconds an OOM-killed workload is down while it restarts (process start and
    /// state reload; one minute, the order of a container restart with a warm image).
    package var oomRestartSeconds = 60.0
    /// Ticks between forecast rows.
    package var forecastEverySteps = 12
    /// Where score, forecast, decision and allocation rows go (nil: nowhere).
    package var recorder: (any ReplayRecorder)?
    /// Called with (samples done, samples in all) after each instant.
    package var progress: ((Int, Int) -> Void)?

    package init(policy: ReplayPolicy, from: Int64, to: Int64) {
        self.policy = policy
        self.from = from
        self.to = to
        censoredObservations = policy.censorsByDefault
    }

    /// The ceilings a sizing policy is held to, per resource (`Resource.count`): the
    /// workload's `limits` × `limitCeiling`, or none (NaN) without a ceiling or a limit.
    package func sizingLimits(_ limits: [Double]) -> [Double] {
        guard let factor = limitCeiling else { return [Double](repeating: .nan, count: limits.count) }
        return limits.map { $0.isFinite && $0 > 0 ? $0 * factor : .nan }
    }

    /// `warmup` in samples of a workload sampled every `intervalSeconds`, at most
    /// `OnlineWorkload.naiveWindowStepCap`: the online state keeps no longer window, so
    /// older samples would only cost time (a week of 1-second data is 604,800 samples).
    package func warmupSamples(intervalSeconds: Int64) -> Int {
        warmup.steps(atIntervalSeconds: intervalSeconds, cap: OnlineWorkload.naiveWindowStepCap)
    }

    /// `policyHistory` in samples of a workload sampled every `intervalSeconds`. Uncapped:
    /// the policies keep 15 days at any interval (`ReplayPolicyState`'s `UsageHistory`), so
    /// what is read here is what they would hold anyway.
    package func policyHistorySamples(intervalSeconds: Int64) -> Int {
        policyHistory.steps(atIntervalSeconds: intervalSeconds)
    }
}

/// A POP that fails (is marked down) at a time.
package struct ReplayFailure: Sendable, Equatable {
    package var pop: String
    /// Unix seconds.
    package var at: Int64

    package init(pop: String, at: Int64) {
        self.pop = pop
        self.at = at
    }
}

/// Where a replay's rows go (the scorer writes them as CSV files); every call may throw
/// the sink's error, which ends the replay.
package protocol ReplayRecorder: AnyObject {
    /// Every tick of every workload with a score.
    func score(timestamp: Int64, workload: String, score: WorkloadScore) throws
    /// Every `forecastEverySteps` ticks: per resource with a forecast, per step, the levels.
    func forecast(timestamp: Int64, workload: String, forecast: [[Double]], levels: [Double], horizonSteps: Int) throws
    /// Every action, and every alarmed tick.
    func decision(timestamp: Int64, decision: Decision) throws
    /// Every sample: the allocation in force when it was taken, at its (primary) POP.
    func allocation(timestamp: Int64, workload: String, pop: String, allocation: ResourceVector) throws
    /// The replay ended: flush.
    func finish() throws
}
