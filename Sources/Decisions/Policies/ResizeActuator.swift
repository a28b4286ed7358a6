import Foundation
import Forecast
import Store

/// The actuator every right-sizing policy shares (the policy study's common rules,
/// `bench/policy/README.md` on branch `policy-research`): a policy proposes a target CPU and
/// memory allocation each tick, and this decides which of them take effect.
///
/// Per resource (CPU cores, memory bytes), in this order:
/// 1. the target is clipped to [floor, limit]: floors 25 millicores and 250 MiB (the VPA
///    recommender's `podMinCPUMillicores` / `podMinMemoryMb`), the limit is the ceiling the
///    replay sets (`ReplayOptions.limitCeiling`; NaN or ≤ 0 = none, the default);
/// 2. the resource may change only if its last change is at least `minimumSecondsBetweenChanges`
///    old (30 min), except that an OOM kill lets memory change at once (the restart is a resize point);
/// 3. an increase is applied only above `(1 + upThreshold)` × current (2 %), a decrease only
///    below `(1 − downHysteresis)` × current (10 %); anything between keeps the allocation.
///
/// A current allocation that is not finite (none yet) takes the clipped target at once. A
/// target that is not finite keeps the allocation. The actuator learns that a change took
/// effect from the allocation it is shown at the next tick (`actuate` compares it with the one
/// before) and dates it from its request, as the study does; a resize the engine could not
/// carry out does not start the 30-minute wait.
package struct ResizeActuator: Sendable, Equatable {
    package struct Rules: Sendable, Equatable {
        /// Seconds between two changes of one resource (30 min, the study's `--min-gap`).
        package var minimumSecondsBetweenChanges = 1800.0
        /// A decrease is applied only below (1 − this) × current.
        package var downHysteresis = 0.10
        /// An increase is applied only above (1 + this) × current.
        package var upThreshold = 0.02
        package var minimumCPUCores = 0.025
        package var minimumMemoryBytes = 250.0 * 1_048_576
        package init() {}
    }

    /// The resources a policy sizes, in this order in every array the actuator takes.
    package static let resources: [Resource] = [.cpuCores, .memoryBytes]

    package let rules: Rules
    /// Unix seconds of each resource's last change seen (nil: none yet).
    package private(set) var lastChangeAt: [Double?] = [nil, nil]
    private var lastSeen: [Double] = [.nan, .nan]
    private var requestedAt: [Double?] = [nil, nil]

    package init(rules: Rules = Rules()) { self.rules = rules }

    /// The allocation to set now per resource of `resources` (NaN = keep the current one).
    /// - Parameters:
    ///   - target: the policy's proposal, [cpu cores, memory bytes] (NaN = no proposal).
    ///   - current: the allocation in force, same layout.
    ///   - limits: the workload's limits, same layout (NaN or ≤ 0 = none).
    ///   - now: Unix seconds.
    ///   - oomKilled: memory was above its allocation at this tick.
    package mutating func actuate(target: [Double], current: [Double], limits: [Double], now: Double,
                                  oomKilled: Bool) -> [Double] {
        var result = [Double](repeating: .nan, count: 2)
        for i in 0..<2 {
            // A change the engine carried out since the last tick dates from its request.
            if lastSeen[i].isFinite, current[i].isFinite, current[i] != lastSeen[i] { lastChangeAt[i] = requestedAt[i] ?? now }
            lastSeen[i] = current[i]
            requestedAt[i] = nil
            guard target[i].isFinite else { continue }
            let floor = i == 0 ? rules.minimumCPUCores : rules.minimumMemoryBytes
            var t = Swift.max(target[i], floor)
            if limits[i].isFinite, limits[i] > 0 { t = Swift.min(t, Swift.max(limits[i], floor)) }
            let a = current[i]
            let free = lastChangeAt[i].map { now - $0 >= rules.minimumSecondsBetweenChanges } ?? true
            if !(a.isFinite && a > 0) {
                result[i] = t
            } else if free || (i == 1 && oomKilled), t > a * (1 + rules.upThreshold) || t < a * (1 - rules.downHysteresis) {
                result[i] = t
            }
            if result[i].isFinite { requestedAt[i] = now }
        }
        return result
    }
}
