#if canImport(Glibc)
import Glibc
#endif

/// Opens and parses a cgroup's files under a hierarchy: the real `/sys/fs/cgroup`, or a
/// fixture tree laid out the same way. Cgroup paths are relative to each controller's
/// mount (`/system.slice/x.service`, `headroom-test-1`), as in `/proc/<pid>/cgroup`.
///
/// A file a controller does not provide (`ENOENT`) leaves its field `nil`; any other
/// failure to read, and any malformed text, throws. Not thread-safe (one read buffer).
public struct CgroupReader {
    public let hierarchy: CgroupHierarchy
    private let files = FileBytesReader()

    public init(hierarchy: CgroupHierarchy) { self.hierarchy = hierarchy }

    /// Detects the hierarchy under `root`.
    public init(root: String = "/sys/fs/cgroup") throws(SamplingError) {
        self.init(hierarchy: try CgroupHierarchy.detect(root: root))
    }

    /// Reads every counter of `cgroup`. Throws `cgroupNotFound` when no controller has it.
    public func counters(cgroup: String) throws(SamplingError) -> CgroupCounters {
        switch hierarchy {
        case let .v1(directories): try v1Counters(directories, cgroup)
        case let .v2(root): try v2Counters(root, cgroup)
        }
    }

    /// The pids in `cgroup` itself (its `cgroup.procs`; v1 reads the memory controller's,
    /// else cpuacct's). Empty when it has none.
    public func processIDs(cgroup: String) throws(SamplingError) -> [Int32] {
        let directory: String?
        switch hierarchy {
        case let .v1(d): directory = (d.memory ?? d.cpuacct).map { join($0, cgroup) }
        case let .v2(root): directory = join(root, cgroup)
        }
        guard let directory else { return [] }
        let pids = try optional(directory, "cgroup.procs") { (t) throws(SamplingError) -> [Int32] in
            var pids: [Int32] = []
            try t.forEachLine { (line) throws(SamplingError) in
                let f = line.tokens()
                if f.isEmpty { return }
                let pid = try line.signed(f, 0, field: "pid")
                guard let pid32 = Int32(exactly: pid), pid32 > 0 else { throw line.malformed(field: "pid", "\(pid) is not a pid") }
                pids.append(pid32)
            }
            return pids
        }
        guard let pids else { throw .cgroupNotFound(path: cgroup) }
        return pids
    }

    private func v1Counters(_ d: CgroupV1Directories, _ cgroup: String) throws(SamplingError) -> CgroupCounters {
        var c = CgroupCounters()
        var found = false
        if let base = d.cpuacct.map({ join($0, cgroup) }), files.exists(base) {
            found = true
            c.cpuUsageSeconds = try optional(base, "cpuacct.usage") { (t) throws(SamplingError) in
                Double(try CgroupValue.unsigned(t)) / 1e9
            }
        }
        if let base = d.memory.map({ join($0, cgroup) }), files.exists(base) {
            found = true
            c.memoryUsageBytes = try optional(base, "memory.usage_in_bytes") { (t) throws(SamplingError) in try CgroupValue.unsigned(t) }
            c.memoryLimitBytes = try optional(base, "memory.limit_in_bytes") { (t) throws(SamplingError) in try CgroupValue.v1Limit(t) } ?? nil
            c.memoryLimitHits = try optional(base, "memory.failcnt") { (t) throws(SamplingError) in try CgroupValue.unsigned(t) }
            let stat = try optional(base, "memory.stat") { (t) throws(SamplingError) in
                try CgroupV1MemoryStat(parsing: String(decoding: t.bytes, as: UTF8.self), file: t.file.description)
            }
            c.memoryCacheBytes = stat?.subtreeCacheBytes
            let oom = try optional(base, "memory.oom_control") { (t) throws(SamplingError) in
                try CgroupV1OOMControl(parsing: String(decoding: t.bytes, as: UTF8.self), file: t.file.description)
            }
            c.oomKills = oom?.oomKillCount
        }
        if let base = d.blkio.map({ join($0, cgroup) }), files.exists(base) {
            found = true
            let parse = { (t: TextBytes) throws(SamplingError) in
                try CgroupV1BlkioServiceBytes(parsing: String(decoding: t.bytes, as: UTF8.self), file: t.file.description)
            }
            var io = try optional(base, "blkio.throttle.io_service_bytes_recursive", parse)
            if io == nil { io = try optional(base, "blkio.throttle.io_service_bytes", parse) }
            c.diskReadBytes = io?.readBytes
            c.diskWriteBytes = io?.writeBytes
        }
        if let base = d.cpu.map({ join($0, cgroup) }), files.exists(base) {
            found = true
            let quota = try optional(base, "cpu.cfs_quota_us") { (t) throws(SamplingError) in String(decoding: t.bytes, as: UTF8.self) }
            let period = try optional(base, "cpu.cfs_period_us") { (t) throws(SamplingError) in String(decoding: t.bytes, as: UTF8.self) }
            if let quota, let period {
                c.cpuQuota = try CgroupCPUQuota(v1QuotaText: quota, v1PeriodText: period,
                                                quotaFile: "\(base)/cpu.cfs_quota_us", periodFile: "\(base)/cpu.cfs_period_us")
            }
        }
        guard found else { throw .cgroupNotFound(path: cgroup) }
        return c
    }

    private func v2Counters(_ root: String, _ cgroup: String) throws(SamplingError) -> CgroupCounters {
        let base = join(root, cgroup)
        guard files.exists(base) else { throw .cgroupNotFound(path: cgroup) }
        var c = CgroupCounters()
        func text(_ t: TextBytes) -> String { String(decoding: t.bytes, as: UTF8.self) }
        c.cpuUsageSeconds = try optional(base, "cpu.stat") { (t) throws(SamplingError) in
            Double(try CgroupV2CPUStat(parsing: text(t), file: t.file.description).usageMicroseconds) / 1e6
        }
        c.memoryUsageBytes = try optional(base, "memory.current") { (t) throws(SamplingError) in try CgroupValue.unsigned(t) }
        c.memoryLimitBytes = try optional(base, "memory.max") { (t) throws(SamplingError) in try CgroupValue.v2Limit(t) } ?? nil
        c.memoryCacheBytes = try optional(base, "memory.stat") { (t) throws(SamplingError) in
            try CgroupV2MemoryStat(parsing: text(t), file: t.file.description).fileBytes
        }
        let events = try optional(base, "memory.events") { (t) throws(SamplingError) in
            try CgroupV2MemoryEvents(parsing: text(t), file: t.file.description)
        }
        c.memoryLimitHits = events?.max
        c.oomKills = events?.oomKill
        let io = try optional(base, "io.stat") { (t) throws(SamplingError) in try CgroupV2IOStat(parsing: text(t), file: t.file.description) }
        c.diskReadBytes = io?.readBytes
        c.diskWriteBytes = io?.writeBytes
        c.cpuQuota = try optional(base, "cpu.max") { (t) throws(SamplingError) in try CgroupCPUQuota(v2CPUMaxText: text(t), file: t.file.description) }
        return c
    }

    private func join(_ directory: String, _ cgroup: String) -> String {
        let trimmed = cgroup.drop { $0 == "/" }
        return trimmed.isEmpty ? directory : "\(directory)/\(trimmed)"
    }

    /// Parses `<directory>/<name>`; `nil` when the file does not exist.
    private func optional<T>(_ directory: String, _ name: String, _ parse: (TextBytes) throws(SamplingError) -> T) throws(SamplingError) -> T? {
        let path = "\(directory)/\(name)"
        switch files.read(path) {
        case let .success(bytes): return try parse(TextBytes(bytes: bytes, file: path))
        case let .failure(error):
            let code = error.code
            if code == ENOENT { return nil }
            throw .unreadable(file: path, errno: code)
        }
    }
}
