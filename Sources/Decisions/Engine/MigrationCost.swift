import Forecast
import Store

/// The cost of placing a workload on a target POP, in the money unit of the fleet's
/// prices, with the times it was derived from.
package struct MigrationCost: Sendable, Equatable, Codable {
    /// Seconds the state spends on the wire: `stateBytes / bandwidth + latency`
    /// (0 when nothing crosses the network: staying put, restarting from a checkpoint).
    package var transferSeconds: Double
    /// Seconds the workload does not run (see `MigrationCostModel`).
    package var downtimeSeconds: Double
    /// `downtimeSeconds × downtime_penalty_per_second`.
    package var downtimeCost: Double
    /// `transferSeconds × transfer_cost_per_second`.
    package var transferCost: Double
    /// `downtimeCost + transferCost`: the price-free part.
    package var migrationCost: Double
    /// The target's hourly cost of the allocation (`POP.hourlyCost`: fee + cores and GiB
    /// at its prices) / 3600 × expected remaining seconds.
    package var priceCost: Double
    /// `priceCost + migrationCost`: what the engine minimises.
    package var totalCost: Double
    /// A live move priced by `PreCopyModel`: the dirty rate it used and the model's
    /// outcome. nil for every other move, and for a live move priced by the dirty fraction.
    package var preCopy: PreCopyPricing?
}

/// What `PreCopyModel` made of a live move (journaled with the decision as `pre_copy`).
package struct PreCopyPricing: Sendable, Equatable, Codable {
    package var dirtyBytesPerSecond: Double
    package var dirtyRateSource: DirtyRateSource
    /// false: the guest dirties too fast for the link (`PreCopyModel.Outcome.converged`);
    /// the engine does not choose such a target.
    package var converged: Bool
    /// Pre-copy rounds before the stop (round 0 = the first full copy).
    package var rounds: Int
    /// Every round's bytes plus the stop-and-copy (more than the state when it dirties).
    package var transferredBytes: Double
}

/// The cost model of moves (pure arithmetic, no state).
///
/// With `S` state bytes, link bandwidth `B` bytes/s, latency `L` s, target startup `U` s,
/// checkpoint speed `C` bytes/s and live dirty fraction `f`:
/// - **live** (pre-copy): the state is copied while the workload runs, then it pauses
///   for the pages dirtied meanwhile; the target starts during the pre-copy.
///   transfer = S/B + L, downtime = f·S/B + L — unless a dirty rate `D` is known (measured
///   by a VM's last QEMU pre-copy rounds, set in the fleet file, or a replay's trace proxy:
///   `DecisionEngine.dirtyRate(for:)`): then `PreCopyModel` with M = S: transfer = its
///   total time, downtime = its downtime (round after round until what is left fits the
///   downtime limit), and `preCopy` records the rate and the outcome — a move that does not
///   converge keeps the model's figures for the cancelled attempt and is marked so.
/// - **checkpoint_restart**: dump, copy, restore, start; the workload is down throughout.
///   transfer = S/B + L, downtime = S/C + (S/B + L) + S/C + U.
/// - **restart** after the source went down (the checkpoint is already off the dead POP;
///   where it is stored is not in the fleet file, so its copy is not modelled, and the
///   work lost since the checkpoint is the same for every target): transfer = 0,
///   downtime = S/C + U.
/// - **stay** (a partition's part that remains on the source): transfer = downtime = 0.
///
/// cost = downtime × penalty + transfer × transfer_cost + hourly cost of the allocation
/// at the target / 3600 × remaining.
package struct MigrationCostModel: Sendable {
    package var downtimePenaltyPerSecond: Double
    package var transferCostPerSecond: Double
    package var liveDirtyFraction: Double
    package var checkpointBytesPerSecond: Double
    /// The pre-copy arithmetic for live moves of workloads whose dirty rate is known.
    package var preCopy = PreCopyModel()

    package init(_ config: DecisionConfig) {
        downtimePenaltyPerSecond = config.downtimePenaltyPerSecond
        transferCostPerSecond = config.transferCostPerSecond
        liveDirtyFraction = config.liveDirtyFraction
        checkpointBytesPerSecond = config.checkpointBytesPerSecond
    }

    /// How the state gets to the target.
    package enum Mode: Sendable {
        case move(ExecutionStrategy, POPLink)
        case restartFromCheckpoint
        case stay
    }

    /// A measured dirty rate (`dirtyBytesPerSecond`, nil = unknown).
    package func cost(stateBytes: Double, allocation: ResourceVector, target: POP, mode: Mode,
                      expectedRemainingSeconds: Double, dirtyBytesPerSecond: Double?) -> MigrationCost {
        cost(stateBytes: stateBytes, allocation: allocation, target: target, mode: mode, expectedRemainingSeconds: expectedRemainingSeconds,
             dirtyRate: dirtyBytesPerSecond.map { DirtyRate(bytesPerSecond: $0, source: .measured) })
    }

    package func cost(stateBytes: Double, allocation: ResourceVector, target: POP, mode: Mode,
                      expectedRemainingSeconds: Double, dirtyRate: DirtyRate? = nil) -> MigrationCost {
        var transfer: Double
        let downtime: Double
        var pricing: PreCopyPricing?
        let checkpointSeconds = stateBytes / checkpointBytesPerSecond
        switch mode {
        case .move(let strategy, let link):
            let wire = stateBytes / link.bandwidthBytesPerSecond
            transfer = wire + link.latencySeconds
            if strategy == .live, let rate = dirtyRate, rate.bytesPerSecond.isFinite, rate.bytesPerSecond >= 0 {
                let outcome = preCopy.migrate(memoryBytes: stateBytes, bandwidthBytesPerSecond: link.bandwidthBytesPerSecond,
                                              dirtyBytesPerSecond: rate.bytesPerSecond, latencySeconds: link.latencySeconds)
                transfer = outcome.totalSeconds
                downtime = outcome.downtimeSeconds
                pricing = PreCopyPricing(dirtyBytesPerSecond: rate.bytesPerSecond, dirtyRateSource: rate.source, converged: outcome.converged,
                                         rounds: outcome.rounds, transferredBytes: outcome.transferredBytes)
            } else if strategy == .live {
                downtime = liveDirtyFraction * wire + link.latencySeconds
            } else {
                downtime = checkpointSeconds + transfer + checkpointSeconds + target.startupSeconds
            }
        case .restartFromCheckpoint:
            transfer = 0
            downtime = checkpointSeconds + target.startupSeconds
        case .stay:
            transfer = 0
            downtime = 0
        }
        let downtimeCost = downtime * downtimePenaltyPerSecond
        let transferCost = transfer * transferCostPerSecond
        let priceCost = target.hourlyCost(allocation: allocation) / 3600 * expectedRemainingSeconds
        return MigrationCost(transferSeconds: transfer, downtimeSeconds: downtime, downtimeCost: downtimeCost,
                             transferCost: transferCost, migrationCost: downtimeCost + transferCost,
                             priceCost: priceCost, totalCost: priceCost + downtimeCost + transferCost, preCopy: pricing)
    }
}
