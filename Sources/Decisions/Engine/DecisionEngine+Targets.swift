import Foundation
import Forecast
import Store
import Wire

extension DecisionEngine {
    /// Evaluates every POP but the source as the target of a whole-workload move
    /// (`restart`: from a checkpoint, needing no link) in name order: availability,
    /// reachability, a common strategy, and `required` fitting its free capacity in every
    /// resource. Feasible ones get a cost.
    package func evaluateTargets(_ placement: Placement, required: ResourceVector, now: Int64,
                         popLastSeen: [String: Int64], restart: Bool) -> [CandidateEvaluation] {
        guard let source = fleet.pop(named: placement.pop) else { return [] }
        let model = MigrationCostModel(config)
        return fleet.popsByName.filter { $0.name != source.name }.map { target in
            var rejections: [String] = []
            if let problem = unavailability(of: target, now: now, popLastSeen: popLastSeen) { rejections.append(problem) }
            let mode: MigrationCostModel.Mode?
            if restart {
                mode = target.supports(.checkpointRestart) ? .restartFromCheckpoint : nil
                if mode == nil { rejections.append("does not support checkpoint_restart (needed to restore a checkpoint)") }
            } else {
                mode = moveMode(from: source, to: target, supportsLive: placement.supportsLive, rejections: &rejections)
            }
            let free = freeCapacity(at: target.name, excluding: placement.workload)
            rejections += CapacityArithmetic.shortfalls(required: required, free: free)
            return evaluation(target, mode: mode, stateBytes: placement.stateBytes, allocation: required, placement: placement,
                              free: free, rejections: rejections, model: model)
        }
    }

    /// The feasible candidate of least total cost (ties: the first in name order).
    package func cheapest(_ candidates: [CandidateEvaluation]) -> CandidateEvaluation? {
        var best: CandidateEvaluation?
        for c in candidates where c.feasible {
            guard let cost = c.cost?.totalCost else { continue }
            if best == nil || cost < best!.cost!.totalCost { best = c }
        }
        return best
    }

    /// The fewest parts k (2…maxParts) for which k POPs, each supporting `partition`, can
    /// each take `required / k`; the k cheapest of them (the source can keep a part at no
    /// move cost). Returns the evaluation of the chosen k (or of `maxParts` when none
    /// works) and the parts, cheapest first, or nil.
    package func planPartition(_ placement: Placement, required: ResourceVector, now: Int64,
                       popLastSeen: [String: Int64]) -> (PartitionEvaluation, [PlacementPart]?) {
        let model = MigrationCostModel(config)
        var last: PartitionEvaluation?
        for parts in 2...placement.maxParts {
            let share = CapacityArithmetic.divided(required, by: parts)
            let shareBytes = placement.stateBytes / Double(parts)
            let candidates = fleet.popsByName.map { pop -> CandidateEvaluation in
                var rejections: [String] = []
                if let problem = unavailability(of: pop, now: now, popLastSeen: popLastSeen) { rejections.append(problem) }
                if !pop.supports(.partition) { rejections.append("does not support partition") }
                let mode: MigrationCostModel.Mode?
                if pop.name == placement.pop {
                    mode = .stay
                } else if let source = fleet.pop(named: placement.pop) {
                    mode = moveMode(from: source, to: pop, supportsLive: placement.supportsLive, rejections: &rejections)
                } else {
                    mode = nil
                }
                let free = freeCapacity(at: pop.name, excluding: placement.workload)
                rejections += CapacityArithmetic.shortfalls(required: share, free: free)
                return evaluation(pop, mode: mode, stateBytes: shareBytes, allocation: share, placement: placement,
                                  free: free, rejections: rejections, model: model)
            }
            let partition = PartitionEvaluation(parts: parts, partAllocation: ResourceAmounts(share), candidates: candidates)
            last = partition
            let feasible = candidates.filter(\.feasible).enumerated().sorted { a, b in
                let (ca, cb) = (a.element.cost!.totalCost, b.element.cost!.totalCost)
                return ca != cb ? ca < cb : a.offset < b.offset
            }.map(\.element)
            if feasible.count >= parts {
                return (partition, feasible.prefix(parts).map { PlacementPart(pop: $0.pop, allocation: share) })
            }
        }
        return (last!, nil)
    }

    /// Live when the source, the target and the workload support it; else
    /// checkpoint/restart when both POPs do; nil (with the reason appended) when the
    /// target is unreachable or there is no common strategy.
    private func moveMode(from source: POP, to target: POP, supportsLive: Bool,
                          rejections: inout [String]) -> MigrationCostModel.Mode? {
        guard let link = fleet.link(from: source.name, to: target.name) else {
            rejections.append("not reachable from \(source.name) (no link)")
            return nil
        }
        if supportsLive && source.supports(.live) && target.supports(.live) { return .move(.live, link) }
        if source.supports(.checkpointRestart) && target.supports(.checkpointRestart) { return .move(.checkpointRestart, link) }
        rejections.append("no common strategy: \(source.name) supports [\(source.strategies.sorted().map(\.rawValue).joined(separator: ", "))], \(target.name) [\(target.strategies.sorted().map(\.rawValue).joined(separator: ", "))], workload live: \(supportsLive)")
        return nil
    }

    /// The dirty rate a live move of `placement` is priced with: one measured by its last
    /// pre-copy rounds first (the truth about this guest), then the fleet file's
    /// `[pre_copy]` figure for it (an operator's knowledge beats an estimate), then the
    /// placement's own estimate (a replay's trace proxy); nil = the dirty fraction.
    package func dirtyRate(for placement: Placement) -> DirtyRate? {
        if let rate = placement.dirtyRate, rate.source == .measured { return rate }
        if let configured = fleet.preCopy.dirtyBytesPerSecond(workload: placement.workload, supportsLive: placement.supportsLive) {
            return DirtyRate(bytesPerSecond: configured, source: .configured)
        }
        return placement.dirtyRate
    }

    private func evaluation(_ target: POP, mode: MigrationCostModel.Mode?, stateBytes: Double, allocation: ResourceVector,
                            placement: Placement, free: ResourceVector, rejections: [String], model: MigrationCostModel) -> CandidateEvaluation {
        var strategy: ExecutionStrategy?
        var cost: MigrationCost?
        if let mode {
            switch mode {
            case .move(let s, _): strategy = s
            case .restartFromCheckpoint: strategy = .checkpointRestart
            case .stay: strategy = .partition
            }
            cost = model.cost(stateBytes: stateBytes, allocation: allocation, target: target, mode: mode,
                              expectedRemainingSeconds: placement.expectedRemainingSeconds, dirtyRate: dirtyRate(for: placement))
        }
        var rejections = rejections
        if let preCopy = cost?.preCopy, !preCopy.converged, case .move(_, let link)? = mode {
            // The agent cancels a pre-copy that does not converge and the VM stays put:
            // counting on the move would leave the workload where it is at risk.
            let g = { (x: Double) in String(format: "%.4g", x) }
            rejections.append("pre-copy would not converge: the workload dirties \(g(preCopy.dirtyBytesPerSecond)) B/s "
                              + "(\(preCopy.dirtyRateSource.rawValue)) and the link carries \(g(link.bandwidthBytesPerSecond)) B/s")
        }
        return CandidateEvaluation(pop: target.name, feasible: rejections.isEmpty && cost != nil, rejections: rejections,
                                   free: ResourceAmounts(free), strategy: strategy, cost: cost)
    }
}
