import ArgumentParser
import Decisions
import Forecast
import Foundation
import Models
import Store

/// `headroom-bench tick`: the benchmark of the scorer's per-tick path, not a
/// test. One workload-tick = ingest one real stored sample of one workload into its
/// `OnlineWorkload` (ARIMA Kalman states, two staggered LSTM states, the HMM filter, the
/// naive member), forecast (the quantile blend), `RiskModel.score`, and `DecisionEngine.tick`
/// with that workload's assessment over a synthetic fleet (`BenchFleet`, 100 POPs by default).
/// Ticks cycle through the workloads, each taking its stored samples in time order from
/// the split on (default: the version's training end), after each workload was warmed on
/// the `--history` samples before the split. Each tick's wall time is read from
/// CLOCK_MONOTONIC around exactly that work, single thread, after `--warmup` untimed ticks.
///
/// Actions the engine decides are completed at once, outside the timed region (the engine's
/// `finish`, and the workload's new allocation handed to the scoring core), as an executor's
/// report would later: the next ticks then see the fleet as it would be.
///
/// Reported: median, p99, p99.9 (nearest rank), max and mean µs per tick; ticks per second of
/// the timed loop's wall time and per CPU second of the process; the same statistics for the
/// ticks that took the full decision path (an alarmed workload with no headroom at its POP,
/// so the engine evaluated every other POP as a target); and, for comparison with the
/// Python peers, the LSTM alone (one `LSTMOnlineState.step` + `forecast()` per tick, on the
/// same samples). `--check FILE` writes the peers' agreement file (see bench/scorer/README.md).
struct BenchTickCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "headroom-bench tick",
        abstract: "Benchmark: per-tick latency of ingest → forecast → risk → decision over a synthetic fleet.")

    @Option(name: .customLong("db"), help: "The store: a SQLite file path or a postgres:// URL.") var databasePath: String
    @Option(name: .customLong("models"), help: "Models directory.") var modelsDirectory: String
    @Option(help: "Model version (default: the promoted one, else the newest).") var version: String?
    @Option(help: "Workloads to cycle through (default: every workload the version's ARIMA family was trained on).") var workloads: Int?
    @Option(help: "POPs in the synthetic fleet.") var pops = 100
    @Option(help: "Timed workload-ticks (at most the samples available after the split).") var ticks = 50_000
    @Option(help: "Untimed workload-ticks first.") var warmup = 5_000
    @Option(help: "Samples of each workload's history before the split to warm its state on.") var history = 2016
    @Option(help: "Split: ISO-8601 or Unix seconds (default: the version's training end).") var from: String?
    @Option(help: "Risk horizon in steps.") var horizon = 12
    @Option(help: "Largest free share of a POP's capacity in the synthetic fleet (0.15: a fleet that saturates).") var slack = 0.5
    @Option(help: "Seed of the synthetic fleet.") var seed: UInt64 = 1
    @Option(help: "Write the peers' check file here: a 48-row feature window of the first workload and LSTMModel.predict(window:) on it.") var check: String?
    @Flag(help: "Print one JSON object on stdout instead of the RESULT line.") var json = false
    @Flag(name: .customLong("no-learned-risk"), help: "Score with the calibrated forecast risk only (what the learned risk costs, by difference).") var noLearnedRisk = false

    func validate() throws {
        guard pops >= 2 else { throw ValidationError("--pops must be ≥ 2") }
        guard ticks >= 1, warmup >= 0, history >= 0 else { throw ValidationError("--ticks must be ≥ 1, --warmup and --history ≥ 0") }
        guard (0...1).contains(slack) else { throw ValidationError("--slack must be in [0, 1]") }
        guard horizon >= 1 else { throw ValidationError("--horizon must be ≥ 1") }
        if let workloads, workloads < 1 { throw ValidationError("--workloads must be ≥ 1") }
        if let from, TimestampParser.parse(from) == nil { throw ValidationError("--from: expected ISO-8601 or Unix seconds, got \"\(from)\"") }
    }

    func run() throws {
        let store = try HeadroomStore(location: databasePath)
        let registry = ModelRegistry(store: store, directory: modelsDirectory)
        guard let chosen = try version ?? registry.promotedVersion() ?? registry.latestVersion() else {
            throw ValidationError("no model version in \(databasePath): train one with headroom-trainer, or pass --version")
        }
        let files = try registry.list().filter { $0.version == chosen }
        let models = try TrainedModels.load(registry: registry, version: chosen)
        guard let lstm = models.lstm else { throw ValidationError("version \(chosen) has no LSTM: train the full set of families") }
        guard let split = from.flatMap(TimestampParser.parse) ?? files.compactMap(\.trainingTo).max() else {
            throw ValidationError("version \(chosen) records no training end: pass --from")
        }
        let lstmPath = files.first { $0.family == LSTMModels.family }.map { URL(fileURLWithPath: modelsDirectory).appendingPathComponent($0.path).path }

        // Workloads: trained ones with samples after the split, in name order.
        let records = try store.workloads().filter { models.arima[$0.name] != nil }
        var setup = Setup(models: models, horizon: horizon, learnedRisk: !noLearnedRisk)
        for record in records {
            if let workloads, setup.names.count >= workloads { break }
            try setup.add(record, store: store, split: split, history: history)
        }
        guard !setup.names.isEmpty else {
            throw ValidationError("no trained workload has samples after \(split): pass an earlier --from")
        }
        let fleetSetup = try BenchFleet.make(count: pops, workloads: setup.placementInputs, remainingSeconds: 7 * 86_400, slack: slack, seed: seed)
        var config = DecisionConfig()
        // The replay's defaults (ReplayCommand): chosen on the week before the demo's evaluation week.
        config.enterThreshold = 0.3
        config.exitThreshold = 0.18
        config.cooldownSeconds = 1800
        config.maxConcurrentMigrations = 4
        var engine = try DecisionEngine(config: config, fleet: fleetSetup.fleet, placements: fleetSetup.placements)
        let popNames = fleetSetup.fleet.pops.map(\.name)
        var popLastSeen = Dictionary(uniqueKeysWithValues: popNames.map { ($0, Int64(0)) })

        if let check { try writeCheckFile(check, lstm: lstm, setup: setup, split: split) }

        // The stream: workload k % n takes its next sample; workloads that ran out drop out.
        let stream = setup.stream(limit: warmup + ticks)
        guard stream.count > warmup else {
            throw ValidationError("only \(stream.count) samples after the split for \(warmup) warm-up ticks: lower --warmup or pass an earlier --from")
        }
        var all = TickTimings(capacity: stream.count - warmup)
        var full = TickTimings(capacity: 1024)
        var alarmedTicks = 0, actions = 0, ignored = 0
        var lastSeenAt = Int64.min
        var wallStart: UInt64 = 0, cpuStart: UInt64 = 0
        for (index, item) in stream.enumerated() {
            if index == warmup {
                wallStart = TickTimings.monotonicNanoseconds()
                cpuStart = TickTimings.processCPUNanoseconds()
            }
            let series = setup.series[item.workload]
            let timestamp = series.timestamps[item.sample]
            // Agents report every few seconds: every POP has been seen by this instant.
            // (In place through the values view: no hashing, the harness stays out of the figure.)
            if timestamp != lastSeenAt {
                for i in popLastSeen.values.indices { popLastSeen.values[i] = timestamp }
                lastSeenAt = timestamp
            }
            let name = setup.names[item.workload]

            let start = TickTimings.monotonicNanoseconds()
            let base = item.sample * Resource.count
            let values = Array(series.values[base..<(base + Resource.count)])
            guard let score = setup.core.ingest(workload: name, timestamp: timestamp, values: values) else {
                ignored += 1
                continue
            }
            let assessment = Assessment(
                workload: name, timestamp: timestamp, risk: score.risk,
                resourceAtRisk: score.resourceAtRisk.flatMap(Resource.init(snakeCaseName:)),
                expectedSecondsToBreach: score.expectedSecondsToBreach,
                plannedDemand: ResourceVector(score.plannedDemand), currentUsage: ResourceVector(values))
            let outcome = engine.tick(now: timestamp, assessments: [assessment], popLastSeen: popLastSeen)
            let elapsed = TickTimings.monotonicNanoseconds() - start

            let decision = outcome.decisions[0]
            if index >= warmup {
                all.record(elapsed)
                if decision.details.alarmed { alarmedTicks += 1 }
                if !decision.details.candidates.isEmpty { full.record(elapsed) }
                if decision.action != .none { actions += 1 }
            }
            // The executor's report, untimed: the action completed.
            for d in outcome.decisions where d.action != .none {
                engine.finish(workload: d.workload, succeeded: true)
                if let placement = engine.placements[d.workload] {
                    setup.core.setAllocation(workload: d.workload, allocation: placement.totalAllocation)
                }
            }
        }
        let wall = TickTimings.monotonicNanoseconds() - wallStart
        let cpu = TickTimings.processCPUNanoseconds() - cpuStart
        guard let summary = all.summary() else { throw ValidationError("no tick was timed") }
        let lstmOnly = Self.timeLSTMAlone(lstm: lstm, setup: setup, stream: stream, warmup: warmup)

        let report = Report(
            version: chosen, lstmModel: lstmPath, workloads: setup.names.count, pops: pops, slack: slack, split: split,
            warmup: warmup, ticks: summary, ticksPerSecond: Double(all.count) / (Double(wall) / 1e9),
            ticksPerCPUSecond: cpu > 0 ? Double(all.count) / (Double(cpu) / 1e9) : .nan,
            fullDecision: full.summary(), alarmedTicks: alarmedTicks, actions: actions, ignoredSamples: ignored,
            lstmOnly: lstmOnly.summary(), check: check)
        report.printHuman()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.resultLine)
        }
    }

    /// One `LSTMOnlineState` per workload, stepped once and forecast per tick over the same
    /// stream (what the Python peers' stateful row does; `OnlineWorkload` steps two staggered
    /// states per tick).
    static func timeLSTMAlone(lstm: GlobalLSTM, setup: Setup, stream: [Setup.Item], warmup: Int) -> TickTimings {
        var states = setup.names.map { LSTMOnlineState(model: lstm.model, scaling: setup.scalings[$0]) }
        var timings = TickTimings(capacity: stream.count)
        var sink: Float = 0
        for (index, item) in stream.enumerated() {
            let series = setup.series[item.workload]
            let base = item.sample * Resource.count
            let start = TickTimings.monotonicNanoseconds()
            let values = Array(series.values[base..<(base + Resource.count)])
            states[item.workload].step(timestampSeconds: series.timestamps[item.sample], values: values)
            let forecast = states[item.workload].forecast()
            let elapsed = TickTimings.monotonicNanoseconds() - start
            sink += forecast.values[0]
            if index >= warmup { timings.record(elapsed) }
        }
        if sink.isNaN { FileHandle.standardError.write(Data("(lstm-only checksum NaN)\n".utf8)) }
        return timings
    }

    /// The peers' check file: the first workload's last `windowSteps` samples before the
    /// split encoded as the LSTM's features (as the scorer encodes them), and our forecast.
    func writeCheckFile(_ path: String, lstm: GlobalLSTM, setup: Setup, split: Int64) throws {
        let model = lstm.model
        let name = setup.names[0]
        let history = setup.histories[0]
        var encoder = LSTMFeatureEncoder(scaling: setup.scalings[name]!)
        var rows: [[Float]] = []
        for i in 0..<history.count {
            rows.append(encoder.encode(timestampSeconds: history.timestamps[i],
                                       values: Array(history.values[(i * Resource.count)..<((i + 1) * Resource.count)])))
        }
        let window = Array(rows.suffix(model.spec.windowSteps))
        guard !window.isEmpty else { throw ValidationError("--check: \(name) has no history before the split") }
        let expected = model.predict(window: window.flatMap { $0 }).values
        // Float → Double is exact, and Double's description round-trips: the JSON numbers are exact.
        func number(_ f: Float) -> String { Double(f).description }
        let text = "{\"workload\": \"\(name)\", \"split\": \(split), \"window\": ["
            + window.map { "[" + $0.map(number).joined(separator: ", ") + "]" }.joined(separator: ", ")
            + "], \"expected\": [" + expected.map(number).joined(separator: ", ") + "]}\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
}

extension BenchTickCommand {
    /// The workloads under test: scoring state (warmed), their samples after the split.
    struct Setup {
        struct Item { var workload: Int; var sample: Int }

        let core: ScoringCore
        var names: [String] = []
        var series: [SampleSeries] = []
        var histories: [SampleSeries] = []
        var scalings: [String: LSTMWorkloadScaling] = [:]
        var placementInputs: [(name: String, allocation: [Double], stateBytes: Double, live: Bool, partitionable: Bool)] = []

        init(models: TrainedModels, horizon: Int, learnedRisk: Bool) {
            core = ScoringCore(models: models, horizonSteps: horizon, planningQuantile: 0.9, useLearnedRisk: learnedRisk)
        }

        mutating func add(_ record: WorkloadRecord, store: HeadroomStore, split: Int64, history count: Int) throws {
            let after = try store.samples(workloads: [record.name], from: split, to: Int64.max)[0]
            guard after.count > 0 else { return }
            let history = try store.lastSamples(workload: record.name, count: count, until: split - 1)
            try core.register(name: record.name, intervalSeconds: record.gridIntervalSeconds, limits: record.limits.values, history: history)
            let allocation = core.entry(record.name)!.allocation
            let memory = history.count > 0 ? history.value(history.count - 1, .memoryBytes) : .nan
            let allocatedMemory = allocation[Resource.memoryBytes.rawValue]
            names.append(record.name)
            series.append(after)
            histories.append(history)
            if let scaling = core.models.lstm?.scalings[record.name] { scalings[record.name] = scaling }
            else { scalings[record.name] = LSTMWorkloadScaling(values: history.values, limits: record.limits.values) }
            placementInputs.append((record.name, allocation,
                                    memory.isFinite ? memory : (allocatedMemory.isFinite ? allocatedMemory : 0),
                                    record.liveMigratable, record.partitionable))
        }

        /// Up to `limit` items: round-robin over the workloads, each in time order.
        func stream(limit: Int) -> [Item] {
            var next = [Int](repeating: 0, count: names.count)
            var items: [Item] = []
            items.reserveCapacity(limit)
            var live = true
            while items.count < limit && live {
                live = false
                for w in names.indices where next[w] < series[w].count && items.count < limit {
                    items.append(Item(workload: w, sample: next[w]))
                    next[w] += 1
                    live = true
                }
            }
            return items
        }
    }

    struct Report: Encodable {
        var version: String
        var lstmModel: String?
        var workloads: Int
        var pops: Int
        var slack: Double
        var split: Int64
        var warmup: Int
        var ticks: TickTimings.Summary
        var ticksPerSecond: Double
        var ticksPerCPUSecond: Double
        var fullDecision: TickTimings.Summary?
        var alarmedTicks: Int
        var actions: Int
        var ignoredSamples: Int
        var lstmOnly: TickTimings.Summary?
        var check: String?

        enum CodingKeys: String, CodingKey {
            case version, workloads, pops, slack, split, warmup, ticks, actions, check
            case lstmModel = "lstm_model", ticksPerSecond = "ticks_per_s", ticksPerCPUSecond = "ticks_per_cpu_s"
            case fullDecision = "full_decision", alarmedTicks = "alarmed_ticks", ignoredSamples = "ignored_samples"
            case lstmOnly = "lstm_only"
        }

        func printHuman() {
            func line(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }
            func describe(_ s: TickTimings.Summary) -> String {
                String(format: "median %.2f µs, p99 %.2f, p99.9 %.2f, max %.1f, mean %.2f (%d ticks)",
                       s.medianMicroseconds, s.p99Microseconds, s.p999Microseconds, s.maxMicroseconds, s.meanMicroseconds, s.ticks)
            }
            line("bench-tick: version \(version), \(workloads) workloads, \(pops) POPs (full mesh, slack \(slack)), split \(split), \(warmup) warm-up ticks")
            line("  whole path: " + describe(ticks))
            line(String(format: "  %.0f ticks/s wall, %.0f per CPU s", ticksPerSecond, ticksPerCPUSecond))
            line("  alarmed ticks \(alarmedTicks), actions \(actions), samples ignored \(ignoredSamples)")
            if let fullDecision { line("  full decision path (targets evaluated over \(pops - 1) POPs): " + describe(fullDecision)) }
            else { line("  full decision path: no tick took it") }
            if let lstmOnly { line("  LSTM alone (1 step + forecast): " + describe(lstmOnly)) }
            if let lstmModel { line("  LSTM model file: \(lstmModel)") }
            if let check { line("  check file written: \(check)") }
        }

        var resultLine: String {
            var fields = [
                String(format: "tick_median_us=%.3f tick_p99_us=%.3f tick_p999_us=%.3f tick_max_us=%.1f tick_mean_us=%.3f",
                       ticks.medianMicroseconds, ticks.p99Microseconds, ticks.p999Microseconds, ticks.maxMicroseconds, ticks.meanMicroseconds),
                String(format: "ticks_per_s=%.1f ticks_per_cpu_s=%.1f ticks=%d", ticksPerSecond, ticksPerCPUSecond, ticks.ticks),
                "alarmed_ticks=\(alarmedTicks) actions=\(actions) workloads=\(workloads) pops=\(pops) slack=\(slack)",
            ]
            if let f = fullDecision {
                fields.append(String(format: "full_ticks=%d full_median_us=%.3f full_p99_us=%.3f full_max_us=%.1f",
                                     f.ticks, f.medianMicroseconds, f.p99Microseconds, f.maxMicroseconds))
            } else {
                fields.append("full_ticks=0")
            }
            if let l = lstmOnly {
                fields.append(String(format: "lstm_median_us=%.3f lstm_p99_us=%.3f lstm_mean_us=%.3f",
                                     l.medianMicroseconds, l.p99Microseconds, l.meanMicroseconds))
            }
            if let lstmModel { fields.append("lstm_model=\(lstmModel)") }
            return "RESULT " + fields.joined(separator: " ")
        }
    }
}
