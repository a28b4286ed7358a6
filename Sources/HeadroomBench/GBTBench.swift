import Forecast
import Foundation

/// `headroom-bench gbt [--rows N] [--features D] [--trees T]`: the gradient-boosted trees
/// classifier (the learned risk model) — fit time and per-row score time. No peer run here;
/// the risk study (bench/risk on the research branch) fits LightGBM 4.7 with the same
/// hyperparameters on its ~0.4 M-row training sides in a few seconds on 2 cores.
///
/// Data (seeded): N rows × D features (default 1,000,000 × 22, the study's compact feature
/// set): a third standard normal, a third uniform ratios in [0, 1.5] with 5 % NaN, the rest
/// discrete (k/12, as a breach rate over the last hour); label ~ Bernoulli(σ(t)) with t a
/// fixed non-linear function of six features, ≈ 42 % positive. Spec: `GBTSpec()` defaults
/// (200 trees, depth 4, 15 leaves, η 0.05, 500 rows per leaf, subsample 0.7 / 0.8, 255 bins).
/// Scoring: `rawScore` over 256 held-out rows cycled, median of 9 batches of 200,000 calls.
/// Prints a summary and one machine-readable `RESULT` line.
enum GBTBench {
    static func run(_ arguments: [String]) {
        func option(_ name: String, _ fallback: Int) -> Int {
            guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count, let v = Int(arguments[i + 1]) else {
                return fallback
            }
            return v
        }
        let rows = option("--rows", 1_000_000), d = max(6, option("--features", 22)), trees = option("--trees", 200)
        var generator = SeededGenerator(seed: 42)
        let (features, labels) = synthetic(rows: rows, featureCount: d, generator: &generator)
        let (probe, _) = synthetic(rows: 256, featureCount: d, generator: &generator)
        var spec = GBTSpec()
        spec.treeCount = trees
        let start = DispatchTime.now().uptimeNanoseconds, startCPU = cpuSeconds()
        let model: GBTModel
        do {
            model = try spec.fit(features: features, featureCount: d, labels: labels, generator: &generator)
        } catch {
            print("gbt: fit failed: \(error)")
            return
        }
        let fitSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9, fitCPU = cpuSeconds() - startCPU
        let positives = Double(labels.filter { $0 }.count) / Double(rows)

        let batch = 200_000
        var sink = 0.0
        // Thread CPU time, not wall time: on a shared machine the wall clock counts other
        // processes' turns (the wall-clock median is printed beside it).
        func runBatch() -> (cpu: Double, wall: Double) {
            probe.withUnsafeBufferPointer { all in
                let begin = DispatchTime.now().uptimeNanoseconds, beginCPU = cpuSeconds()
                for i in 0..<batch {
                    let row = UnsafeBufferPointer(rebasing: all[((i & 255) * d)..<((i & 255) * d + d)])
                    sink += model.rawScore(row)
                }
                return ((cpuSeconds() - beginCPU) * 1e6 / Double(batch),
                        Double(DispatchTime.now().uptimeNanoseconds - begin) * 1e-3 / Double(batch))
            }
        }
        _ = runBatch()
        let runs = (0..<9).map { _ in runBatch() }
        let times = runs.map(\.cpu).sorted(), wall = runs.map(\.wall).sorted()
        print("gbt: \(rows) rows × \(d) features (\(String(format: "%.1f", 100 * positives)) % positive), "
            + "\(model.treeCount) trees, \(model.nodeCount) nodes")
        print(String(format: "  fit %.2f s wall, %.2f s CPU; training log loss %.4f → %.4f", fitSeconds, fitCPU,
                     model.trainingLogLoss.first ?? .nan, model.trainingLogLoss.last ?? .nan))
        print(String(format: "  score median %.3f µs CPU per row (min %.3f, max %.3f; wall median %.3f) [checksum %.6f]",
                     times[4], times[0], times[8], wall[4], sink / Double(10 * batch)))
        print(String(format: "RESULT gbt fit_s=%.3f fit_cpu_s=%.3f score_us=%.4f", fitSeconds, fitCPU, times[4]))
    }

    static func cpuSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    static func synthetic(rows: Int, featureCount d: Int, generator g: inout SeededGenerator) -> ([Double], [Bool]) {
        var x = [Double](repeating: 0, count: rows * d)
        var y = [Bool](repeating: false, count: rows)
        let third = d / 3
        for i in 0..<rows {
            for j in 0..<d {
                let v: Double
                if j < third { v = g.nextNormal() } else if j < 2 * third {
                    v = g.nextUniform() < 0.05 ? .nan : 1.5 * g.nextUniform()
                } else { v = Double(Int(g.nextUniform() * 13)) / 12 }
                x[i * d + j] = v
            }
            let base = i * d
            let ratio = x[base + third].isNaN ? 0.5 : x[base + third]
            let t = 2.5 * (ratio - 1) + 2 * x[base + 2 * third] + 0.6 * x[base] * x[base + 1]
                + (x[base + third + 1].isNaN ? 0.8 : 0) - 0.4 * abs(x[base + 2]) - 0.5
            y[i] = g.nextUniform() < 1 / (1 + exp(-t))
        }
        return (x, y)
    }
}
