/// The limits a cgroup enforces: CPU bandwidth and memory. `nil` = unlimited.
public struct ResourceLimits: Sendable, Equatable, Codable {
    /// Cores of CPU bandwidth (quota / period), > 0.
    public var cpuCores: Double?
    /// Bytes of memory (page cache included, as the kernel charges it), > 0.
    public var memoryBytes: Int64?

    public init(cpuCores: Double? = nil, memoryBytes: Int64? = nil) {
        self.cpuCores = cpuCores
        self.memoryBytes = memoryBytes
    }

    public static let unlimited = ResourceLimits()

    /// The CFS period the agent writes, microseconds (the kernel's default, 100 ms).
    public static let cfsPeriodMicroseconds: Int64 = 100_000
    /// The smallest quota the kernel accepts, microseconds.
    public static let minimumQuotaMicroseconds: Int64 = 1_000

    /// `cpuCores × period`, at least the kernel's minimum; nil when unlimited.
    public var cpuQuotaMicroseconds: Int64? {
        cpuCores.map { max(Self.minimumQuotaMicroseconds, Int64(($0 * Double(Self.cfsPeriodMicroseconds)).rounded())) }
    }

    /// Snake_case keys as in the fleet file and the scorer's API.
    enum CodingKeys: String, CodingKey {
        case cpuCores = "cpu_cores"
        case memoryBytes = "memory_bytes"
    }
}
