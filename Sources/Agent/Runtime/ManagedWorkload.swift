/// A declared workload as the agent runs it: where it is, its process, and what happened
/// to it (OOM kills, moves, downtime), reported in samples and in `status.json`.
public final class ManagedWorkload {
    public enum State: Equatable, Sendable {
        case running
        /// Exited 0: its output is written.
        case finished
        /// Exited otherwise, and not restarted.
        case failed(String)
        /// Split into parts (see `parts`), gathered when all finish.
        case partitioned
    }

    /// One part of a partitioned workload.
    public struct Part {
        public var index: Int
        public var pop: String
        public var cgroup: String
        public var range: Range<Int>
        public var output: String
        public var process: LaunchedProcess
    }

    public let spec: WorkloadSpec
    public internal(set) var pop: String
    public internal(set) var cgroup: String
    public internal(set) var limits: ResourceLimits
    public internal(set) var process: LaunchedProcess?
    public internal(set) var state: State = .running
    public internal(set) var parts: [Part] = []
    /// OOM kills counted in cgroups it has left, plus `oomKillsHere` in the current one.
    public internal(set) var oomKillsBefore: UInt64 = 0
    public internal(set) var oomKillsHere: UInt64 = 0
    public internal(set) var restarts = 0
    public internal(set) var migrations = 0
    public internal(set) var downtimeMilliseconds = 0.0
    /// Bytes its moves copied (a VM's live migrations: QEMU's `ram.transferred`).
    public internal(set) var movedBytes = 0.0
    /// How its last move was carried out (`live` for a VM's QEMU live migration), if it moved.
    public internal(set) var lastMoveStrategy: String?
    /// Unix seconds of its last good checkpoint, if any.
    public internal(set) var lastCheckpointAt: Int64?
    /// Unix seconds it started and finished.
    public internal(set) var startedAt: Double?
    public internal(set) var finishedAt: Double?

    init(spec: WorkloadSpec, pop: String, cgroup: String) {
        self.spec = spec
        self.pop = pop
        self.cgroup = cgroup
        self.limits = spec.limits
    }

    public var oomKills: UInt64 { oomKillsBefore + oomKillsHere }
}
