/// Single-value cgroup files: one number (or `max`) and a newline.
public enum CgroupValue {
    /// A v1 memory limit at or above 2⁶² bytes (4 EiB) means "no limit": an unlimited v1
    /// cgroup reports `PAGE_COUNTER_MAX × PAGE_SIZE`, 9223372036854771712 on 4 KiB pages,
    /// and no machine has 4 EiB to limit.
    public static let v1UnlimitedThresholdBytes: UInt64 = 1 << 62

    /// A file holding one unsigned decimal: `memory.usage_in_bytes`, `memory.failcnt`,
    /// `cpuacct.usage` (v1); `memory.current` (v2).
    public static func unsigned(parsing text: String, file: String) throws(SamplingError) -> UInt64 {
        try parseText(text, file: file) { (t) throws(SamplingError) in try unsigned(t) }
    }

    /// A v2 limit file (`memory.max`): `max` (no limit) is `nil`, otherwise the number.
    public static func v2Limit(parsing text: String, file: String) throws(SamplingError) -> UInt64? {
        try parseText(text, file: file) { (t) throws(SamplingError) in try v2Limit(t) }
    }

    /// A v1 limit file (`memory.limit_in_bytes`): `nil` when at or above
    /// `v1UnlimitedThresholdBytes`, otherwise the number of bytes.
    public static func v1Limit(parsing text: String, file: String) throws(SamplingError) -> UInt64? {
        try parseText(text, file: file) { (t) throws(SamplingError) in try v1Limit(t) }
    }

    static func unsigned(_ text: TextBytes) throws(SamplingError) -> UInt64 {
        let line = text.firstLine
        let f = line.tokens()
        guard f.count == 1 else { throw line.malformed(field: "value", "expected one number, found \(f.count) fields") }
        return try line.unsigned(f, 0, field: "value")
    }

    static func v2Limit(_ text: TextBytes) throws(SamplingError) -> UInt64? {
        let line = text.firstLine
        let f = line.tokens()
        guard f.count == 1 else { throw line.malformed(field: "value", "expected \"max\" or one number, found \(f.count) fields") }
        if f[0].equals("max") { return nil }
        return try line.unsigned(f, 0, field: "value")
    }

    static func v1Limit(_ text: TextBytes) throws(SamplingError) -> UInt64? {
        let value = try unsigned(text)
        return value >= v1UnlimitedThresholdBytes ? nil : value
    }
}

extension TextBytes {
    /// Calls `body` with the key token and the unsigned value of each `key value` line of a
    /// flat-keyed file (memory.stat, cpu.stat, memory.events, memory.oom_control). Blank
    /// lines are skipped; a line without exactly two fields, or whose value is not an
    /// unsigned decimal, is an error naming the key.
    func forEachKeyValue(_ body: (Token, UInt64) throws(SamplingError) -> Void) throws(SamplingError) {
        try forEachLine { (line) throws(SamplingError) in
            let f = line.tokens()
            if f.isEmpty { return }
            guard f.count == 2 else { throw line.malformed(field: f[0].text, "expected \"key value\", found \(f.count) fields") }
            try body(f[0], try line.unsigned(f, 1, field: f[0].text))
        }
    }
}
