import Forecast
import Foundation
import Models
import Store
import Testing

/// Issue 12, item 1: no sample can stop a workload's scoring. Hostile values (±1e308, ∞,
/// NaN, zeros, a timestamp far in the future) go through every member; a member state that
/// becomes degenerate is reset and counted, the heavy-phase probability stays a probability,
/// and normal samples afterwards give finite forecasts again.
@Suite("Online workload on hostile samples")
struct OnlineWorkloadRobustnessTests {
    static let limits = [8, 16e9, Double.nan, .nan, .nan, .nan]

    @Test("±1e308, ∞, NaN and zeros: degenerate ARIMA states are reset and counted, scoring recovers")
    func hostileValues() throws {
        let steps = 400
        let history = OnlineWorkloadTests.history(steps: steps)
        let models = try OnlineWorkloadTests.models(history: history, steps: steps)
        var online = OnlineWorkload(name: "w", models: models, intervalSeconds: OnlineWorkloadTests.interval, horizonSteps: 12,
                                    limits: Self.limits)
        var t = OnlineWorkloadTests.start
        func feed(_ values: [Double]) {
            let accepted = online.ingest(timestamp: t, values: values)
            #expect(accepted)
            t += OnlineWorkloadTests.interval
            let heavy = online.heavyPhaseProbability(withinSteps: 12)
            #expect(heavy.map { $0.isFinite && $0 >= 0 && $0 <= 1 } ?? true, "heavy-phase \(String(describing: heavy))")
            _ = online.forecast()
        }
        for k in 0..<300 { feed(Array(history[(k * 6)..<(k * 6 + 6)])) }
        let hostile: [Double] = [1e308, -1e308, .infinity, -.infinity, .nan, 0, .greatestFiniteMagnitude, 1e-310]
        for (i, v) in hostile.enumerated() {
            feed([v, hostile[(i + 3) % hostile.count], v, 0, v, .nan])
            feed([1e308, 1e308, 1e308, 1e308, 1e308, 1e308])
        }
        #expect(online.degenerateResets.arima > 0, "the Kalman states overflowed on 1e308 and were restarted")
        let resets = online.degenerateResets
        #expect(resets.total == resets.arima + resets.lstm + resets.hmm)
        // Normal samples afterwards: every member forecasts finite values again.
        for k in 300..<400 { feed(Array(history[(k * 6)..<(k * 6 + 6)])) }
        let members = online.memberForecasts()
        for r in [0, 1] {
            #expect(members.arima[r].allSatisfy { $0.isFinite }, "ARIMA \(r) after recovery: \(members.arima[r].prefix(3))")
            #expect(members.lstm[r].allSatisfy { $0.isFinite }, "LSTM \(r) after recovery")
        }
        let blended = online.forecast()
        #expect(blended[0].allSatisfy { $0.isFinite })
        let heavy = try #require(online.heavyPhaseProbability(withinSteps: 12))
        #expect(heavy >= 0 && heavy <= 1)
    }

    @Test("extreme timestamps and malformed rows are ignored, never trapped on")
    func extremeTimestamps() throws {
        let history = OnlineWorkloadTests.history(steps: 300)
        let models = try OnlineWorkloadTests.models(history: history, steps: 300)
        var online = OnlineWorkload(name: "w", models: models, intervalSeconds: OnlineWorkloadTests.interval, horizonSteps: 12,
                                    limits: Self.limits)
        let accepted = [online.ingest(timestamp: .min, values: Array(history[0..<6])),
                        online.ingest(timestamp: .max, values: Array(history[6..<12])),   // a gap beyond Int64: restarted
                        online.ingest(timestamp: 0, values: Array(history[12..<18])),     // before the last one: ignored
                        online.ingest(timestamp: .max, values: [1, 2])]                   // wrong width: ignored
        #expect(accepted == [true, true, false, false])
        _ = online.forecast()
        // A zero interval (from a store row) does not divide by zero.
        var zero = OnlineWorkload(name: "w", models: models, intervalSeconds: 0, horizonSteps: 0, limits: Self.limits)
        #expect(zero.intervalSeconds == 1 && zero.horizonSteps == 1)
        let first = zero.ingest(timestamp: 1, values: Array(history[0..<6]))
        let second = zero.ingest(timestamp: 2, values: Array(history[6..<12]))
        #expect(first && second)
        _ = zero.forecast()
    }
}
