import Forecast
import Foundation
import Models
import Store
import Testing
@testable import Trainer
import Wire

/// `evaluate`'s heavy-phase report filters a symbol-trained HMM with the stored trace
/// symbols, as the scorer does online.
@Suite("Heavy-phase evaluation with trace symbols")
struct HeavyPhaseEvaluationTests {
    static let interval: Int64 = 300
    static let start: Int64 = 1_699_999_800  // a multiple of 300

    /// A workload that idles at 30 % CPU, then announces phase `load` (same usage) for 4
    /// steps, then crunches at 90 % for 8; idle lasts 15–30 steps. Samples through the
    /// generic importer, phases through `append(traceEvents:)`.
    static func plantedStore(steps: Int, seed: UInt64, directory: URL) throws -> HeadroomStore {
        var generator = SeededGenerator(seed: seed)
        var cpu: [Double] = []
        var events: [TraceEvent] = []
        while cpu.count < steps {
            for (regime, length) in [(0, Int.random(in: 15...30, using: &generator)), (1, 4), (2, 8)] {
                let t = Double(start + Int64(cpu.count) * interval) + 1
                events.append(TraceEvent(workload: "w", timestampSeconds: t, kind: "phase", name: ["idle", "load", "crunch"][regime]))
                for _ in 0..<length where cpu.count < steps {
                    cpu.append((regime == 2 ? 0.9 : 0.3) + Double.random(in: -0.05...0.05, using: &generator))
                }
            }
        }
        let store = try HeadroomStore()
        var csv = "workload,timestamp,resource,value\n"
        for (k, v) in cpu.enumerated() { csv += "w,\(start + Int64(k) * interval),cpu_cores,\(v)\n" }
        let path = directory.appendingPathComponent("w.csv").path
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        _ = try TraceImporter(store: store, format: .generic, options: ImportOptions()).run(paths: [path])
        _ = try store.append(traceEvents: events, now: 0)
        return store
    }

    @Test("with the stored symbols the Brier score beats the same model filtered blind, and climatology")
    func symbolsUsed() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("headroom-heavy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try Self.plantedStore(steps: 2000, seed: 23, directory: directory)
        let split = Self.start + 1500 * Self.interval
        let training = try #require(try TrainingData.load(store: store, from: Self.start, until: split).first)
        let settings = BehaviourModels.Settings(minimumStates: 2, maximumStates: 4, maxIterations: 100, historySteps: 100_000, heavyThreshold: 0.8)
        let model = try BehaviourModels.fit(training, settings: settings, seed: 23).get()
        #expect(model.vocabulary != nil, "trained with symbols")
        let models = TrainedModels(version: "test", arima: [:], lstm: nil, behaviour: ["w": model])

        let cases = try EvaluationCases.load(store: store, from: split, to: Self.start + 2000 * Self.interval, history: .seconds(1500 * Self.interval),
                                             trainedWorkloads: nil)
        #expect(cases.count == 1)
        let symbols = EvaluationCases.stepSymbols(cases: cases, traceEvents: try EvaluationCases.traceEvents(store: store, cases: cases))
        let series = try #require(cases.first?.series)
        #expect(symbols["w"]?.count == series.steps)
        #expect(symbols["w"]?.contains("phase:load") == true)

        let informed = try #require(HeavyPhaseEvaluation.run(cases: cases, models: models, horizonSteps: 4, strideSteps: 1, stepSymbols: symbols))
        let blind = try #require(HeavyPhaseEvaluation.run(cases: cases, models: models, horizonSteps: 4, strideSteps: 1))
        let brier = try #require(informed.brier), blindBrier = try #require(blind.brier), climatology = try #require(informed.climatologyBrier)
        print("heavy-phase Brier: \(brier) with symbols, \(blindBrier) blind, \(climatology) climatology")
        #expect(informed.origins == blind.origins && informed.origins > 400)
        #expect(brier < blindBrier - 0.01, "the load phase announces the crunch")
        #expect(brier < climatology)
    }

    @Test("the risk track (calibration fit, risk evaluation) observes the stored events as the scorer does")
    func riskTrackObservesEvents() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("headroom-heavy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try Self.plantedStore(steps: 1800, seed: 11, directory: directory)
        let history = try #require(try TrainingData.load(store: store, from: Self.start, until: Self.start + 1800 * Self.interval).first)
        #expect(!history.traceEvents.isEmpty && history.traceEvents.allSatisfy { $0.kind == "phase" })
        let settings = BehaviourModels.Settings(minimumStates: 2, maximumStates: 4, maxIterations: 100, historySteps: 100_000, heavyThreshold: 0.8)
        var training = history
        training.series = history.series.slice(0..<1500)
        training.stepSymbols = history.stepSymbols.map { Array($0[0..<1500]) }
        let model = try BehaviourModels.fit(training, settings: settings, seed: 11).get()
        let models = TrainedModels(version: "test", arima: [:], lstm: nil, behaviour: ["w": model])
        let risk = try RiskModel(levels: [0.5, 0.9, 0.99], horizonSteps: 4, intervalSeconds: Self.interval, calibration: nil)
        let limits = [Double](repeating: .nan, count: Resource.count)
        func walk(_ events: [TraceEventRecord]) -> [RiskTrack.Point] {
            RiskTrack.walk(workload: "w", series: history.series, limits: limits, models: models, risk: risk, start: 1500, end: 1800,
                           traceEvents: events)
        }
        let informed = walk(history.traceEvents), blind = walk([])
        #expect(informed.count == blind.count && informed.count > 250)
        // Mean P(heavy within 4 steps) at steps announced as load (the online symbol lags the
        // phase event by one step: the step after the announcement).
        let symbols = try #require(history.stepSymbols)
        func meanAtLoad(_ points: [RiskTrack.Point]) -> Double {
            let load = points.filter { $0.step > 0 && symbols[$0.step - 1] == "phase:load" }
            return load.compactMap(\.score.heavyPhaseProbability).reduce(0, +) / Double(max(1, load.count))
        }
        print("risk track: mean heavy-phase probability during load \(meanAtLoad(informed)) with events, \(meanAtLoad(blind)) blind")
        #expect(meanAtLoad(informed) > meanAtLoad(blind) + 0.2)
    }
}
