import Forecast
import Models

/// How the replay turns a tick into the decision engine's input.
/// - `predictive`: the calibrated risk and the planned demand (the top forecast quantile's
///   peak over the horizon) — Headroom itself.
/// - `reactive`: acts only once a limit is crossed (the VPA after an OOM kill, an HPA
///   after the CPU is hot): risk 1 when usage is above the allocation now, else 0; it plans
///   for usage now plus the VPA's 20 % OOM bump.
/// - `static`: never acts.
/// - `oracle`: knows the future: risk 1 when the actual demand exceeds the allocation
///   within the horizon, planning for the actual peak — the bound no forecaster beats.
enum ReplayPolicy: String, CaseIterable, Sendable, Codable {
    case predictive, reactive, `static`, oracle

    /// The reactive policy's bump over the usage it saw (the VPA's OOM bump is +20 %).
    static let reactiveBump = 1.2
}
