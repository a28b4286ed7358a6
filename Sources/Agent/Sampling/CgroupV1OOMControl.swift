/// v1 `memory.oom_control` (Documentation/admin-guide/cgroup-v1/memory.rst, section 10).
///
/// `oom_kill` (processes killed by the OOM killer in this cgroup) appeared in Linux 4.13;
/// older kernels print only the first two lines, so it is optional.
public struct CgroupV1OOMControl: Sendable, Hashable {
    public var oomKillDisabled: Bool
    public var underOOM: Bool
    public var oomKillCount: UInt64?

    public init(oomKillDisabled: Bool, underOOM: Bool, oomKillCount: UInt64?) {
        self.oomKillDisabled = oomKillDisabled
        self.underOOM = underOOM
        self.oomKillCount = oomKillCount
    }

    public init(parsing text: String, file: String = "memory.oom_control") throws(SamplingError) {
        self = try parseText(text, file: file) { (t) throws(SamplingError) in
            var disabled: UInt64?, under: UInt64?, kills: UInt64?
            try t.forEachKeyValue { (key, value) throws(SamplingError) in
                if key.equals("oom_kill_disable") { disabled = value }
                else if key.equals("under_oom") { under = value }
                else if key.equals("oom_kill") { kills = value }
            }
            guard let disabled else { throw t.malformed(line: 1, field: "oom_kill_disable", "missing from the file") }
            guard let under else { throw t.malformed(line: 2, field: "under_oom", "missing from the file") }
            return CgroupV1OOMControl(oomKillDisabled: disabled != 0, underOOM: under != 0, oomKillCount: kills)
        }
    }
}
