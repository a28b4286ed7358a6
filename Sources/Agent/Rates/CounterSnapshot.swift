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
        // cpu, disk read, disk write, network receive, network transmit: summed deltas and
        // whether any key present in both snapshots measures them.
        var deltas: (Double, Double, Double, Double, Double) = (0, 0, 0, 0, 0)
        var measured: (Bool, Bool, Bool, Bool, Bool) = (false, false, false, false, false)
        func add(_ a: Double?, _ b: Double?, _ delta: inout Double, _ seen: inout Bool) {
            guard let a, let b else { return }
            seen = true
            if b > a { delta += b - a }
        }
        var memory = 0.0
        var memoryMeasured = false
        for (key, now) in counters {
            if let resident = now.residentBytes {
                memory += resident
                memoryMeasured = true
            }
            guard let before = previous.counters[key] else { continue }
            add(before.cpuSeconds, now.cpuSeconds, &deltas.0, &measured.0)
            add(before.diskReadBytes, now.diskReadBytes, &deltas.1, &measured.1)
            add(before.diskWriteBytes, now.diskWriteBytes, &deltas.2, &measured.2)
            add(before.networkReceiveBytes, now.networkReceiveBytes, &deltas.3, &measured.3)
            add(before.networkTransmitBytes, now.networkTransmitBytes, &deltas.4, &measured.4)
        }
        func rate(_ delta: Double, _ seen: Bool) -> Double { seen ? delta / elapsed : .nan }
        return ResourceVector(
            cpuCores: rate(deltas.0, measured.0), memoryBytes: memoryMeasured ? memory : .nan,
            diskReadBytesPerSecond: rate(deltas.1, measured.1), diskWriteBytesPerSecond: rate(deltas.2, measured.2),
            networkReceiveBytesPerSecond: rate(deltas.3, measured.3), networkTransmitBytesPerSecond: rate(deltas.4, measured.4))
    }
}
