import Store
/// The decision loop's knobs, validated. Money amounts are in the unit of the fleet's
/// `price_per_hour` (so a downtime second and an hour of a POP compare directly).
package struct DecisionConfig: Sendable, Equatable, Codable {
    /// A workload becomes "alarmed" when its calibrated risk is above this (0…1).
    package var enterThreshold = 0.7
    /// An alarmed workload stays alarmed until its risk is below this (hysteresis; ≤ enter).
    package var exitThreshold = 0.4
    /// After an action on a workload, no new action on it for this many seconds
    /// (a restart after its POP went down ignores it).
    package var cooldownSeconds = 600.0
    /// A right-sizing down (`Assessment.downsizeTo`) waits this long after the workload's
    /// last action, so an allocation is not shrunk right after it grew: one hour, the
    /// order of the VPA updater's resync and long past a workload's start-up spike. ≥ 0.
    package var downsizeAfterSeconds = 3600.0
    /// A resize (and the allocation a move asks for) is `plannedDemand × factor`, never
    /// below current usage. 1.2 leaves 20% above the high-quantile demand, as the
    /// Kubernetes VPA recommender's default safety margin (15%) rounded up. ≥ 1.
    package var resizeHeadroomFactor = 1.2
    /// Moves (migrate, partition, restart) in flight at once; new migrations and
    /// partitions wait while this many are running. Restarts are never held back (their
    /// workload is down already) but do count. ≥ 1.
    package var maxConcurrentMigrations = 2
    /// Cost of one second of workload downtime, money units per second. ≥ 0.
    package var downtimePenaltyPerSecond = 0.01
    /// Cost of one second of state transfer (egress, the source slowed by the copy),
    /// money units per second. ≥ 0.
    package var transferCostPerSecond = 0.001
    /// Live migration: the fraction of the state still dirty when the workload is
    /// paused for the final copy (0…1). 5% is the order of pre-copy's last round for a
    /// moderately writing workload (Clark et al., "Live Migration of Virtual Machines",
    /// NSDI 2005, report sub-second downtimes for GB-sized guests).
    package var liveDirtyFraction = 0.05
    /// Checkpoint dump and restore speed, bytes per second (local disk; 500 MB/s is a
    /// SATA SSD's sequential speed). > 0.
    package var checkpointBytesPerSecond = 500e6
    /// A POP whose agent has not reported for more than this many seconds is stale and
    /// never chosen; so is a POP that has never reported. `nil` turns the check off
    /// (no agents, e.g. replays).
    package var staleAfterSeconds: Double? = 120
    /// Decide and journal, but emit no commands and keep no reservation across ticks.
    package var dryRun = false

    package init() {}

    /// Checks every range above.
    /// - Throws: `DecisionConfigError` naming the field, its value and the valid range.
    package func validate() throws {
        func require(_ ok: Bool, _ field: String, _ value: Double, _ range: String) throws {
            if !ok || value.isNaN { throw DecisionConfigError.outOfRange(field: field, value: value, expected: range) }
        }
        try require((0...1).contains(enterThreshold), "enter_threshold", enterThreshold, "0…1")
        try require((0...enterThreshold).contains(exitThreshold), "exit_threshold", exitThreshold, "0…enter_threshold (\(enterThreshold))")
        try require(cooldownSeconds >= 0, "cooldown_seconds", cooldownSeconds, "≥ 0")
        try require(downsizeAfterSeconds >= 0 && downsizeAfterSeconds.isFinite, "downsize_after_seconds", downsizeAfterSeconds, "≥ 0")
        try require(resizeHeadroomFactor >= 1 && resizeHeadroomFactor.isFinite, "resize_headroom_factor", resizeHeadroomFactor, "≥ 1")
        try require(maxConcurrentMigrations >= 1, "max_concurrent_migrations", Double(maxConcurrentMigrations), "≥ 1")
        try require(downtimePenaltyPerSecond >= 0 && downtimePenaltyPerSecond.isFinite, "downtime_penalty_per_second", downtimePenaltyPerSecond, "≥ 0")
        try require(transferCostPerSecond >= 0 && transferCostPerSecond.isFinite, "transfer_cost_per_second", transferCostPerSecond, "≥ 0")
        try require((0...1).contains(liveDirtyFraction), "live_dirty_fraction", liveDirtyFraction, "0…1")
        try require(checkpointBytesPerSecond > 0 && checkpointBytesPerSecond.isFinite, "checkpoint_bytes_per_second", checkpointBytesPerSecond, "> 0")
        if let stale = staleAfterSeconds { try require(stale >= 0, "stale_after_seconds", stale, "≥ 0, or nil to disable") }
    }
}

/// A decision config value outside its valid range.
package enum DecisionConfigError: Error, Equatable, CustomStringConvertible {
    case outOfRange(field: String, value: Double, expected: String)

    package var description: String {
        switch self {
        case .outOfRange(let field, let value, let expected): "decision config \(field) is \(value); expected \(expected)"
        }
    }
}
