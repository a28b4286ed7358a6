import Store
/// The replay's result, printed as the last line on stdout (snake_case JSON).
///
/// Economics (issue 11): what a user pays and suffers.
/// - Cost = Σ over samples and parts of the POP's hourly cost of the allocation (fee +
///   cores × price per core-hour + GiB × price per GiB-hour) × the sample interval, plus
///   the moves' downtime and transfer costs.
/// - Memory demand above the allocation is an OOM kill: the workload restarts from its
///   last checkpoint (`oomKills`, `oomLostWorkMinutes`, `oomRestartMinutes`).
/// - CPU demand above it is throttling: `throttledCoreMinutes` = Σ (demand − allocation)⁺ × interval.
/// - Slack, as Autopilot reports it: Σ (allocation − usage)⁺ × interval, in core-hours and GiB-hours.
package struct ReplaySummary: Codable, Sendable, Equatable {
    package var policy: String
    /// The policy's knob when it was set (`--knob`), else nil (its default).
    package var knob: Double?
    /// The CPU side's own knob when it was set (`ReplayOptions.cpuKnob`), else nil.
    package var cpuKnob: Double?
    /// Whether policies saw min(demand, allocation) (`--censored-observations`).
    package var censoredObservations: Bool
    /// The sizing policies' ceiling as a multiple of each workload's recorded limit
    /// (`ReplayOptions.limitCeiling`, `--ceiling`); nil: none but a POP's room.
    package var limitCeiling: Double?
    package var from: Int64
    package var to: Int64
    package var modelVersion: String
    package var workloads: Int
    package var samples: Int
    /// Σ over samples whose demand exceeded what the workload had at its POP (any
    /// allocated resource), of the sample interval, in minutes.
    package var contentionMinutes: Double
    /// Samples with demand above the allocation.
    package var contendedSamples: Int
    /// Samples with memory above the memory allocation: each is an OOM kill.
    package var oomKills: Int
    /// Work lost to OOM kills: the time since the workload's last checkpoint (or its last
    /// restart when it does not checkpoint), minutes.
    package var oomLostWorkMinutes: Double
    /// Minutes OOM-killed workloads spent restarting.
    package var oomRestartMinutes: Double
    /// Σ (CPU demand − CPU allocation)⁺ × interval, core-minutes.
    package var throttledCoreMinutes: Double
    /// Σ (CPU allocation − CPU usage)⁺ × interval, core-hours.
    package var slackCoreHours: Double
    /// Σ (memory allocation − memory usage)⁺ × interval, GiB-hours.
    package var slackGibHours: Double
    /// Minutes workloads were stopped by moves (the engine's downtime model) or by a down POP.
    package var downtimeMinutes: Double
    /// `hostingCost + migrationCost`, in the fleet's money unit.
    package var cost: Double
    /// Σ hourly cost of each allocation at its POP × time.
    package var hostingCost: Double
    /// The moves' downtime penalty and transfer costs.
    package var migrationCost: Double
    /// Moves by strategy (`live`, `checkpoint_restart`) and by kind (`partition`, `restart`).
    package var migrations: [String: Int]
    /// Resizes of either direction, and those that shrank.
    package var resizes: Int
    package var downsizes: Int
    package var movedBytes: Double
    /// Actions (resize, migrate, partition, restart) per workload per day of replay.
    package var decisionsPerWorkloadDay: Double
    /// Mean allocation over the samples, per allocated resource (what the policy paid for).
    package var meanAllocation: [String: Double]
    /// POPs failed by `--fail-pop`, and the work their workloads lost: the time since
    /// their last checkpoint (or since `from` when they cannot checkpoint), in minutes.
    package var popFailures: Int
    package var lostWorkMinutes: Double
    /// Live moves carried out, by what priced them: `measured`, `configured`, `trace_proxy`
    /// (`DirtyRateSource`: `PreCopyModel` with that dirty rate) or `dirty_fraction` (the
    /// cost model's flat `live_dirty_fraction`, for workloads without any dirty rate).
    package var liveMovesPricedBy: [String: Int]
    /// Target evaluations rejected because a live move there would not converge (the
    /// workload dirties memory about as fast as the link copies it); one per target per tick.
    package var liveTargetsNotConverging: Int

    /// The `liveMovesPricedBy` key of moves priced by the flat dirty fraction.
    package static let dirtyFractionPricing = "dirty_fraction"

    package init(policy: String, knob: Double?, censoredObservations: Bool = false, from: Int64, to: Int64, modelVersion: String,
                 workloads: Int) {
        self.policy = policy
        self.knob = knob
        self.censoredObservations = censoredObservations
        self.from = from
        self.to = to
        self.modelVersion = modelVersion
        self.workloads = workloads
        samples = 0
        contentionMinutes = 0
        contendedSamples = 0
        oomKills = 0
        oomLostWorkMinutes = 0
        oomRestartMinutes = 0
        throttledCoreMinutes = 0
        slackCoreHours = 0
        slackGibHours = 0
        downtimeMinutes = 0
        cost = 0
        hostingCost = 0
        migrationCost = 0
        migrations = [:]
        resizes = 0
        downsizes = 0
        movedBytes = 0
        decisionsPerWorkloadDay = 0
        meanAllocation = [:]
        popFailures = 0
        lostWorkMinutes = 0
        liveMovesPricedBy = [:]
        liveTargetsNotConverging = 0
    }
}
