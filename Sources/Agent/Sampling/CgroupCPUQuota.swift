/// A cgroup's CFS bandwidth limit: at most `quotaMicroseconds` of CPU time per
/// `periodMicroseconds` of wall time, i.e. `quota / period` cores.
///
/// v1 keeps it in two files, `cpu.cfs_quota_us` (-1 = no limit) and `cpu.cfs_period_us`
/// (Documentation/scheduler/sched-bwc.rst); v2 in one, `cpu.max` = `$MAX $PERIOD` with
/// `max` for no limit (Documentation/admin-guide/cgroup-v2.rst, default "max 100000").
public struct CgroupCPUQuota: Sendable, Hashable {
    /// `nil` when the cgroup has no CPU limit.
    public var quotaMicroseconds: UInt64?
    public var periodMicroseconds: UInt64

    public init(quotaMicroseconds: UInt64?, periodMicroseconds: UInt64) {
        self.quotaMicroseconds = quotaMicroseconds
        self.periodMicroseconds = periodMicroseconds
    }

    /// The limit in cores (`quota / period`); `nil` when unlimited.
    public var cores: Double? {
        quotaMicroseconds.map { Double($0) / Double(periodMicroseconds) }
    }

    /// Parses v1's `cpu.cfs_quota_us` and `cpu.cfs_period_us`.
    public init(v1QuotaText: String, v1PeriodText: String, quotaFile: String = "cpu.cfs_quota_us",
                periodFile: String = "cpu.cfs_period_us") throws(SamplingError) {
        let quota = try parseText(v1QuotaText, file: quotaFile) { (t) throws(SamplingError) -> Int64 in
            let line = t.firstLine
            let f = line.tokens()
            guard f.count == 1 else { throw line.malformed(field: "cfs_quota_us", "expected one number") }
            let q = try line.signed(f, 0, field: "cfs_quota_us")
            guard q == -1 || q > 0 else { throw line.malformed(field: "cfs_quota_us", "\(q) is neither -1 nor positive") }
            return q
        }
        let period = try parseText(v1PeriodText, file: periodFile) { (t) throws(SamplingError) in try CgroupValue.unsigned(t) }
        guard period > 0 else { throw .malformed(file: periodFile, line: 1, field: "cfs_period_us", reason: "period is 0") }
        self.init(quotaMicroseconds: quota < 0 ? nil : UInt64(quota), periodMicroseconds: period)
    }

    /// Parses v2's `cpu.max`.
    public init(v2CPUMaxText text: String, file: String = "cpu.max") throws(SamplingError) {
        self = try parseText(text, file: file) { (t) throws(SamplingError) in
            let line = t.firstLine
            let f = line.tokens()
            guard f.count == 2 else { throw line.malformed(field: "cpu.max", "expected \"$MAX $PERIOD\", found \(f.count) fields") }
            let quota: UInt64? = f[0].equals("max") ? nil : try line.unsigned(f, 0, field: "$MAX")
            let period = try line.unsigned(f, 1, field: "$PERIOD")
            guard period > 0 else { throw line.malformed(field: "$PERIOD", "period is 0") }
            return CgroupCPUQuota(quotaMicroseconds: quota, periodMicroseconds: period)
        }
    }
}
