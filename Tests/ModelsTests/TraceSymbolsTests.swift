import Forecast
import Foundation
import Models
import Store
import Testing
import Wire

/// Trace events → one HMM symbol per step, and the behaviour model that uses them.
@Suite("Trace symbols and the behaviour HMM")
struct TraceSymbolsTests {
    static func event(_ t: Double, _ kind: String, _ name: String) -> TraceEventRecord {
        TraceEventRecord(workloadId: 1, timestamp: t, kind: kind, name: name)
    }

    @Test("the rule: phase in effect at the step's end, else the most frequent state in the step, else none")
    func stepRule() {
        let events = [
            Self.event(5, "state", "S:futex"), Self.event(6, "state", "R"), Self.event(7, "state", "R"),  // step 0: R wins
            Self.event(10, "state", "S:futex"), Self.event(11, "state", "R"),  // step 1: a tie, first seen wins
            Self.event(12, "loop", "rows"), Self.event(13, "span_start", "f"),  // ignored kinds
            // step 2: nothing → none
            Self.event(30, "state", "R"), Self.event(39.9, "phase", "load"),  // step 3: the phase, set at its very end
            Self.event(40, "state", "D:io_schedule"),  // step 4: the phase still holds
            Self.event(60, "phase", "crunch"),  // exactly at step 6's start: belongs to step 6
        ]
        let symbols = TraceSymbols.stepSymbols(events: events, startTimestamp: 0, intervalSeconds: 10, steps: 8)
        #expect(symbols == ["R", "S:futex", "none", "phase:load", "phase:load", "phase:load", "phase:crunch", "phase:crunch"])
        #expect(TraceSymbols.stepSymbols(events: [], startTimestamp: 0, intervalSeconds: 10, steps: 2) == ["none", "none"])
        #expect(TraceSymbols.stepSymbols(events: events, startTimestamp: 0, intervalSeconds: 10, steps: 0) == [])
    }

    @Test("the online tracker gives the batch rule's symbols step by step; phases before the grid count, states do not")
    func tracker() {
        let events = [Self.event(-5, "state", "R"), Self.event(-3, "phase", "warm"), Self.event(1, "state", "R"),
                      Self.event(12, "phase", "load"), Self.event(25, "loop", "i")]
        let batch = TraceSymbols.stepSymbols(events: events, startTimestamp: 0, intervalSeconds: 10, steps: 3)
        #expect(batch == ["phase:warm", "phase:load", "phase:load"])
        var online = TraceSymbolTracker(phase: "warm")
        var steps: [String] = []
        for k in 0..<3 {
            for e in events where e.timestamp >= Double(k * 10) && e.timestamp < Double(k * 10 + 10) { online.observe(kind: e.kind, name: e.name) }
            steps.append(online.closeStep())
        }
        #expect(steps == batch)
        let statesOnly = TraceSymbols.stepSymbols(events: [Self.event(-5, "state", "R")], startTimestamp: 0, intervalSeconds: 10, steps: 1)
        #expect(statesOnly == ["none"])
    }

    @Test("vocabulary: the K most frequent (ties by name) then other; unknown symbols map to other")
    func vocabulary() {
        let symbols = ["b", "a", "a", "c", "c", "d", "none", "none", "none"]
        let vocabulary = TraceSymbols.vocabulary(symbols, maximumSymbols: 3)
        #expect(vocabulary == ["none", "a", "c", "other"])
        #expect(TraceSymbols.index(of: "c", in: vocabulary) == 2)
        #expect(TraceSymbols.index(of: "b", in: vocabulary) == 3)
        #expect(TraceSymbols.index(of: nil, in: vocabulary) == nil)
        #expect(TraceSymbols.vocabulary([], maximumSymbols: 3) == ["other"])
    }

    /// A workload that idles (30 % CPU), then announces phase `load` for 4 steps at the
    /// same light usage, then runs phase `crunch` at 90 % for 8 steps; idle lasts 15–30 steps.
    struct Planted {
        static let interval: Int64 = 300
        static let start: Int64 = 1_699_999_800  // a multiple of 300
        var cpu: [Double] = []
        var regime: [Int] = []  // 0 idle, 1 load, 2 crunch
        var events: [TraceEvent] = []

        init(steps: Int, seed: UInt64) {
            var generator = SeededGenerator(seed: seed)
            while regime.count < steps {
                let idle = Int.random(in: 15...30, using: &generator)
                for (r, length) in [(0, idle), (1, 4), (2, 8)] {
                    let t = Double(Self.start + Int64(regime.count) * Self.interval) + 1
                    events.append(TraceEvent(workload: "w", timestampSeconds: t, kind: "phase", name: ["idle", "load", "crunch"][r]))
                    for _ in 0..<length where regime.count < steps {
                        regime.append(r)
                        cpu.append((r == 2 ? 0.9 : 0.3) + Double.random(in: -0.05...0.05, using: &generator))
                    }
                }
            }
        }

        /// Samples through the generic importer and events through `append(traceEvents:)`.
        func store(in directory: URL) throws -> HeadroomStore {
            let store = try HeadroomStore()
            var csv = "workload,timestamp,resource,value\n"
            for (k, v) in cpu.enumerated() { csv += "w,\(Self.start + Int64(k) * Self.interval),cpu_cores,\(v)\n" }
            let path = directory.appendingPathComponent("w.csv").path
            try csv.write(toFile: path, atomically: true, encoding: .utf8)
            _ = try TraceImporter(store: store, format: .generic, options: ImportOptions()).run(paths: [path])
            _ = try store.append(traceEvents: events, now: 0)
            return store
        }
    }

    static let settings = BehaviourModels.Settings(minimumStates: 2, maximumStates: 4, maxIterations: 100, historySteps: 100_000,
                                                   heavyThreshold: 0.8)

    /// Mean heavy-phase probability within 4 steps at the steps of `regime`, filtering
    /// steps `range` of `history` with `model`.
    static func meanHeavy(_ model: BehaviourModel, _ history: WorkloadHistory, _ planted: Planted, range: Range<Int>,
                          regime: Int) throws -> Double {
        var filter = HMMFilterState(model: model.hmm)
        var sum = 0.0, count = 0
        for k in range {
            try filter.step(model.observation(history.series, step: k, symbol: history.stepSymbols?[k]))
            if planted.regime[k] == regime {
                sum += filter.heavyPhaseProbability(withinSteps: 4)
                count += 1
            }
        }
        return sum / Double(count)
    }

    @Test("a phase that precedes heavy use raises the heavy-phase probability before the usage rises (held-out steps)",
          arguments: [11, 23, 37, 41] as [UInt64])
    func plantedPhase(seed: UInt64) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("headroom-trace-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let planted = Planted(steps: 2000, seed: seed)
        let store = try planted.store(in: directory)
        let end = Planted.start + 2000 * Planted.interval
        let histories = try TrainingData.load(store: store, from: Planted.start, until: end)
        let full = try #require(histories.first)
        #expect(full.series.steps == 2000 && full.series.intervalSeconds == Planted.interval)
        let symbols = try #require(full.stepSymbols)
        #expect(symbols[0] == "phase:idle" && symbols.filter { $0 == "phase:load" }.count == planted.regime.filter { $0 == 1 }.count)

        // Train on the first 1500 steps, evaluate on the last 500.
        let training = WorkloadHistory(record: full.record, series: full.series.slice(0..<1500), stepSymbols: Array(symbols[0..<1500]))
        var blind = training
        blind.stepSymbols = nil
        let withSymbols = try BehaviourModels.fit(training, settings: Self.settings, seed: seed).get()
        let withoutSymbols = try BehaviourModels.fit(blind, settings: Self.settings, seed: seed).get()
        #expect(withSymbols.vocabulary == ["phase:idle", "phase:crunch", "phase:load", "other"])
        #expect(withSymbols.hmm.emission == .product(symbols: 4, dimension: 1))
        #expect(withoutSymbols.vocabulary == nil && withoutSymbols.hmm.emission == .gaussian(dimension: 1))

        let heldOut = 1500..<2000
        let loadWith = try Self.meanHeavy(withSymbols, full, planted, range: heldOut, regime: 1)
        let loadWithout = try Self.meanHeavy(withoutSymbols, full, planted, range: heldOut, regime: 1)
        let idleWith = try Self.meanHeavy(withSymbols, full, planted, range: heldOut, regime: 0)
        print("seed \(seed): P(heavy within 4 steps) during load: \(loadWith) with symbols, \(loadWithout) without; during idle: \(idleWith) with symbols")
        // Load always leads to crunch within 4 steps, but an HMM state's duration is
        // geometric: with a self-transition of ~0.75 (mean 4 steps) it predicts leaving
        // within 4 steps with probability 1 − 0.75⁴ ≈ 0.68, not 1.
        #expect(loadWith > 0.55, "the load phase announces crunch")
        #expect(loadWithout < 0.3, "usage alone cannot tell load from idle")
        #expect(loadWith > loadWithout + 0.35)
        #expect(idleWith < 0.2, "no false alarm while idle")
    }

    @Test("model files: the vocabulary round-trips in the metadata; files without it load as usage-only")
    func codec() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("headroom-trace-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let planted = Planted(steps: 400, seed: 3)
        let history = try #require(try TrainingData.load(store: planted.store(in: directory), from: Planted.start,
                                                         until: Planted.start + 400 * Planted.interval).first)
        var blind = history
        blind.stepSymbols = nil
        let settings = BehaviourModels.Settings(minimumStates: 3, maximumStates: 3, maxIterations: 30, historySteps: 400, heavyThreshold: 0.8)
        let symbolic = try BehaviourModels.fit(history, settings: settings, seed: 2).get()
        var usageOnly = try BehaviourModels.fit(blind, settings: settings, seed: 2).get()
        usageOnly.workload = "old"

        var bundle = TensorBundle()
        BehaviourModels.encode([symbolic, usageOnly], into: &bundle)
        let decoded = try BehaviourModels.decode(Safetensors.decode(Safetensors.encode(bundle)))
        #expect(decoded["w"]?.vocabulary == symbolic.vocabulary && decoded["w"]?.hmm == symbolic.hmm)
        #expect(decoded["old"]?.vocabulary == nil && decoded["old"]?.hmm == usageOnly.hmm)

        // A file from before trace symbols: no vocabulary key at all.
        var old = TensorBundle()
        BehaviourModels.encode([usageOnly], into: &old)
        #expect(old.metadata[BehaviourModels.vocabulariesKey] == nil)
        #expect(try BehaviourModels.decode(old)["old"]?.vocabulary == nil)
        // A symbol model whose vocabulary went missing is refused, naming the workload.
        bundle.metadata[BehaviourModels.vocabulariesKey] = nil
        #expect(throws: TensorBundleError.self) { try BehaviourModels.decode(bundle) }

        // The online filter without a symbol (what OnlineWorkload feeds today) still runs.
        var filter = HMMFilterState(model: symbolic.hmm)
        try filter.step(symbolic.observation(history.series, step: 0))
        #expect(filter.posterior.allSatisfy { $0.isFinite })
    }

    @Test("a workload whose window has one symbol only (all none) stays usage-only")
    func singleSymbolIsUsageOnly() throws {
        let planted = Planted(steps: 200, seed: 5)
        var values = [Double](repeating: .nan, count: 200 * Resource.count)
        for k in 0..<200 { values[k * Resource.count] = planted.cpu[k] }
        let record = WorkloadRecord(id: 1, name: "w", source: "test", createdAt: 0)
        let history = WorkloadHistory(record: record, series: RegularSeries(startTimestamp: Planted.start, intervalSeconds: 300, values: values),
                                      stepSymbols: Array(repeating: TraceSymbols.none, count: 200))
        let model = try BehaviourModels.fit(history, settings: Self.settings, seed: 1).get()
        #expect(model.vocabulary == nil && model.hmm.emission == .gaussian(dimension: 1))
    }
}
