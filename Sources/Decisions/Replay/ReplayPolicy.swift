import Forecast
import Models
import Store

/// How the replay turns a tick into the decision engine's input. Every policy runs
/// through the same engine; the right-sizing ones (`predictive`, `reactive`, `vpa`,
/// `autopilot`) propose a CPU and memory target each tick and share one actuator
/// (`ResizeActuator`: floors, limits, 10 % down-hysteresis, 2 % up-threshold, 30 min between
/// changes of a resource, memory at once after an OOM kill), so they go down as well as up.
/// - `predictive`: Headroom — `PredictiveSizing` (seasonal and recent peaks, the online
///   score's growth alarm and planned demand); knob: margin.
/// - `reactive`: `ReactiveSizing` (factor × the last 6 h's peak, bumped on a breach); knob: factor.
/// - `vpa`: the Kubernetes VPA recommender (`VPARecommender`) and its updater's rules; knob:
///   safety margin.
/// - `autopilot`: Autopilot's moving-window recommenders (`AutopilotRecommender`); knob: margin.
/// - `static`: never acts.
/// - `oracle`: knows the future: risk 1 when the actual demand exceeds the allocation
///   within the horizon, planning for the actual peak — the bound no forecaster beats.
package enum ReplayPolicy: String, CaseIterable, Sendable, Codable {
    case predictive, reactive, vpa, autopilot, `static`, oracle

    /// The reactive policy's bump over the usage it saw (the VPA's OOM bump is +20 %).
    package static let reactiveBump = 1.2

    /// The knob's meaning, its default and the values `frontier` sweeps by default (nil:
    /// the policy has no knob). Defaults: the VPA's 15 % safety margin (`config.go`),
    /// Autopilot's 10 %, reactive's 1.2 (the VPA's OOM bump); predictive's 0.40 was chosen on
    /// the bundled week 2013-08-09…16 only (see `PredictiveSizing`). The sweeps span `vpa`'s
    /// default slack where the policy can reach it (reactive needs a factor near 3 to hold as
    /// much memory; predictive's negative margins reach the little CPU a VPA starved by
    /// censored observations holds). Predictive's is denser from 0 to 0.6, where vpa's default
    /// slack falls on every family measured: the read-off there interpolates between swept
    /// knobs, and on a 0.2 grid the chords read 0.7–1.2 × the throttling the denser sweep reads
    /// on the families' halves (EVALUATION.md, "Below the default knob, a shorter hold after
    /// throttling").
    package var knob: (name: String, defaultValue: Double, sweep: [Double])? {
        switch self {
        case .predictive: ("margin", 0.40, [-0.4, -0.2, 0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8])
        case .vpa: ("safety margin", 0.15, [0.0, 0.05, 0.15, 0.3, 0.5])
        case .autopilot: ("margin", 0.10, [0.0, 0.1, 0.2, 0.35, 0.5])
        case .reactive: ("factor", 1.2, [1.1, 1.2, 1.6, 2.2, 3.0])
        case .static, .oracle: nil
        }
    }

    /// Whether the policy observes min(demand, allocation) unless told otherwise: every
    /// policy that sizes. Under the replay's own model an allocation is a limit (memory above
    /// it is an OOM kill, CPU above it is throttled), so a sizing policy cannot see demand
    /// above what it allocated — a throttled cgroup reports the cap, a killed process never
    /// shows more than its limit; the breach itself is known (throttling counter, OOM event).
    /// `static` (the reference replay whose scores the risk is judged on, its allocation a
    /// label rather than a limit) and `oracle` see the trace's demand.
    package var censorsByDefault: Bool { self != .static && self != .oracle }

    /// Whether the policy sizes allocations through the shared actuator (and is held to
    /// `ReplayOptions.limitCeiling`): every policy with a knob.
    package var sizes: Bool { knob != nil }

    /// Whether the policy's CPU side takes a knob of its own (`ReplayOptions.cpuKnob`): predictive's does.
    package var hasCPUKnob: Bool { self == .predictive }

    /// Whether a knob value is valid for this policy (margins > −1, factor > 0).
    package func accepts(knob value: Double) -> Bool {
        guard value.isFinite else { return false }
        switch self {
        case .reactive: return value > 0
        case .predictive, .vpa, .autopilot: return value > -1
        case .static, .oracle: return false
        }
    }
}
