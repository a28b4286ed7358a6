/// The fleet file's `[pre_copy]` table: dirty rates an operator knows, which price live moves
/// (`PreCopyModel`) of workloads whose rate no migration has measured yet, in the scorer and
/// in replays — where they override the replay's trace proxy (`DirtyRate.traceProxy`), which
/// cannot see a guest rewriting memory it already uses.
///
/// ```toml
/// [pre_copy]
/// dirty_bytes_per_second = 2e7        # every live-migratable workload (optional)
/// [pre_copy.workloads]                # per workload, wins over the line above (optional)
/// "bitbrains-rnd-17" = 1.5e8
/// ```
package struct PreCopySettings: Sendable, Equatable {
    /// Bytes per second for every live-migratable workload without a measured rate; nil = none. Finite, ≥ 0.
    package var dirtyBytesPerSecond: Double?
    /// Bytes per second by workload name. Finite, ≥ 0.
    package var workloads: [String: Double]

    package init(dirtyBytesPerSecond: Double? = nil, workloads: [String: Double] = [:]) {
        self.dirtyBytesPerSecond = dirtyBytesPerSecond
        self.workloads = workloads
    }

    /// The configured rate of `workload`: its own, else the fleet-wide one when it can move
    /// live (a rate prices only live moves), else nil.
    package func dirtyBytesPerSecond(workload: String, supportsLive: Bool) -> Double? {
        // (Asked for every candidate of every decision: an empty table is not hashed into.)
        if !workloads.isEmpty, let own = workloads[workload] { return own }
        return supportsLive ? dirtyBytesPerSecond : nil
    }
}
