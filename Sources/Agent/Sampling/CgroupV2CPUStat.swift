/// v2 `cpu.stat` (Documentation/admin-guide/cgroup-v2.rst, "CPU Interface Files"): CPU
/// time of the cgroup and its descendants in microseconds. `usage_usec`, `user_usec` and
/// `system_usec` are always present; the throttling keys only when the cpu controller is
/// enabled for the cgroup.
public struct CgroupV2CPUStat: Sendable, Hashable {
    public var usageMicroseconds: UInt64
    public var userMicroseconds: UInt64
    public var systemMicroseconds: UInt64
    /// `nr_throttled`: periods in which the cgroup hit its `cpu.max` quota.
    public var throttledPeriods: UInt64?
    /// `throttled_usec`: total time throttled.
    public var throttledMicroseconds: UInt64?

    public init(usageMicroseconds: UInt64, userMicroseconds: UInt64, systemMicroseconds: UInt64,
                throttledPeriods: UInt64? = nil, throttledMicroseconds: UInt64? = nil) {
        self.usageMicroseconds = usageMicroseconds
        self.userMicroseconds = userMicroseconds
        self.systemMicroseconds = systemMicroseconds
        self.throttledPeriods = throttledPeriods
        self.throttledMicroseconds = throttledMicroseconds
    }

    public init(parsing text: String, file: String = "cpu.stat") throws(SamplingError) {
        self = try parseText(text, file: file) { (t) throws(SamplingError) in
            var usage: UInt64?, user: UInt64?, system: UInt64?, periods: UInt64?, throttled: UInt64?
            try t.forEachKeyValue { (key, value) throws(SamplingError) in
                if key.equals("usage_usec") { usage = value }
                else if key.equals("user_usec") { user = value }
                else if key.equals("system_usec") { system = value }
                else if key.equals("nr_throttled") { periods = value }
                else if key.equals("throttled_usec") { throttled = value }
            }
            guard let usage else { throw t.malformed(line: 1, field: "usage_usec", "missing from the file") }
            guard let user else { throw t.malformed(line: 2, field: "user_usec", "missing from the file") }
            guard let system else { throw t.malformed(line: 3, field: "system_usec", "missing from the file") }
            return CgroupV2CPUStat(usageMicroseconds: usage, userMicroseconds: user, systemMicroseconds: system,
                                   throttledPeriods: periods, throttledMicroseconds: throttled)
        }
    }
}
