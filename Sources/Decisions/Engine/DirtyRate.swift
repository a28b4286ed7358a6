import Forecast

/// Where the dirty rate that prices a live move comes from, most trusted first.
package enum DirtyRateSource: String, Sendable, Equatable, Codable, CaseIterable {
    /// QEMU's `dirty-pages-rate` during the workload's last pre-copy rounds (an agent's
    /// report, kept in the store's `dirty_rates`).
    case measured
    /// The fleet file's `[pre_copy]` table: an operator's figure for the workload, or for
    /// every live-migratable one.
    case configured
    /// Estimated from what a trace records (`DirtyRate.traceProxy`): replays only.
    case traceProxy = "trace_proxy"
}

/// A rate at which a workload writes to its memory, bytes per second, and where it comes from.
package struct DirtyRate: Sendable, Equatable, Codable {
    /// Finite, ≥ 0.
    package var bytesPerSecond: Double
    package var source: DirtyRateSource

    package init(bytesPerSecond: Double, source: DirtyRateSource) {
        self.bytesPerSecond = bytesPerSecond
        self.source = source
    }

    /// A VM's dirty rate estimated from one trace interval, for replays of traces that never
    /// measured one (Bitbrains and Azure record usage, not pre-copy rounds):
    ///
    ///     D = (M_k − M_{k−1})⁺ / Δt + diskRead_k + diskWrite_k + networkReceive_k,   capped at M_k per second
    ///
    /// Pre-copy re-sends every page written since the previous round; these are the writes a
    /// usage trace can see:
    /// - memory the guest starts using is written when first touched (the growth term; memory
    ///   given back dirties nothing);
    /// - a disk read is written into guest memory (the page cache) by the virtual disk, and
    ///   QEMU's dirty log records pages its devices write;
    /// - a disk write is new data written into the guest's page cache before the virtual disk
    ///   reads it out;
    /// - a received packet is written into guest memory by the virtual NIC and copied on to
    ///   its reader. Transmitted bytes are left out: the device only reads them, and what a
    ///   guest sends (files, cached answers) is mostly memory it already had.
    ///
    /// Every byte of I/O is counted once although a page written twice within a round is sent
    /// once (over-counting recycled buffers), and writes by the CPU to memory already in use —
    /// a database rewriting its buffer pool, a cache updating in place — are invisible to a
    /// usage trace, so for such workloads the proxy is low: the fleet file's `[pre_copy]`
    /// settings override it. The cap: no guest can dirty more distinct bytes per second than
    /// it uses (PreCopyModel also never re-sends more than all of memory in a round).
    ///
    /// - Parameters:
    ///   - current: the interval's usage vector (`Resource.count` values, NaN = not measured).
    ///   - previous: the interval before, or nil (no growth term).
    ///   - intervalSeconds: seconds between the two samples (> 0 for the growth term).
    /// - Returns: nil when the trace has neither memory nor any of the I/O rates for the
    ///   interval (nothing to estimate from: the flat dirty fraction prices the move).
    package static func traceProxy(current: [Double], previous: [Double]?, intervalSeconds: Double) -> DirtyRate? {
        func value(_ v: [Double], _ r: Resource) -> Double? {
            let x = v[r.rawValue]
            return x.isFinite && x >= 0 ? x : nil
        }
        let io = [Resource.diskReadBytesPerSecond, .diskWriteBytesPerSecond, .networkReceiveBytesPerSecond].compactMap { value(current, $0) }
        let memory = value(current, .memoryBytes)
        guard memory != nil || !io.isEmpty else { return nil }
        var rate = io.reduce(0, +)
        if let memory, let previous, let before = value(previous, .memoryBytes), intervalSeconds > 0, intervalSeconds.isFinite {
            rate += max(0, memory - before) / intervalSeconds
        }
        if let memory { rate = min(rate, memory) }
        return DirtyRate(bytesPerSecond: rate, source: .traceProxy)
    }
}
