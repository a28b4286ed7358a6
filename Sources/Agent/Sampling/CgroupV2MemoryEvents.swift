/// v2 `memory.events` (Documentation/admin-guide/cgroup-v2.rst): hierarchical counts of
/// memory events. `oom` counts times the usage hit the limit and an allocation was about to
/// fail; `oom_kill` counts processes killed by the OOM killer. `max` counts times usage was
/// about to exceed `memory.max`; `high` times it was throttled above `memory.high`.
public struct CgroupV2MemoryEvents: Sendable, Hashable {
    public var high: UInt64
    public var max: UInt64
    public var oom: UInt64
    public var oomKill: UInt64

    public init(high: UInt64, max: UInt64, oom: UInt64, oomKill: UInt64) {
        self.high = high
        self.max = max
        self.oom = oom
        self.oomKill = oomKill
    }

    public init(parsing text: String, file: String = "memory.events") throws(SamplingError) {
        self = try parseText(text, file: file) { (t) throws(SamplingError) in
            var high: UInt64 = 0, max: UInt64 = 0, oom: UInt64?, kill: UInt64?
            try t.forEachKeyValue { (key, value) throws(SamplingError) in
                if key.equals("high") { high = value }
                else if key.equals("max") { max = value }
                else if key.equals("oom") { oom = value }
                else if key.equals("oom_kill") { kill = value }
            }
            guard let oom else { throw t.malformed(line: 1, field: "oom", "missing from the file") }
            guard let kill else { throw t.malformed(line: 1, field: "oom_kill", "missing from the file") }
            return CgroupV2MemoryEvents(high: high, max: max, oom: oom, oomKill: kill)
        }
    }
}
