/// The replay's result, printed as the last line on stdout (snake_case JSON).
struct ReplaySummary: Codable, Sendable, Equatable {
    var policy: String
    var from: Int64
    var to: Int64
    var modelVersion: String
    var workloads: Int
    var samples: Int
    /// Σ over samples whose demand exceeded what the workload had at its POP (any
    /// allocated resource), of the sample interval, in minutes.
    var contentionMinutes: Double
    /// Samples with demand above the allocation.
    var contendedSamples: Int
    /// Minutes workloads were stopped by moves (the engine's downtime model).
    var downtimeMinutes: Double
    /// Hosting (Σ price per hour × hours at each POP) plus migration costs (downtime
    /// penalty and transfer), in the fleet's money unit.
    var cost: Double
    var hostingCost: Double
    var migrationCost: Double
    /// Moves by strategy (`live`, `checkpoint_restart`) and by kind (`partition`, `restart`).
    var migrations: [String: Int]
    var resizes: Int
    var movedBytes: Double
    /// Actions (resize, migrate, partition, restart) per workload per day of replay.
    var decisionsPerWorkloadDay: Double
    /// Mean allocation over the samples, per allocated resource (what the policy paid for).
    var meanAllocation: [String: Double]
    /// POPs failed by `--fail-pop`, and the work their workloads lost: the time since
    /// their last checkpoint (or since `from` when they cannot checkpoint), in minutes.
    var popFailures: Int
    var lostWorkMinutes: Double
}
