import Resources

/// What a set of counters belongs to. Rates are computed per key, from keys present in
/// both snapshots, so the identity must survive exactly as long as its counters do.
public enum CounterKey: Sendable, Hashable {
    /// A process; the start time tells a reused pid from the process that had it before.
    case process(pid: Int32, startTimeTicks: UInt64)
    /// A cgroup, by its path relative to the controller mounts.
    case cgroup(path: String)
    /// A network namespace, by the inode of `/proc/<pid>/ns/net`.
    case networkNamespace(inode: UInt64)
}

/// Cumulative counters (and one gauge) of one `CounterKey` at one instant, in SI units.
/// `nil` means "this key does not measure it" (a namespace has no CPU time).
public struct Counters: Sendable, Hashable {
    /// Cumulative CPU time, seconds.
    public var cpuSeconds: Double?
    /// Resident memory now, bytes (a gauge: summed, never differenced).
    public var residentBytes: Double?
    /// Cumulative bytes read from / written to storage.
    public var diskReadBytes: Double?
    public var diskWriteBytes: Double?
    /// Cumulative bytes received / transmitted.
    public var networkReceiveBytes: Double?
    public var networkTransmitBytes: Double?

    public init(cpuSeconds: Double? = nil, residentBytes: Double? = nil, diskReadBytes: Double? = nil,
                diskWriteBytes: Double? = nil, networkReceiveBytes: Double? = nil, networkTransmitBytes: Double? = nil) {
        self.cpuSeconds = cpuSeconds
        self.residentBytes = residentBytes
        self.diskReadBytes = diskReadBytes
        self.diskWriteBytes = diskWriteBytes
        self.networkReceiveBytes = networkReceiveBytes
        self.networkTransmitBytes = networkTransmitBytes
    }
}

/// Every key's counters at one monotonic instant.
public struct CounterSnapshot: Sendable, Hashable {
    /// Seconds on a monotonic clock (any origin; only differences are used).
    public var monotonicSeconds: Double
    public var counters: [CounterKey: Counters]

    public init(monotonicSeconds: Double, counters: [CounterKey: Counters]) {
        self.monotonicSeconds = monotonicSeconds
        self.counters = counters
    }

    /// The resource vector of the interval from `previous` to `self`.
    ///
    /// - Rates (CPU, disk, network): `Σ_k (c_k(now) − c_k(before)) / Δt` over the keys `k`
    ///   present in both snapshots with that counter; `Δt` is the difference of the
    ///   monotonic times. CPU in cores = CPU-seconds per second. A key that appears only
    ///   now (a new child) contributes from the next interval; a key that disappeared (an
    ///   exited child) drops out, so its work since the previous sample is not counted —
    ///   the totals never go backwards because of an exit. A counter that decreased for
    ///   the same key (a cgroup deleted and recreated under the same path) contributes 0.
    /// - Memory: `Σ_k residentBytes` over the keys present now.
    /// - A resource no key measures (in both snapshots, for rates) is `NaN`.
    ///
    /// Throws `clockDidNotAdvance` when `Δt ≤ 0`.
    public func rates(since previous: CounterSnapshot) throws(SamplingError) -> ResourceVector {
        let elapsed = monotonicSeconds - previous.monotonicSeconds
        guard elapsed > 0 else {
            throw .clockDidNotAdvance(previousSeconds: previous.monotonicSeconds, currentSeconds: monotonicSeconds)
        }
        var deltas = [Double](repeating: 0, count: 5)
        var measured = [Bool](repeating: false, count: 5)
        let paths: [KeyPath<Counters, Double?>] = [
            \.cpuSeconds, \.diskReadBytes, \.diskWriteBytes, \.networkReceiveBytes, \.networkTransmitBytes,
        ]
        var memory = 0.0
        var memoryMeasured = false
        for (key, now) in counters {
            if let resident = now.residentBytes {
                memory += resident
                memoryMeasured = true
            }
            guard let before = previous.counters[key] else { continue }
            for (i, path) in paths.enumerated() {
                guard let a = before[keyPath: path], let b = now[keyPath: path] else { continue }
                measured[i] = true
                if b > a { deltas[i] += b - a }
            }
        }
        func rate(_ i: Int) -> Double { measured[i] ? deltas[i] / elapsed : .nan }
        return ResourceVector(
            cpuCores: rate(0), memoryBytes: memoryMeasured ? memory : .nan,
            diskReadBytesPerSecond: rate(1), diskWriteBytesPerSecond: rate(2),
            networkReceiveBytesPerSecond: rate(3), networkTransmitBytesPerSecond: rate(4))
    }
}
