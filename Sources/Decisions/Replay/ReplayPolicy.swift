import Forecast
import Models
import Store

/// How the replay turns a tick into the decision engine's input. Every policy runs
/// through the same engine, with the same cooldown, downsizing delay and capacity rules.
/// - `predictive`: the calibrated risk and the planned demand (the planning quantile's
///   peak over the horizon) — Headroom itself.
/// - `reactive`: acts only once a limit is crossed (the VPA after an OOM kill, an HPA
///   after the CPU is hot): risk 1 when usage is above the allocation now, else 0; it plans
///   for usage now plus the VPA's 20 % OOM bump.
/// - `vpa`: the Kubernetes VPA recommender (`VPARecommender`) and its updater's rule.
/// - `autopilot`: Autopilot's moving-window recommenders (`AutopilotRecommender`).
/// - `static`: never acts.
/// - `oracle`: knows the future: risk 1 when the actual demand exceeds the allocation
///   within the horizon, planning for the actual peak — the bound no forecaster beats.
package enum ReplayPolicy: String, CaseIterable, Sendable, Codable {
    case predictive, reactive, vpa, autopilot, `static`, oracle

    /// The reactive policy's bump over the usage it saw (the VPA's OOM bump is +20 %).
    package static let reactiveBump = 1.2
}
