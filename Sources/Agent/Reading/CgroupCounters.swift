/// One reading of a cgroup's counters, version-independent. A field is `nil` when the
/// hierarchy does not provide it (controller not mounted or not enabled for the cgroup).
public struct CgroupCounters: Sendable, Hashable {
    /// Cumulative CPU time of the cgroup and its descendants, seconds
    /// (v1 `cpuacct.usage` ns / 1e9; v2 `cpu.stat` `usage_usec` / 1e6).
    public var cpuUsageSeconds: Double?
    /// Charged memory, page cache included (v1 `memory.usage_in_bytes`; v2 `memory.current`).
    public var memoryUsageBytes: UInt64?
    /// The page-cache part of the usage (v1 `memory.stat` `total_cache`, else `cache`;
    /// v2 `memory.stat` `file`).
    public var memoryCacheBytes: UInt64?
    /// The memory limit; `nil` when unlimited or unknown.
    public var memoryLimitBytes: UInt64?
    /// Times the usage hit the limit (v1 `memory.failcnt`; v2 `memory.events` `max`).
    public var memoryLimitHits: UInt64?
    /// Processes killed by the OOM killer (v1 `memory.oom_control` `oom_kill`, Linux ≥ 4.13;
    /// v2 `memory.events` `oom_kill`).
    public var oomKills: UInt64?
    /// Cumulative bytes read from and written to block devices (v1
    /// `blkio.throttle.io_service_bytes_recursive`, see `CgroupV1BlkioServiceBytes` for
    /// the blk-throttle caveat; v2 `io.stat`).
    public var diskReadBytes: UInt64?
    public var diskWriteBytes: UInt64?
    /// The CPU bandwidth limit (v1 `cpu.cfs_quota_us`/`cpu.cfs_period_us`; v2 `cpu.max`).
    public var cpuQuota: CgroupCPUQuota?

    public init(
        cpuUsageSeconds: Double? = nil, memoryUsageBytes: UInt64? = nil, memoryCacheBytes: UInt64? = nil,
        memoryLimitBytes: UInt64? = nil, memoryLimitHits: UInt64? = nil, oomKills: UInt64? = nil,
        diskReadBytes: UInt64? = nil, diskWriteBytes: UInt64? = nil, cpuQuota: CgroupCPUQuota? = nil
    ) {
        self.cpuUsageSeconds = cpuUsageSeconds
        self.memoryUsageBytes = memoryUsageBytes
        self.memoryCacheBytes = memoryCacheBytes
        self.memoryLimitBytes = memoryLimitBytes
        self.memoryLimitHits = memoryLimitHits
        self.oomKills = oomKills
        self.diskReadBytes = diskReadBytes
        self.diskWriteBytes = diskWriteBytes
        self.cpuQuota = cpuQuota
    }

    /// Resident memory: usage minus page cache, floored at 0 (the cache is reclaimable
    /// and is not what a workload needs to keep running; shmem/tmpfs pages are counted as
    /// cache by both versions and so are left out too). `nil` without a usage.
    public var residentBytes: UInt64? {
        guard let usage = memoryUsageBytes else { return nil }
        let cache = memoryCacheBytes ?? 0
        return usage > cache ? usage - cache : 0
    }
}
