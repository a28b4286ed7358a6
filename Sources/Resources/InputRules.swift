/// The one rule for what a workload name, a timestamp and a resource value may be, at
/// every entrance: the trace importers, the scorer's HTTP batches and the agent's reports
/// (issue 12: the importer stored year 285198648531 and 100,000-byte names the HTTP API
/// refused, a sample stamped 2100 froze a workload's scoring, 1e308 was forecast).
///
/// It lives in `Resources` (no dependencies) so the agent can call it without linking the
/// numeric core. Every check returns nil when the input is acceptable, otherwise an
/// `InputRules.Violation` saying what was expected; callers turn that into their own typed
/// error naming the file, line and field (importers) or the JSON field (HTTP).
public enum InputRules {
    // MARK: - Workload names

    /// Longest workload name, in UTF-8 bytes: 253, the longest DNS name in text form
    /// (RFC 1035 §2.3.4 / RFC 2181) and so the longest Kubernetes object name (a DNS-1123
    /// subdomain) and host name. Every name a workload has in practice (pod, VM, cgroup leaf,
    /// trace id with a prefix) fits; anything longer is not a name but a payload.
    public static let maximumNameBytes = 253

    /// A leading UTF-8 byte-order mark (EF BB BF), which importers strip from a file's first
    /// line (a CSV saved by some editors starts with one; it is not part of the first field).
    public static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// Why `name` is not a workload name, or nil when it is one: non-empty, at most
    /// `maximumNameBytes` UTF-8 bytes, no control characters (C0 U+0000–U+001F — NUL among
    /// them, which C APIs and SQLite text functions stop at —, DEL U+007F, C1 U+0080–U+009F)
    /// and not starting with a byte-order mark U+FEFF (an unstripped BOM made a second
    /// workload "\u{FEFF}m_1" beside "m_1").
    public static func nameViolation(_ name: String) -> Violation? {
        let bytes = name.utf8.count
        guard bytes > 0 else { return Violation(field: "workload", expected: "a non-empty workload name", found: "") }
        guard bytes <= maximumNameBytes else {
            return Violation(field: "workload", expected: "a workload name of at most \(maximumNameBytes) UTF-8 bytes",
                             found: "\(bytes) bytes")
        }
        for scalar in name.unicodeScalars where isControl(scalar) {
            return Violation(field: "workload", expected: "a workload name without control characters",
                             found: "U+" + hex(scalar.value) + " in " + visible(name))
        }
        if name.unicodeScalars.first == "\u{FEFF}" {
            return Violation(field: "workload", expected: "a workload name not starting with a byte-order mark (U+FEFF)",
                             found: visible(name))
        }
        return nil
    }

    // MARK: - Timestamps

    /// 1970-01-01T00:00:00Z: no trace or live sample predates Unix time, and negative
    /// seconds are always a unit or sign error.
    public static let earliestTimestamp: Int64 = 0
    /// 2100-01-01T00:00:00Z (exclusive) for imported history: later than any recorded trace
    /// by decades, early enough that every derived quantity stays far from Int64 overflow
    /// (× 1000 for milliseconds is < 4.2e12; a difference of two is < 4.2e9; the grid
    /// arithmetic on steps of ≥ 1 s never comes near 9.2e18).
    public static let importTimestampLimit: Int64 = 4_102_444_800
    /// How far ahead of the receiver's clock a live sample may be: one day, for a sender
    /// whose clock is wrong by hours (time zones mistaken for UTC); further ahead, every
    /// later sample of the workload would look "older" and be ignored.
    public static let liveFutureToleranceSeconds: Int64 = 86_400

    /// Why `timestamp` (Unix seconds) is not an imported sample's time, or nil:
    /// `earliestTimestamp ≤ t < importTimestampLimit`.
    public static func importTimestampViolation(_ timestamp: Int64) -> Violation? {
        guard timestamp >= earliestTimestamp, timestamp < importTimestampLimit else {
            return Violation(field: "timestamp", expected: "a time from 1970-01-01 up to 2099-12-31 (Unix seconds 0 … 4102444799)",
                             found: "\(timestamp)")
        }
        return nil
    }

    /// Why `timestamp` is not a live sample's time at `nowSeconds` (the receiver's clock),
    /// or nil: `earliestTimestamp ≤ t ≤ now + liveFutureToleranceSeconds`.
    public static func liveTimestampViolation(_ timestamp: Int64, nowSeconds: Int64) -> Violation? {
        let latest = nowSeconds > Int64.max - liveFutureToleranceSeconds ? Int64.max : nowSeconds + liveFutureToleranceSeconds
        guard timestamp >= earliestTimestamp, timestamp <= latest else {
            return Violation(field: "timestamp", expected: "a time from 1970-01-01 up to one day after now (Unix seconds 0 … \(latest))",
                             found: "\(timestamp)")
        }
        return nil
    }

    // MARK: - Values

    /// The largest physically possible value of one workload's `resource`, in its SI unit.
    /// Each is far above any single machine so that no real measurement is refused, and far
    /// below what makes the models' arithmetic overflow (1e308 squared):
    /// - cores: 1e6 (the largest single-system images have ~10⁴ hardware threads);
    /// - memory: 1 PiB = 2⁵⁰ bytes (the largest single-system images hold 48 TiB);
    /// - disk read/write: 1e13 bytes/s (10 TB/s: ~700 PCIe 5 NVMe drives at 14 GB/s);
    /// - network receive/transmit: 1e13 bytes/s (80 Tbit/s: fifty 1.6 Tbit/s ports).
    public static func maximumValue(_ resource: Resource) -> Double {
        switch resource {
        case .cpuCores: 1e6
        case .memoryBytes: 1_125_899_906_842_624
        case .diskReadBytesPerSecond, .diskWriteBytesPerSecond: 1e13
        case .networkReceiveBytesPerSecond, .networkTransmitBytesPerSecond: 1e13
        }
    }

    /// Why `value` is not a measurement of `resource`, or nil: finite, ≥ 0 and at most
    /// `maximumValue(resource)`. NaN (not measured) is a violation too: a caller that
    /// accepts missing values checks `isNaN` first.
    public static func valueViolation(_ value: Double, resource: Resource) -> Violation? {
        let bound = maximumValue(resource)
        guard value.isFinite, value >= 0, value <= bound else {
            return Violation(field: resource.snakeCaseName,
                             expected: "a finite \(resource.snakeCaseName) value ≥ 0 and ≤ \(bound)", found: "\(value)")
        }
        return nil
    }

    /// What was wrong with one input field.
    public struct Violation: Error, Equatable, Sendable, CustomStringConvertible {
        /// The field: `workload`, `timestamp` or a resource's snake_case name.
        public var field: String
        /// What the rule accepts, for the message ("a workload name of at most 253 UTF-8 bytes").
        public var expected: String
        /// What was found, shortened and with control characters made visible.
        public var found: String

        public init(field: String, expected: String, found: String) {
            self.field = field
            self.expected = expected
            self.found = found
        }

        public var description: String { "\(field): expected \(expected), found \(found)" }
    }

    // MARK: - Helpers

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// `name` shortened to 60 characters with control characters and U+FEFF as `\u{…}`.
    static func visible(_ name: String) -> String {
        var out = ""
        for (i, scalar) in name.unicodeScalars.enumerated() {
            if i == 60 { out += "…"; break }
            out += isControl(scalar) || scalar == "\u{FEFF}" ? "\\u{\(hex(scalar.value))}" : String(scalar)
        }
        return "\"" + out + "\""
    }
}
