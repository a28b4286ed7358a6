import Foundation
import Store

extension VPARecommender {
    /// The VPA updater's rules (kubernetes/autoscaler at 55c37cd,
    /// `vertical-pod-autoscaler/pkg/updater/priority/update_priority_calculator.go` `AddPod`,
    /// `priority_processor.go` `GetUpdatePriority`, defaults in `pkg/updater/config/config.go`):
    /// the pod is updated (to the target, every resource) when
    /// 1. some request is outside [lower bound, upper bound] (`OutsideRecommendedRange`), or
    /// 2. the pod has lived at least 12 h (`in-recommendation-bounds-eviction-lifetime-threshold`)
    ///    and `ResourceDiff` = Σ over resources |request − target| / request ≥ 0.1
    ///    (`pod-update-threshold`), or
    /// 3. a container was OOM-killed within 10 min of its start (`evict-after-oom-threshold`,
    ///    "quick OOM") and the target differs from the request.
    /// Here the pod's start is the last change of its allocation (an update recreates or
    /// resizes the pod), nil = long ago; a resource with no finite request is outside the range.
    /// - Parameters: bounds and allocations already capped at the workload's limits, [cpu, memory].
    /// - Returns: whether to update.
    static func updaterWouldUpdate(target: [Double], lower: [Double], upper: [Double], allocation: [Double],
                                   secondsSinceStart: Double?, oomKilled: Bool) -> Bool {
        var outside = false
        var diff = 0.0
        for r in 0..<2 {
            let a = allocation[r]
            guard a.isFinite else { outside = true; continue }
            if a < lower[r] || a > upper[r] { outside = true }
            diff += abs(max(a, 1e-12) - target[r]) / max(a, 1e-12)
        }
        if outside { return true }
        let age = secondsSinceStart ?? .infinity
        if oomKilled && age < 600 { return diff > 0 }
        return age >= 12 * 3600 && diff >= 0.1
    }
}
