import Forecast
import Models
import Store

/// One workload in a replay: its record, its samples in the replayed period and a cursor
/// over them, its stored trace events (observed by the one interleaving rule), and what a
/// simulated action or restart left pending.
struct ReplayTrack {
    var record: WorkloadRecord
    var samples: SampleSeries
    /// The next sample to replay.
    var next = 0
    /// Seconds between its samples (its grid interval).
    var interval: Double
    /// When its in-flight action completes (Unix seconds).
    var finishAt: Int64?
    var forecastCounter = 0
    /// Its stored `phase` and `state` events after its warm-up.
    var traces: TraceCursor<TraceEventRecord>
    /// Unix seconds of its last (re)start: a restart without a checkpoint since resumes from here.
    var startedAt: Int64
    /// The policy's own memory of the workload (recommender histograms).
    var policyState: ReplayPolicyState

    var name: String { record.name }

    /// Unix seconds of the next sample, or nil when all are replayed.
    var nextTimestamp: Int64? { next < samples.count ? samples.timestamps[next] : nil }

    /// Row `k` of its samples (`Resource.count` values, NaN = not measured).
    func values(at k: Int) -> [Double] { Array(samples.values[(k * Resource.count)..<((k + 1) * Resource.count)]) }

    /// Whether the replay estimates its dirty rate from the trace (`DirtyRate.traceProxy`):
    /// workloads of formats that record virtual machines, whose live moves are QEMU-style
    /// pre-copy (`TraceFormat.describesVirtualMachines`).
    var estimatesDirtyRate: Bool { TraceFormat(rawValue: record.source)?.describesVirtualMachines == true }

    /// The trace proxy of its dirty rate over the interval ending at sample `k`.
    func dirtyRateProxy(at k: Int) -> DirtyRate? {
        guard k >= 0, k < samples.count else { return nil }
        let previous = k > 0 ? values(at: k - 1) : nil
        let seconds = k > 0 ? Double(samples.timestamps[k] - samples.timestamps[k - 1]) : interval
        return DirtyRate.traceProxy(current: values(at: k), previous: previous, intervalSeconds: seconds)
    }

    /// The last checkpoint before `now`: checkpointable workloads checkpoint every
    /// `interval` seconds from the replay's start; none is older than the last (re)start.
    func lastCheckpoint(before now: Int64, from: Int64, interval: Int64) -> Int64 {
        guard record.checkpointable else { return startedAt }
        return max(startedAt, now - (now - from) % interval)
    }

    /// Loads every workload to replay (named in `options.workloads`, or all, with samples in
    /// the period), warms its online state in `core` on the history before `from`, and
    /// reads its trace events from there on.
    static func load(store: HeadroomStore, core: ScoringCore, options: ReplayOptions) throws -> [ReplayTrack] {
        var tracks: [ReplayTrack] = []
        for record in try store.workloads() where options.workloads?.contains(record.name) ?? true {
            let samples = try store.samples(workloads: [record.name], from: options.from, to: options.to)[0]
            guard samples.count > 0 else { continue }
            let history = try store.lastSamples(workload: record.name, count: options.warmupSamples(intervalSeconds: record.gridIntervalSeconds),
                                               until: options.from - 1)
            try core.register(name: record.name, intervalSeconds: record.gridIntervalSeconds, limits: record.limits.values, history: history,
                              traceEvents: try ScoringCore.warmupTraces(store: store, workload: record.name, history: history))
            let traces = try store.traceEvents(workload: record.name, from: Double(history.timestamps.last ?? options.from - 1).nextUp,
                                               to: Double(options.to), kinds: TraceSymbols.kinds)
            tracks.append(ReplayTrack(
                record: record, samples: samples, interval: Double(record.gridIntervalSeconds), traces: TraceCursor(traces),
                startedAt: options.from,
                policyState: ReplayPolicyState(
                    policy: options.policy, knob: options.knob, cpuKnob: options.cpuKnob,
                    history: options.policy == .static || options.policy == .oracle ? SampleSeries(workload: record.name)
                        : try store.lastSamples(workload: record.name, count: options.policyHistorySamples(intervalSeconds: record.gridIntervalSeconds),
                                             until: options.from - 1),
                    intervalSeconds: Double(record.gridIntervalSeconds), memoryTable: core.models.risk?.memoryTable,
                    cpuTable: core.models.risk?.cpuTable)))
        }
        return tracks
    }
}
