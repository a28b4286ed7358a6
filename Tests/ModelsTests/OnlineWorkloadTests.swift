import Forecast
import Foundation
import Models
import Store
import Testing

/// The online state against the batch paths it replaces: the same ARIMA filter run over
/// the whole history, `LSTMModel.predict` over a window, the HMM filter stepped by hand.
@Suite("Online workload state")
struct OnlineWorkloadTests {
    static let interval: Int64 = 300
    static let start: Int64 = 1_375_315_200  // 2013-08-01T00:00:00Z

    /// A daily-cycle CPU series and a slowly wandering memory series, seeded.
    static func history(steps: Int, seed: UInt64 = 7) -> [Double] {
        var generator = SeededGenerator(seed: seed)
        var values = [Double](repeating: .nan, count: steps * Resource.count)
        var memory = 4e9
        for k in 0..<steps {
            let phase = 2 * Double.pi * Double(k % 288) / 288
            values[k * Resource.count] = 2 + sin(phase) + 0.2 * Double.random(in: -1...1, using: &generator)
            memory += 1e7 * Double.random(in: -1...1, using: &generator)
            values[k * Resource.count + 1] = memory
        }
        return values
    }

    static func models(history: [Double], steps: Int, arimaResources: [Resource] = [.cpuCores, .memoryBytes]) throws -> TrainedModels {
        var arima: [SeriesARIMA] = []
        for resource in arimaResources {
            let y = (0..<steps).map { history[$0 * Resource.count + resource.rawValue] }
            arima.append(SeriesARIMA(workload: "w", resource: resource, firstTimestamp: start, intervalSeconds: interval,
                                     fitted: try AutoARIMA.fit(y)))
        }
        let spec = LSTMSpec(hiddenSize: 8, windowSteps: 24, horizonSteps: 12, maxEpochs: 1, patience: 1)
        let layout = (f: LSTMFeatureLayout.count, h: 8, o: 12 * Resource.count * 3)
        var generator = SeededGenerator(seed: 3)
        func weights(_ n: Int) -> [Float] { (0..<n).map { _ in Float.random(in: -0.3...0.3, using: &generator) } }
        let model = try LSTMModel(spec: spec, weightIH: weights(32 * layout.f), weightHH: weights(32 * 8), biasIH: weights(32),
                                  biasHH: weights(32), headWeight: weights(layout.o * 8), headBias: weights(layout.o))
        let scaling = LSTMWorkloadScaling(values: history, limits: [8, 16e9, .nan, .nan, .nan, .nan])
        let observations = (0..<steps).flatMap { k in [0, 1].map { scaling.scaled(history[k * Resource.count + $0], resource: $0) } }
        var hmmGenerator = SeededGenerator(seed: 5)
        let hmm = try HMM.fit([HMMSequence(values: observations, dimension: 2)],
                              spec: HMMSpec(states: 2, emission: .gaussian(dimension: 2), maxIterations: 20,
                                            heavyStateRule: .meanAbove(threshold: 0.3)),
                              generator: &hmmGenerator)
        return TrainedModels(version: "t", arima: ["w": arima], lstm: GlobalLSTM(model: model, scalings: ["w": scaling], evaluation: nil),
                             behaviour: ["w": BehaviourModel(workload: "w", dimensions: [0, 1], scaling: scaling, hmm: hmm)])
    }

    @Test("ARIMA states advanced one sample at a time equal the filter run over the whole history")
    func arimaMatchesBatch() throws {
        let steps = 600
        let values = Self.history(steps: steps)
        let models = try Self.models(history: values, steps: steps)
        var online = OnlineWorkload(name: "w", models: models, intervalSeconds: Self.interval, horizonSteps: 12, limits: [8, 16e9, .nan, .nan, .nan, .nan])
        let fed = 500
        for k in 0..<fed {
            let accepted = online.ingest(timestamp: Self.start + Int64(k) * Self.interval, values: Array(values[(k * 6)..<(k * 6 + 6)]))
            #expect(accepted)
        }
        let members = online.memberForecasts()
        for series in models.arima["w"]! {
            let r = series.resource.rawValue
            let y = (0..<fed).map { values[$0 * Resource.count + r] }
            let batch = series.fitted.filter(y, firstStep: 0).quantiles(horizon: 12, probabilities: [0.5, 0.9, 0.99])
            for h in 0..<12 { for j in 0..<3 {
                let expected = max(0, batch[h][j])
                #expect(abs(members.arima[r][h * 3 + j] - expected) <= 1e-9 * max(1, abs(expected)))
            } }
        }
        // Resources without a model forecast nothing.
        #expect(members.arima[2].allSatisfy { $0.isNaN })
    }

    @Test("the serving LSTM state after one window equals LSTMModel.predict on that window")
    func lstmMatchesPredict() throws {
        let values = Self.history(steps: 100)
        let models = try Self.models(history: values, steps: 100)
        let global = try #require(models.lstm)
        let scaling = global.scalings["w"]!
        var online = OnlineWorkload(name: "w", models: models, intervalSeconds: Self.interval, horizonSteps: 12, limits: [8, 16e9, .nan, .nan, .nan, .nan])
        var encoder = LSTMFeatureEncoder(scaling: scaling)
        var window: [Float] = []
        let w = global.model.spec.windowSteps
        for k in 0..<w {
            let t = Self.start + Int64(k) * Self.interval
            let row = Array(values[(k * 6)..<(k * 6 + 6)])
            online.ingest(timestamp: t, values: row)
            window += encoder.encode(timestampSeconds: t, values: row)
        }
        let expected = global.model.predict(window: window).unscaled(by: scaling)
        let got = online.memberForecasts().lstm
        for r in 0..<Resource.count { for h in 0..<12 { for j in 0..<3 {
            let e = max(0, expected[(h * Resource.count + r) * 3 + j])
            #expect(abs(got[r][h * 3 + j] - e) <= 1e-4 * max(1, abs(e)), "r \(r) h \(h) q \(j)")
        } } }
        // Past one window the forecast still comes from at most one window of history:
        // feeding on keeps it finite and within the model's reach (no unbounded state).
        for k in w..<100 { online.ingest(timestamp: Self.start + Int64(k) * Self.interval, values: Array(values[(k * 6)..<(k * 6 + 6)])) }
        let tail = online.memberForecasts().lstm[0]
        #expect(tail.allSatisfy { $0.isFinite })
    }

    @Test("gaps feed missing steps, late samples are ignored, the HMM filter advances per step")
    func gapsAndHMM() throws {
        let steps = 400
        let values = Self.history(steps: steps)
        let models = try Self.models(history: values, steps: steps)
        var online = OnlineWorkload(name: "w", models: models, intervalSeconds: Self.interval, horizonSteps: 12, limits: [8, 16e9, .nan, .nan, .nan, .nan])
        var filter = HMMFilterState(model: models.behaviour["w"]!.hmm)
        let b = models.behaviour["w"]!
        var y: [Double] = []
        for k in 0..<50 where k % 10 != 3 {  // every tenth-plus-three sample is missing
            let row = Array(values[(k * 6)..<(k * 6 + 6)])
            online.ingest(timestamp: Self.start + Int64(k) * Self.interval, values: row)
            if k % 10 == 4 {
                try filter.step(HMMObservation(values: [.nan, .nan]))
                y.append(.nan)
            }
            try filter.step(HMMObservation(values: b.dimensions.map { b.scaling.scaled(row[$0], resource: $0) }))
            y.append(row[0])
        }
        #expect(online.stepsFed == 50)
        let late = online.ingest(timestamp: Self.start + 10 * Self.interval, values: Array(values[0..<6]))
        #expect(!late)
        #expect(online.stepsFed == 50)
        let heavy = try #require(online.heavyPhaseProbability(withinSteps: 12))
        #expect(abs(heavy - filter.heavyPhaseProbability(withinSteps: 12)) < 1e-12)
        let cpu = models.arima["w"]!.first { $0.resource == .cpuCores }!
        let batch = cpu.fitted.filter(y, firstStep: 0).quantiles(horizon: 3, probabilities: [0.5, 0.9, 0.99])
        let got = online.memberForecasts().arima[0]
        #expect(abs(got[0] - max(0, batch[0][0])) < 1e-9)
        // The candidate blends the members; every value is a finite non-negative quantile,
        // non-decreasing across levels.
        let blend = online.forecast()
        for h in 0..<12 {
            let (q50, q90, q99) = (blend[0][h * 3], blend[0][h * 3 + 1], blend[0][h * 3 + 2])
            #expect(q50 >= 0)
            #expect(q50 <= q90 + 1e-12)
            #expect(q90 <= q99 + 1e-12)
        }
    }

    @Test("the blend computes only the weighted members, falling back to the others, with the same result as computing all; CPU and memory are the adaptive-window median's")
    func lazyMembers() throws {
        let steps = 1000   // past the median's warm-up (24 samples), so both sides are checked
        let values = Self.history(steps: steps)
        var models = try Self.models(history: values, steps: steps)
        // cpu: ARIMA alone; memory: naive alone; disk read: ARIMA alone although it has no
        // ARIMA model (the blend must fall back to the LSTM); the rest: LSTM and naive.
        models.blendWeights = [BlendWeights(arima: 1, lstm: 0, naive: 0), BlendWeights(arima: 0, lstm: 0, naive: 1),
                               BlendWeights(arima: 1, lstm: 0, naive: 0)]
            + .init(repeating: BlendWeights(arima: 0, lstm: 0.5, naive: 0.5), count: 3)
        var lazy = OnlineWorkload(name: "w", models: models, intervalSeconds: Self.interval, horizonSteps: 12, limits: [8, 16e9, .nan, .nan, .nan, .nan])
        var full = lazy
        // CPU and memory are the adaptive-window median's, fed the same samples.
        var medians = [AdaptiveWindowMedian(horizon: 12), AdaptiveWindowMedian(horizon: 12)]
        for k in 0..<steps {
            let row = Array(values[(k * 6)..<(k * 6 + 6)])
            lazy.ingest(timestamp: Self.start + Int64(k) * Self.interval, values: row)
            full.ingest(timestamp: Self.start + Int64(k) * Self.interval, values: row)
            medians[0].update(row[0])
            medians[1].update(row[1])
            guard k % 37 == 0 || k == steps - 1 else { continue }
            let got = lazy.forecast()
            let m = full.memberForecasts()
            for r in 0..<Resource.count {
                for i in got[r].indices {
                    let levels = [0.5, 0.9, 0.99]
                    let expected = r < 2 && medians[r].isWarm ? medians[r].quantile(step: i / 3, level: levels[i % 3])!
                        : models.blendWeights[r].combine(arima: m.arima[r][i], lstm: m.lstm[r][i], naive: m.naive[r][i])
                    #expect(got[r][i] == expected || (got[r][i].isNaN && expected.isNaN), "step \(k) resource \(r) value \(i)")
                }
            }
        }
        #expect(medians[0].isWarm && !AdaptiveWindowMedian(horizon: 12).isWarm)
        // The disk-read forecast came from the fallback (no ARIMA model for it).
        #expect(lazy.forecast()[2].contains { $0.isFinite })
    }

    @Test("a resource whose blend gives one member all the weight gets that member's forecast, bit for bit as combine gives it")
    func soleMemberBlend() throws {
        let steps = 300   // CPU and memory are blended until the median's warm-up (24 samples), then the median's
        let values = Self.history(steps: steps)
        var models = try Self.models(history: values, steps: steps)
        // LSTM alone, naive alone, ARIMA alone without an ARIMA model for disk read (the
        // fallback), LSTM alone, naive alone, and a mixed blend.
        models.blendWeights = [BlendWeights(arima: 0, lstm: 1, naive: 0), BlendWeights(arima: 0, lstm: 0, naive: 1),
                               BlendWeights(arima: 1, lstm: 0, naive: 0), BlendWeights(arima: 0, lstm: 1, naive: 0),
                               BlendWeights(arima: 0, lstm: 0, naive: 1), BlendWeights(arima: 0.5, lstm: 0.5, naive: 0)]
        var lazy = OnlineWorkload(name: "w", models: models, intervalSeconds: Self.interval, horizonSteps: 12,
                                  limits: [8, 16e9, .nan, .nan, .nan, .nan], advance: .weightedMembers)
        var full = OnlineWorkload(name: "w", models: models, intervalSeconds: Self.interval, horizonSteps: 12,
                                  limits: [8, 16e9, .nan, .nan, .nan, .nan])
        var medians = [AdaptiveWindowMedian(horizon: 12), AdaptiveWindowMedian(horizon: 12)]
        var compared = 0, blendedCPU = 0
        for k in 0..<steps {
            let row = Array(values[(k * 6)..<(k * 6 + 6)])
            lazy.ingest(timestamp: Self.start + Int64(k) * Self.interval, values: row)
            full.ingest(timestamp: Self.start + Int64(k) * Self.interval, values: row)
            medians[0].update(row[0])
            medians[1].update(row[1])
            guard k % 23 == 0 || (k < 24 && k % 5 == 0) || k == steps - 1 else { continue }
            let got = lazy.forecast()
            let m = full.memberForecasts()
            if !medians[0].isWarm { blendedCPU += 1 }
            for r in 0..<Resource.count {
                for i in got[r].indices {
                    let levels = [0.5, 0.9, 0.99]
                    let expected = r < 2 && medians[r].isWarm ? medians[r].quantile(step: i / 3, level: levels[i % 3])!
                        : models.blendWeights[r].combine(arima: m.arima[r][i], lstm: m.lstm[r][i], naive: m.naive[r][i])
                    #expect(got[r][i].bitPattern == expected.bitPattern || (got[r][i].isNaN && expected.isNaN),
                            "step \(k) resource \(r) value \(i): \(got[r][i]) vs \(expected)")
                    if got[r][i].isFinite { compared += 1 }
                }
            }
        }
        #expect(compared > 13 * 6 * 36 / 2)
        #expect(blendedCPU == 5)   // k = 0, 5, 10, 15, 20: CPU's LSTM alone and memory's naive alone
        let diskRead = lazy.forecast()[2]
        #expect(diskRead.allSatisfy { $0.isFinite })
    }

    @Test("advancing only the weighted members gives the same blend; an unweighted ARIMA state is left behind")
    func weightedMembersOnly() throws {
        let steps = 400
        var values = Self.history(steps: steps)
        for k in 0..<steps {   // disk read and network receive measured too: CPU's and memory's paths
            values[k * Resource.count + 2] = values[k * Resource.count] * 1e6
            values[k * Resource.count + 4] = values[k * Resource.count + 1] / 1e3
        }
        // ARIMA for disk read and network receive: CPU's and memory's are released once the
        // median is warm (24 samples), so these two carry the test past that.
        var models = try Self.models(history: values, steps: steps, arimaResources: [.diskReadBytesPerSecond, .networkReceiveBytesPerSecond])
        // disk read: ARIMA and naive; network receive (which has an ARIMA model): LSTM and naive only.
        models.blendWeights = [BlendWeights(arima: 0, lstm: 0.5, naive: 0.5), BlendWeights(arima: 0, lstm: 0.5, naive: 0.5),
                               BlendWeights(arima: 0.6, lstm: 0, naive: 0.4), BlendWeights(arima: 0, lstm: 0.5, naive: 0.5),
                               BlendWeights(arima: 0, lstm: 0.5, naive: 0.5), BlendWeights(arima: 0, lstm: 0.5, naive: 0.5)]
        let limits = [8, 16e9, Double.nan, .nan, .nan, .nan]
        var scorer = OnlineWorkload(name: "w", models: models, intervalSeconds: Self.interval, horizonSteps: 12, limits: limits,
                                    advance: .weightedMembers)
        var full = OnlineWorkload(name: "w", models: models, intervalSeconds: Self.interval, horizonSteps: 12, limits: limits)
        var compared = 0
        for k in 0..<steps {
            let row = Array(values[(k * 6)..<(k * 6 + 6)])
            scorer.ingest(timestamp: Self.start + Int64(k) * Self.interval, values: row)
            full.ingest(timestamp: Self.start + Int64(k) * Self.interval, values: row)
            guard k % 29 == 0 || k == steps - 1 else { continue }
            let got = scorer.forecast(), expected = full.forecast()
            for r in 0..<Resource.count {
                for i in got[r].indices {
                    #expect(got[r][i] == expected[r][i] || (got[r][i].isNaN && expected[r][i].isNaN), "step \(k) resource \(r) value \(i)")
                    compared += 1
                }
            }
        }
        #expect(compared > 0)
        // The members themselves: disk read's ARIMA is current, network receive's was never advanced.
        let scorerMembers = scorer.memberForecasts(), fullMembers = full.memberForecasts()
        #expect(scorerMembers.arima[2] == fullMembers.arima[2] && scorerMembers.arima[2].allSatisfy { $0.isFinite })
        #expect(fullMembers.arima[4].allSatisfy { $0.isFinite })
        #expect(scorerMembers.arima[4].allSatisfy { $0.isNaN })
    }
}
