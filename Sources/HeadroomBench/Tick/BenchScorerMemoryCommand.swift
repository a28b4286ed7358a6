import ArgumentParser
import Decisions
import Forecast
import Foundation
import Models
import Store

/// `headroom-bench scorer-memory`: what one workload costs a scorer (issue 15 item 4), not a
/// test. Registers `--workloads` workloads (100,000 by default) in one `ScoringCore` over a
/// version, each a copy of one of the version's trained workloads under a new name with
/// that workload's models (ARIMA, HMM, LSTM scaling) and its `--history` samples before the
/// split, so every entry holds the state of a trained workload (a cold-start one holds
/// less). The default history is the scorer's warm-up, a week (2,016 samples at 5
/// minutes): a state's rings are allocated in full at once, but the CPU and memory naive
/// windows are released when the adaptive-window median warms up (24 samples), so a
/// history shorter than that measures a younger, larger workload. Reported: the resident set (VmRSS) before and after, per workload; then one tick
/// per workload in turn (its next stored sample: ingest → forecast → risk, without the
/// decision engine), timed one by one with CLOCK_MONOTONIC: median, p99, max.
struct BenchScorerMemoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "headroom-bench scorer-memory",
        abstract: "Benchmark: resident memory per workload of a scorer holding many workloads, and its tick latency.")

    @OptionGroup var source: BenchVersionOptions
    @Option(help: "Workloads to register.") var workloads = 100_000
    @Option(help: "Samples of history each is warmed on (default a week at 5 minutes, the scorer's warm-up; below 24 the CPU and memory naive windows are still kept).") var history = 2016
    @Option(help: "Ticks per workload after registration.") var rounds = 1
    @Flag(help: "Keep the long windows in memory (as a replay does) instead of reading them back from the store (as the service does).")
    var keepWindows = false
    @Flag(help: "Then print what one workload's parts take (1,000 of each built and warmed alone, after the measurement above).")
    var breakdown = false

    func validate() throws {
        guard workloads >= 1, history >= 1, rounds >= 1 else { throw ValidationError("--workloads, --history and --rounds must be ≥ 1") }
    }

    static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kB = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return -1 }
        return kB * 1024
    }

    /// Resident bytes of one workload's parts: 1,000 of each built and warmed on `history`,
    /// the resident set's growth divided by 1,000; then whole registrations the same way
    /// (the parts, the entry, its forecast rows and score, the dictionary slot).
    static func printBreakdown(core: ScoringCore, base: WorkloadRecord, history: SampleSeries, models: TrainedModels, keepWindows: Bool) {
        let interval = base.gridIntervalSeconds, copies = 1_000
        var parts: [(String, Double)] = []
        var kept: [[Any]] = []   // every part stays alive to the end, so none reuses another's freed pages
        func measure(_ name: String, _ make: (Int) -> Any) {
            let before = residentBytes()
            kept.append((0..<copies).map(make))
            parts.append((name, Double(residentBytes() - before) / Double(copies)))
        }
        measure("OnlineWorkload (the members, the medians, the naive spread)") { _ in
            var online = OnlineWorkload(name: "breakdown-probe", models: models, intervalSeconds: interval, horizonSteps: 12,
                                        limits: base.limits.values, scalingHistory: history.values, advance: .weightedMembers,
                                        readsBack: !keepWindows)
            for i in 0..<history.count { online.ingest(timestamp: history.timestamps[i], values: Array(history.row(i).values)) }
            return online
        }
        measure("  of which the two adaptive-window medians") { _ in
            var medians = [AdaptiveWindowMedian(horizon: 12), AdaptiveWindowMedian(horizon: 12)]
            for i in 0..<history.count { medians[0].update(history.value(i, .cpuCores)); medians[1].update(history.value(i, .memoryBytes)) }
            return medians
        }
        measure("RiskFeatures (its day read from the medians' rings, as the scorer's)") { _ in
            // The medians that hand the day in are freed after: only the features are measured.
            var features = RiskFeatures(intervalSeconds: interval, keepsWeek: keepWindows, readsDay: true)
            var medians = [AdaptiveWindowMedian(horizon: 12), AdaptiveWindowMedian(horizon: 12)]
            for i in 0..<history.count {
                let c = history.value(i, .cpuCores), m = history.value(i, .memoryBytes)
                medians[0].update(c); medians[1].update(m)
                medians[0].withDay { cpu in
                    medians[1].withDay { memory in
                        features.push(timestamp: history.timestamps[i], cpuCores: c, memoryBytes: m, day: (cpu, memory))
                    }
                }
            }
            return features
        }
        measure("a whole registration (the above, the entry, forecast rows, score, dictionary slot)") { k in
            try? core.register(name: "breakdown-probe-\(k)", intervalSeconds: interval, limits: base.limits.values, history: history)
            return 0
        }
        print("  inline sizes (the entry sits in the dictionary's storage, a slot per capacity, not per entry): entry \(MemoryLayout<ScoringCore.Entry>.stride) B, OnlineWorkload \(MemoryLayout<OnlineWorkload>.stride) B, RiskFeatures \(MemoryLayout<RiskFeatures>.stride) B, AdaptiveWindowMedian \(MemoryLayout<AdaptiveWindowMedian>.stride) B; dictionary capacity \(core.entries.capacity) for \(core.entries.count) entries")
        print("  resident bytes per part of one workload (1,000 of each):")
        for (name, bytes) in parts { print(String(format: "    %@ %.1f KB", name.padding(toLength: 86, withPad: " ", startingAt: 0), bytes / 1000)) }
        withExtendedLifetime(kept) {}
    }

    func run() throws {
        let loaded = try source.load()
        let (store, chosen, split) = (loaded.store, loaded.version, loaded.split)
        var models = loaded.models
        // The trained workloads with samples after the split: their history, limits and next samples.
        var bases: [(record: WorkloadRecord, history: SampleSeries, after: SampleSeries)] = []
        for record in try store.workloads() where models.arima[record.name] != nil {
            let after = try store.samples(workloads: [record.name], from: split, to: split + 86_400)[0]
            guard after.count > 0 else { continue }
            bases.append((record, try store.lastSamples(workload: record.name, count: history, until: split - 1), after))
        }
        guard !bases.isEmpty else { throw ValidationError("no trained workload has samples after \(split)") }
        // Copies under new names share the base's model values (copy-on-write arrays), as a
        // fleet's distinct models would not: only the per-workload state is measured.
        var names: [String] = []
        names.reserveCapacity(workloads)
        for k in 0..<workloads {
            let base = bases[k % bases.count].record.name, name = "w\(k)"
            models.arima[name] = models.arima[base]
            if let b = models.behaviour[base] { models.behaviour[name] = b }
            if let s = models.lstm?.scalings[base] { models.lstm?.scalings[name] = s }
            names.append(name)
        }
        // As the service: the long windows are read back from the store (a copy reads its base's rows).
        let baseNames = bases.map(\.record.name)
        let stored = StoredHistory { name, count, until in
            let base = Int(name.dropFirst()).map { baseNames[$0 % baseNames.count] } ?? name
            return try store.lastSamples(workload: base, count: count, until: until)
        }
        let core = ScoringCore(models: models, horizonSteps: 12, planningQuantile: 0.9, stored: keepWindows ? nil : stored)
        let before = Self.residentBytes()
        let registerStart = TickTimings.monotonicNanoseconds()
        for (k, name) in names.enumerated() {
            let base = bases[k % bases.count]
            try core.register(name: name, intervalSeconds: base.record.gridIntervalSeconds, limits: base.record.limits.values,
                              history: base.history)
        }
        let registerSeconds = Double(TickTimings.monotonicNanoseconds() - registerStart) / 1e9
        let after = Self.residentBytes()
        var timings = TickTimings(capacity: workloads * rounds)
        for round in 0..<rounds {
            for (k, name) in names.enumerated() {
                let base = bases[k % bases.count]
                let i = min(round, base.after.count - 1)
                let values = Array(base.after.values[(i * Resource.count)..<((i + 1) * Resource.count)])
                let start = TickTimings.monotonicNanoseconds()
                _ = core.ingest(workload: name, timestamp: base.after.timestamps[i], values: values)
                timings.record(TickTimings.monotonicNanoseconds() - start)
            }
        }
        let perWorkload = Double(after - before) / Double(workloads)
        let entries = core.entries.values
        let stale = entries.reduce(0) { $0 + $1.online.staleNaiveRefreshes }
        let notReadBack = entries.reduce(0) { $0 + ($1.features?.recountsNotReadBack ?? 0) }
        if core.stored != nil {
            print("  read back from the store: \(stale) naive refreshes and \(notReadBack) risk recounts found rows not ending in the state's newest sample")
        }
        let summary = timings.summary()
        print("scorer-memory: version \(chosen), \(workloads) workloads (copies of \(bases.count) trained ones), \(history) samples of history each")
        print(String(format: "  resident: %.1f MiB before, %.1f MiB after registering: %.1f KB per workload (registered in %.1f s)",
                     Double(before) / 1_048_576, Double(after) / 1_048_576, perWorkload / 1000, registerSeconds))
        if let s = summary {
            print(String(format: "  ticks (one per workload in turn, without the decision engine): median %.2f µs, p99 %.2f, max %.1f (%d ticks)",
                         s.medianMicroseconds, s.p99Microseconds, s.maxMicroseconds, s.ticks))
            print(String(format: "RESULT workloads=%ld bytes_per_workload=%.0f rss_after_bytes=%ld tick_median_us=%.3f tick_p99_us=%.3f",
                         workloads, perWorkload, after, s.medianMicroseconds, s.p99Microseconds))
        }
        if breakdown { Self.printBreakdown(core: core, base: bases[0].record, history: bases[0].history, models: models, keepWindows: keepWindows) }
    }
}
