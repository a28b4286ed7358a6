import Forecast
import Foundation
import Models
import Store

/// The replay's accounting step: what each replayed sample costs and suffers under the
/// allocation in force (see `ReplaySummary` for every definition), summed into the summary.
struct ReplayLedger {
    private(set) var summary: ReplaySummary
    private var allocationSums = [Double](repeating: 0, count: Resource.count)
    private var allocationCounts = [Int](repeating: 0, count: Resource.count)
    private(set) var actions = 0

    init(_ summary: ReplaySummary) { self.summary = summary }

    /// What one sample found.
    struct Verdict: Equatable {
        /// Demand above the allocation in some constrained resource.
        var contended: Bool
        /// Memory above the memory allocation: an OOM kill.
        var oomKilled: Bool
    }

    /// A sample of a workload whose POP is down (not running): downtime only.
    mutating func down(intervalSeconds: Double) {
        summary.samples += 1
        summary.downtimeMinutes += intervalSeconds / 60
    }

    /// A sample `usage` of a running workload with `placement`, over `intervalSeconds`.
    mutating func account(usage: [Double], placement: Placement, fleet: Fleet, intervalSeconds: Double) -> Verdict {
        summary.samples += 1
        let allocation = placement.totalAllocation
        let hours = intervalSeconds / 3600
        let contended = AllocationRule.exceeds(usage, allocation)
        if contended {
            summary.contendedSamples += 1
            summary.contentionMinutes += intervalSeconds / 60
        }
        let cpu = usage[Resource.cpuCores.rawValue], cpuAllocation = allocation[Resource.cpuCores.rawValue]
        if cpu.isFinite, cpuAllocation.isFinite {
            summary.throttledCoreMinutes += max(0, cpu - cpuAllocation) * intervalSeconds / 60
            summary.slackCoreHours += max(0, cpuAllocation - cpu) * hours
        }
        let memory = usage[Resource.memoryBytes.rawValue], memoryAllocation = allocation[Resource.memoryBytes.rawValue]
        var oom = false
        if memory.isFinite, memoryAllocation.isFinite {
            summary.slackGibHours += max(0, memoryAllocation - memory) / 1_073_741_824 * hours
            oom = memory > memoryAllocation
        }
        for part in placement.parts {
            summary.hostingCost += (fleet.pop(named: part.pop)?.hourlyCost(allocation: part.allocation) ?? 0) * hours
        }
        for r in AllocationRule.constrained where allocation[r.rawValue].isFinite {
            allocationSums[r.rawValue] += allocation[r.rawValue]
            allocationCounts[r.rawValue] += 1
        }
        return Verdict(contended: contended, oomKilled: oom)
    }

    /// An OOM kill at `now`: the work since `lastCheckpoint` is lost and the workload spends
    /// `restartSeconds` restarting.
    mutating func oomKill(now: Int64, lastCheckpoint: Int64, restartSeconds: Double) {
        summary.oomKills += 1
        summary.oomLostWorkMinutes += Double(max(0, now - lastCheckpoint)) / 60
        summary.oomRestartMinutes += restartSeconds / 60
        summary.downtimeMinutes += restartSeconds / 60
    }

    /// A POP failure at `at`: the workload's work since `lastCheckpoint` is lost.
    mutating func popFailureLoss(at: Int64, lastCheckpoint: Int64) {
        summary.lostWorkMinutes += Double(at - lastCheckpoint) / 60
    }

    mutating func popFailed() { summary.popFailures += 1 }

    /// An action the engine issued (and the replay carries out).
    mutating func action(_ decision: Decision) {
        actions += 1
        switch decision.action {
        case .none: break
        case .resize:
            summary.resizes += 1
            let before = decision.details.currentAllocation.vector
            if let after = decision.targets.first?.allocation,
               AllocationRule.constrained.contains(where: { after[$0] < before[$0] }) {
                summary.downsizes += 1
            }
        case .migrate, .partition, .restart:
            let key = decision.action == .migrate ? (decision.strategy?.rawValue ?? "migrate") : decision.action.rawValue
            summary.migrations[key, default: 0] += 1
        }
    }

    /// A move's priced part: its downtime and transfer; a live one counted by what priced it.
    mutating func move(cost: MigrationCost, strategy: ExecutionStrategy?) {
        summary.migrationCost += cost.migrationCost
        summary.downtimeMinutes += cost.downtimeSeconds / 60
        if strategy == .live {
            summary.liveMovesPricedBy[cost.preCopy?.dirtyRateSource.rawValue ?? ReplaySummary.dirtyFractionPricing, default: 0] += 1
        }
    }

    /// Target evaluations of one decision: those where pre-copy would not converge are counted.
    mutating func rejectedNotConverging(_ candidates: [CandidateEvaluation]) {
        summary.liveTargetsNotConverging += candidates.filter { $0.cost?.preCopy?.converged == false }.count
    }

    mutating func moved(bytes: Double) { summary.movedBytes += bytes }

    /// The summary with its totals and means.
    func finished(workloads: Int) -> ReplaySummary {
        var s = summary
        s.cost = s.hostingCost + s.migrationCost
        let days = Double(s.to - s.from) / 86_400
        s.decisionsPerWorkloadDay = days > 0 && workloads > 0 ? Double(actions) / (Double(workloads) * days) : 0
        for r in AllocationRule.constrained where allocationCounts[r.rawValue] > 0 {
            s.meanAllocation[r.snakeCaseName] = allocationSums[r.rawValue] / Double(allocationCounts[r.rawValue])
        }
        return s
    }

    static func format(_ v: Double) -> String { v.isFinite ? String(format: "%.6g", v) : "" }
}
