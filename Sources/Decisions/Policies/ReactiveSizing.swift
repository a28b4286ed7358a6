import Foundation
import Store

/// The reactive policy (the policy study's `reactive`, branch `policy-research`,
/// `bench/policy/README.md`): it follows what it saw, up and down, with no forecast.
///
/// Per resource: target = `factor` × the maximum observed usage over the last 6 hours; when
/// the CPU is throttled now (demand at or above the allocation) the CPU target is at least
/// `factor` × its allocation, and after an OOM kill the memory target is at least
/// max(`factor` × allocation, allocation + 100 MiB) (the VPA's minimum OOM bump). Going down
/// is the shared `ResizeActuator`'s job (10 % hysteresis, 30 min between changes).
/// No observation in the window: NaN (keep).
package struct ReactiveSizing: Sendable, Equatable {
    /// The knob, > 0 (default 1.2, the VPA's OOM bump).
    package var factor = 1.2
    package var windowSeconds = 6 * 3600.0
    package var oomMinBumpUpBytes = 100.0 * 1_048_576

    package init(factor: Double = 1.2) { self.factor = factor }

    /// [CPU cores, memory bytes] to propose at the history's newest step.
    package func target(history: UsageHistory, allocation: [Double], throttled: Bool, oomKilled: Bool) -> [Double] {
        guard let now = history.lastStep else { return [.nan, .nan] }
        let steps = Int((windowSeconds / history.intervalSeconds).rounded())
        var t = (0..<2).map { factor * history.max($0, steps: steps, endingAt: now) }
        if throttled, allocation[0].isFinite { t[0] = t[0].isNaN ? factor * allocation[0] : max(t[0], factor * allocation[0]) }
        if oomKilled, allocation[1].isFinite {
            let bump = max(factor * allocation[1], allocation[1] + oomMinBumpUpBytes)
            t[1] = t[1].isNaN ? bump : max(t[1], bump)
        }
        return t
    }
}
