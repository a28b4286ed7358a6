import Forecast
import Store

/// Where a workload's state re-reads its recent samples instead of keeping them (issue 15
/// item 4): the scorer's store, which holds every sample it ingests before the state sees
/// it. Two long windows are read only rarely — the naive member's week of values, when
/// its spread is refreshed (every 3.5 days), and the learned risk's week of CPU and memory
/// usage, when the allocation changes and the breach flags older than a day are judged
/// again — so a scorer with a store keeps neither (40 % of what a workload cost it) and
/// reads the week back at those moments instead.
///
/// What is read back is what the state accepted, rebuilt by the state's own rules
/// (`acceptedSamples`): a sample whose grid step is not after the previous one's was
/// refused by `OnlineWorkload.ingest`, and is skipped here too. When the rows read do not
/// end in the state's newest sample (the store was changed behind the scorer, or the read
/// failed), the reader returns nil and the caller keeps what it had (the naive spread of
/// the last refresh; the flags older than a day as judged against the allocation then).
public struct StoredHistory: Sendable {
    /// The workload's last `count` stored samples at or before `until` (Unix seconds),
    /// oldest first (`HeadroomStore.lastSamples`).
    public typealias Read = @Sendable (_ workload: String, _ count: Int, _ until: Int64) throws -> SampleSeries

    let read: Read

    public init(read: @escaping Read) {
        self.read = read
    }

    /// Reads from `store`.
    public init(store: HeadroomStore) {
        read = { try store.lastSamples(workload: $0, count: $1, until: $2) }
    }

    /// Reads `series` (a workload's rows just read from the store, oldest first) instead of
    /// the store: a registration's first score, over the warm-up history in hand.
    public static func serving(_ series: SampleSeries) -> StoredHistory {
        StoredHistory { workload, count, until in
            var end = series.count
            while end > 0 && series.timestamps[end - 1] > until { end -= 1 }
            let start = max(0, end - count)
            return SampleSeries(workload: workload, timestamps: Array(series.timestamps[start..<end]),
                                values: Array(series.values[(start * Resource.count)..<(end * Resource.count)]))
        }
    }

    /// Rows read beyond the ones wanted: refused samples (a second sample in one grid step)
    /// take a row each, so a few more are read than the state accepted — and twice as many
    /// again, up to `maximumRereads` times, while the rows read were all there were asked
    /// for and still hold too few accepted ones.
    static let slack = 16
    static let maximumRereads = 4

    /// The rows up to the state's newest sample (`anchor` + half an interval), read until
    /// `enough` says the accepted ones suffice or the store has no more; nil when a read fails.
    private func readAccepted(workload: String, rows wanted: Int, anchor: Int64, intervalSeconds: Int64,
                              enough: ([(row: Int, slot: Int64)]) -> Bool) -> (SampleSeries, [(row: Int, slot: Int64)])? {
        let until = anchor.addingReportingOverflow(max(1, intervalSeconds) / 2)
        guard !until.overflow else { return nil }
        var rows = wanted + Self.slack
        for attempt in 0...Self.maximumRereads {
            guard let series = try? read(workload, rows, until.partialValue) else { return nil }
            let accepted = Self.acceptedSamples(series, anchor: anchor, intervalSeconds: intervalSeconds)
            if enough(accepted) || series.count < rows || attempt == Self.maximumRereads { return (series, accepted) }
            rows = rows.multipliedReportingOverflow(by: 2).overflow ? Int.max : rows * 2
        }
        return nil
    }

    /// The rows of `series` a state on the grid through `anchor` (its last grid timestamp,
    /// `OnlineWorkload.lastTimestamp`) at `intervalSeconds` accepted, oldest first, each with
    /// its grid slot relative to the anchor (≤ 0; the newest accepted row's slot is 0 when
    /// the series ends in the state's newest sample). `OnlineWorkload.ingest` places a
    /// sample ⌊(t − p + i/2) / i⌋ steps after the previous one's grid timestamp p, which is
    /// the anchor less a whole number of intervals, so the slot is ⌊(t − anchor + i/2) / i⌋,
    /// and a sample is accepted when its slot is after the previous accepted one's.
    public static func acceptedSamples(_ series: SampleSeries, anchor: Int64, intervalSeconds: Int64) -> [(row: Int, slot: Int64)] {
        let interval = max(1, intervalSeconds)
        var out: [(row: Int, slot: Int64)] = []
        out.reserveCapacity(series.count)
        var previous = Int64.min
        for (row, t) in series.timestamps.enumerated() {
            // Far from the anchor (beyond what a state's grid reaches), a slot means nothing.
            let (elapsed, o1) = t.subtractingReportingOverflow(anchor)
            let (shifted, o2) = elapsed.addingReportingOverflow(interval / 2)
            guard !o1, !o2 else { continue }
            var slot = shifted / interval
            if shifted % interval != 0 && shifted < 0 { slot -= 1 }   // floor, not toward zero
            if slot > previous {
                out.append((row, slot))
                previous = slot
            }
        }
        return out
    }

    /// The last `count` samples the state accepted (its sample numbers `seen − count` …
    /// `seen − 1`, the learned risk's numbering), CPU and memory, oldest first; nil when the
    /// rows read do not end in the state's newest sample (its grid timestamp `anchor`,
    /// CPU `newestCPU` and memory `newestMemory` as ingested, compared as stored: NaN
    /// equals NaN) or fewer than `count` were accepted.
    public func lastAccepted(workload: String, count: Int, anchor: Int64, intervalSeconds: Int64,
                      newestCPU: Double, newestMemory: Double) -> (cpu: [Double], memory: [Double])? {
        guard count > 0 else { return ([], []) }
        guard let (series, accepted) = readAccepted(workload: workload, rows: count, anchor: anchor, intervalSeconds: intervalSeconds,
                                                    enough: { $0.count >= count }) else { return nil }
        guard accepted.count >= count, let newest = accepted.last, newest.slot == 0,
              Self.same(series.value(newest.row, .cpuCores), newestCPU),
              Self.same(series.value(newest.row, .memoryBytes), newestMemory) else { return nil }
        let kept = accepted.suffix(count)
        return (kept.map { series.value($0.row, .cpuCores) }, kept.map { series.value($0.row, .memoryBytes) })
    }

    /// Resource columns of the state's last `steps` grid steps as `NaiveHistory` holds them
    /// (the steps numbered `stepsFed − steps` … `stepsFed − 1`; NaN where no sample was fed):
    /// one column per entry of `resources`, or nil as `lastAccepted`. Steps are counted as
    /// `OnlineWorkload.ingest` feeds them: a gap of k grid slots is k steps (the missing
    /// ones NaN), or 1 when more than `maximumGapSteps` are missing.
    func lastSteps(workload: String, steps: Int, stepsFed: Int, anchor: Int64, intervalSeconds: Int64, maximumGapSteps: Int,
                   newest: [Double], resources: [Int]) -> [[Double]]? {
        guard steps > 0 else { return resources.map { _ in [] } }
        // Enough when the accepted rows reach back `steps` grid steps (each is at least one).
        guard let (series, accepted) = readAccepted(workload: workload, rows: steps, anchor: anchor, intervalSeconds: intervalSeconds,
                                                    enough: { Self.stepsCovered($0, maximumGapSteps: maximumGapSteps) >= steps })
        else { return nil }
        guard let last = accepted.last, last.slot == 0,
              resources.allSatisfy({ Self.same(series.values[last.row * Resource.count + $0], newest[$0]) }) else { return nil }
        var columns = resources.map { _ in [Double](repeating: .nan, count: steps) }
        let first = stepsFed - steps
        var step = stepsFed - 1
        var k = accepted.count - 1
        while k >= 0 && step >= first {
            let row = accepted[k].row
            for (j, r) in resources.enumerated() { columns[j][step - first] = series.values[row * Resource.count + r] }
            guard k > 0 else { break }
            let gap = accepted[k].slot - accepted[k - 1].slot
            step -= gap - 1 > Int64(maximumGapSteps) ? 1 : Int(clamping: gap)
            k -= 1
        }
        return columns
    }

    /// Grid steps from the oldest accepted row to the newest, inclusive, as the state fed them.
    static func stepsCovered(_ accepted: [(row: Int, slot: Int64)], maximumGapSteps: Int) -> Int {
        guard !accepted.isEmpty else { return 0 }
        var steps = 1
        for k in 1..<accepted.count {
            let gap = accepted[k].slot - accepted[k - 1].slot
            steps += gap - 1 > Int64(maximumGapSteps) ? 1 : Int(clamping: gap)
        }
        return steps
    }

    static func same(_ a: Double, _ b: Double) -> Bool { a == b || (a.isNaN && b.isNaN) }
}
