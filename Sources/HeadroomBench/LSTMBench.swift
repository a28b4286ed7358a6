import Forecast
import Foundation

/// `headroom-bench lstm`: LSTM training throughput against PyTorch's `nn.LSTM` (bench/lstm/peer.py,
/// same shapes, run by bench/lstm/run.sh in the same run), plus single-thread sgemm peak in
/// this process so the GFLOP/s can be read as a share of what the BLAS can do here.
///
/// Workload (the peer's): batch 64, window 48, hidden 64, 4 inputs, a single-step head of 4
/// outputs (spec: horizonSteps 1, outputResources 4, quantiles [0.5]: pinball at τ = 0.5,
/// i.e. ½·|error|), Adam, global-norm clipping at 1; random N(0, 1) inputs and targets.
/// One "round" is a full `LSTMTrainer.fit` epoch of `--batches` minibatches (shuffle,
/// gather, forward, loss, BPTT, clipping, Adam), timed around the `fit` call.
///
/// FLOPs per sequence (multiply–add = 2; matrix products only, elementwise work not counted,
/// same nominal count for both sides):
///
///     forward gates      2·4H·T·(F + H)      (input projections + recurrent products)
///     weight gradients   2·4H·T·(F + H)      (∂W_ih, ∂W_hh)
///     ∂h_{t−1}           2·4H·T·H
///     head               6·H·O               (forward, ∂W_y, ∂h)
///
/// = 4,916,736 for T = 48, F = 4, H = 64, O = 4.
///
/// `headroom-bench lstm fleet [--workloads 40] [--days 60] [--full]`: the end-to-end check
/// of the `quick` profile instead: synthetic 5-min series of all six resources for a fleet,
/// features, windows, `LSTMTrainer.fit`, and accuracy on seen vs held-out (cold-start)
/// workloads (`fleet` below).
///
/// Options: --batch B --window T --hidden H --features F --outputs O --batches N --rounds R,
/// --train-only (skip the sgemm and inference measurements, for profiling).
/// The last line is machine-readable (`RESULT key=value …`) for run.sh.
enum LSTMBench {
    static func run(_ arguments: [String]) {
        if arguments.first == "fleet" {
            fleet(Array(arguments.dropFirst()))
            return
        }
        func option(_ name: String, _ fallback: Int) -> Int {
            guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count, let v = Int(arguments[i + 1]) else { return fallback }
            return v
        }
        let batch = option("--batch", 64), window = option("--window", 48), hidden = option("--hidden", 64)
        let features = option("--features", 4), outputs = option("--outputs", 4)
        let batches = option("--batches", 300), rounds = option("--rounds", 3)
        let env = ProcessInfo.processInfo.environment
        print("LSTM training benchmark: batch \(batch), window \(window), hidden \(hidden), \(features) in / \(outputs) out, "
              + "\(batches) batches per round, \(rounds) rounds")
        print("OPENBLAS_NUM_THREADS=\(env["OPENBLAS_NUM_THREADS"] ?? "unset") OPENBLAS_CORETYPE=\(env["OPENBLAS_CORETYPE"] ?? "unset") "
              + "OPENBLAS_L2_SIZE=\(env["OPENBLAS_L2_SIZE"] ?? "unset")")

        let spec = LSTMSpec(
            inputFeatures: features, hiddenSize: hidden, windowSteps: window, horizonSteps: 1, quantiles: [0.5],
            outputResources: outputs, batchSize: batch, learningRate: 1e-3, maxEpochs: 1, patience: 1, clipNorm: 1,
            validationFraction: 0, seed: 7, batchesPerEpoch: batches)
        let count = batch * batches
        var generator = SeededGenerator(seed: 2024)
        let inputs = (0..<(count * window * features)).map { _ in Float(generator.nextNormal()) }
        let targets = (0..<(count * outputs)).map { _ in Float(generator.nextNormal()) }
        let data = LSTMDataset(inputs: inputs, targets: targets, count: count, windowSteps: window, horizonSteps: 1,
                               featureWidth: features, targetWidth: outputs)
        let empty = LSTMDataset(inputs: [], targets: [], count: 0, windowSteps: window, horizonSteps: 1,
                                featureWidth: features, targetWidth: outputs)
        let (t, f, h, o) = (Double(window), Double(features), Double(hidden), Double(outputs))
        let flopsPerSequence = 2 * 4 * h * t * (f + h) * 2 + 2 * 4 * h * t * h + 6 * h * o

        // Warm-up epoch (page faults, OpenBLAS buffers), then timed rounds. Each round is
        // timed in wall-clock seconds (the headline) and in process CPU seconds (robust to
        // other processes competing for the cores; single-threaded, so CPU ≈ wall when idle).
        var wallPerRound: [Double] = [], cpuPerRound: [Double] = []
        for round in 0...rounds {
            let (wall0, cpu0) = (wallSeconds(), cpuSeconds())
            do {
                _ = try LSTMTrainer.fit(spec: spec, dataset: data, validation: empty)
            } catch {
                print("error: \(error)")
                return
            }
            if round > 0 {
                wallPerRound.append(wallSeconds() - wall0)
                cpuPerRound.append(cpuSeconds() - cpu0)
            }
        }
        let sequencesPerSecond = Double(count) / median(wallPerRound)
        let sequencesPerCPUSecond = Double(count) / median(cpuPerRound)
        let gflops = sequencesPerSecond * flopsPerSequence / 1e9
        let gflopsCPU = sequencesPerCPUSecond * flopsPerSequence / 1e9
        if arguments.contains("--train-only") {  // for profiling the training loop alone
            print(String(format: "training: %.0f sequences/s wall, %.0f per CPU second; %.1f / %.1f GFLOP/s",
                         sequencesPerSecond, sequencesPerCPUSecond, gflops, gflopsCPU))
            return
        }

        let smallPeak = sgemmGFLOPs(m: 64, n: 64, k: 256)
        let recurrentShape = sgemmGFLOPs(m: batch, n: 4 * hidden, k: hidden)
        let bigPeak = sgemmGFLOPs(m: 1024, n: 1024, k: 1024)
        let peak = max(smallPeak.wall, bigPeak.wall), peakCPU = max(smallPeak.cpu, bigPeak.cpu)

        // Inference: one 48-step window (batch 1), and one online step + forecast.
        let model = try! LSTMTrainer.fit(spec: spec, dataset: data, validation: empty).model
        let oneWindow = Array(inputs[0..<(window * features)])
        let predictMicroseconds = timeMicroseconds(repeats: 2_000) { _ = model.predict(window: oneWindow) }
        var online = LSTMOnlineState(model: model)
        let step = Array(inputs[0..<features])
        let stepMicroseconds = timeMicroseconds(repeats: 20_000) { online.step(features: step) }

        print("rounds, wall s: " + wallPerRound.map { String(format: "%.4f", $0) }.joined(separator: " ")
              + "; CPU s: " + cpuPerRound.map { String(format: "%.4f", $0) }.joined(separator: " "))
        print(String(format: "training: %.0f sequences/s wall, %.0f per CPU second (medians of %d rounds of %d sequences)",
                     sequencesPerSecond, sequencesPerCPUSecond, rounds, count))
        print(String(format: "FLOPs per sequence: %.0f  →  %.1f GFLOP/s wall, %.1f per CPU second", flopsPerSequence, gflops, gflopsCPU))
        print(String(format: "sgemm GFLOP/s here (wall / CPU time): 64×256·256×64 %.1f / %.1f, %d×%d·%d×%d (recurrent) %.1f / %.1f, "
                     + "1024³ %.1f / %.1f", smallPeak.wall, smallPeak.cpu, batch, hidden, hidden, 4 * hidden, recurrentShape.wall,
                     recurrentShape.cpu, bigPeak.wall, bigPeak.cpu))
        print(String(format: "share of sgemm peak: %.1f%% wall (peak %.1f), %.1f%% CPU time (peak %.1f)",
                     100 * gflops / peak, peak, 100 * gflopsCPU / peakCPU, peakCPU))
        print(String(format: "inference: predict(window:) batch 1 × %d steps %.1f µs; online step %.2f µs", window,
                     predictMicroseconds, stepMicroseconds))
        print(String(format: "RESULT seq_per_s=%.1f seq_per_cpu_s=%.1f gflops=%.2f gflops_cpu=%.2f flops_per_seq=%.0f "
                     + "sgemm_64x256x64=%.2f sgemm_recurrent=%.2f sgemm_1024=%.2f peak=%.2f peak_cpu=%.2f share=%.4f "
                     + "share_cpu=%.4f predict_us=%.2f step_us=%.3f",
                     sequencesPerSecond, sequencesPerCPUSecond, gflops, gflopsCPU, flopsPerSequence, smallPeak.wall,
                     recurrentShape.wall, bigPeak.wall, peak, peakCPU, gflops / peak, gflopsCPU / peakCPU, predictMicroseconds,
                     stepMicroseconds))
    }

    static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

    static func wallSeconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

    /// CPU time of the whole process (all threads), `CLOCK_PROCESS_CPUTIME_ID`.
    static func cpuSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    /// Best-of-5 GFLOP/s of C ← A·B (row-major, A m × k, B k × n), each sample ≥ 0.2 s, by
    /// wall-clock and by process CPU time.
    static func sgemmGFLOPs(m: Int, n: Int, k: Int) -> (wall: Double, cpu: Double) {
        var generator = SeededGenerator(seed: 1)
        let a = Matrix<Float>(rows: m, cols: k, storage: (0..<(m * k)).map { _ in Float(generator.nextNormal()) })
        let b = Matrix<Float>(rows: k, cols: n, storage: (0..<(k * n)).map { _ in Float(generator.nextNormal()) })
        var c = Matrix<Float>(rows: m, cols: n)
        let flops = 2 * Double(m) * Double(n) * Double(k)
        let calls = max(1, Int(0.2 / (flops / 100e9)))
        var best = (wall: 0.0, cpu: 0.0)
        a.withUnsafeView { av in
            b.withUnsafeView { bv in
                c.withUnsafeMutableView { cv in
                    BLAS.gemm(a: av, b: bv, c: cv)
                    for _ in 0..<5 {
                        let (wall0, cpu0) = (wallSeconds(), cpuSeconds())
                        for _ in 0..<calls { BLAS.gemm(a: av, b: bv, beta: 1, c: cv) }
                        let (wall, cpu) = (wallSeconds() - wall0, cpuSeconds() - cpu0)
                        best.wall = max(best.wall, flops * Double(calls) / wall / 1e9)
                        best.cpu = max(best.cpu, flops * Double(calls) / cpu / 1e9)
                    }
                }
            }
        }
        return best
    }

    /// Median over 5 batches of `repeats` calls, in µs per call.
    static func timeMicroseconds(repeats: Int, _ body: () -> Void) -> Double {
        body()
        var samples: [Double] = []
        for _ in 0..<5 {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<repeats { body() }
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-3 / Double(repeats))
        }
        return samples.sorted()[2]
    }
}

// MARK: - Fleet check

/// `headroom-bench lstm fleet`: how long the `quick` (or `--full`) profile takes on a fleet of
/// synthetic workloads, end to end, and how accurate it is on workloads it has seen versus
/// workloads held out of training (cold start: the global model forecasts them from their
/// first samples).
///
/// Each synthetic workload has 5-min samples of all six resources for `--days` days: a daily
/// cycle with a workload-specific phase and amplitude, a weekday/weekend factor, AR(1) noise,
/// rare bursts, and 1% of samples missing (NaN). CPU and memory have limits; disk and network
/// have none (scaled by their history quantile). One workload in eight is held out.
extension LSTMBench {
    static func fleet(_ arguments: [String]) {
        func option(_ name: String, _ fallback: Int) -> Int {
            guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count, let v = Int(arguments[i + 1]) else { return fallback }
            return v
        }
        let workloads = option("--workloads", 40), days = option("--days", 60)
        let spec = arguments.contains("--full") ? LSTMSpec.full : LSTMSpec.quick
        let steps = days * 288
        print("LSTM fleet check: \(workloads) workloads × \(days) days of 5-min samples (\(steps) each), profile "
              + (arguments.contains("--full") ? "full" : "quick") + ", H = \(spec.hiddenSize)")
        let (wall0, cpu0) = (wallSeconds(), cpuSeconds())
        var generator = SeededGenerator(seed: 99)
        var series: [LSTMWorkloadSeries] = []
        let start: Int64 = 1_704_067_200  // 2024-01-01 00:00 UTC, a Monday
        for w in 0..<workloads {
            let (values, limits) = synthetic(steps: steps, start: start, generator: &generator)
            let timestamps = (0..<steps).map { start + Int64($0) * 300 }
            series.append(try! LSTMWorkloadSeries(workload: "w\(w)", timestamps: timestamps, values: values, limits: limits))
        }
        let all = try! LSTMDataset(series: series, windowSteps: spec.windowSteps, horizonSteps: spec.horizonSteps)
        let heldOutNames = Set((0..<workloads).filter { $0 % 8 == 7 }.map { "w\($0)" })
        let (seen, coldStart) = all.split(heldOutWorkloads: heldOutNames)
        // Train on all but the last two weeks (a quarter of a shorter history) of the seen
        // workloads; test on those weeks.
        let cutoff = start + Int64(steps - min(14, max(1, days / 4)) * 288) * 300
        let (past, future) = seen.split(atTimestampSeconds: cutoff)
        let prepared = (wallSeconds() - wall0, cpuSeconds() - cpu0)
        print(String(format: "features and windows: %.2f s (%d windows; training %d, later weeks %d, held-out workloads %d)",
                     prepared.0, all.count, past.count, future.count, coldStart.count))

        let (wall1, cpu1) = (wallSeconds(), cpuSeconds())
        let result: LSTMFitResult
        do {
            result = try LSTMTrainer.fit(spec: spec, dataset: past, progress: { r in
                print(String(format: "  epoch %2d  train %.5f  validation %.5f  %.2f s%@", r.epoch, r.trainLoss, r.validationLoss,
                             r.seconds, r.improved ? "  *" : ""))
            })
        } catch {
            print("error: \(error)")
            return
        }
        let trained = (wallSeconds() - wall1, cpuSeconds() - cpu1)
        print(String(format: "fit: %.2f s wall, %.2f s CPU, best epoch %d of %d%@", trained.0, trained.1, result.bestEpoch,
                     result.history.count, result.stoppedEarly ? " (stopped early)" : ""))
        for (name, data) in [("later weeks, seen workloads", future), ("held-out workloads (cold start)", coldStart)] {
            let e = result.model.evaluate(data, maxWindows: 20_000)
            print(String(format: "%@: pinball %.5f; coverage of q0.5/q0.9/q0.99: %@; median |error| cpu %.4f, memory %.4f (scaled)",
                         name, e.meanPinballLoss, e.coverageByQuantile.map { String(format: "%.3f", $0) }.joined(separator: "/"),
                         e.medianAbsoluteErrorByResource[0], e.medianAbsoluteErrorByResource[1]))
        }
        // A brand-new workload with three hours of history: forecast from the global model.
        let (values, limits) = synthetic(steps: 36, start: start, generator: &generator)
        let fresh = try! LSTMWorkloadSeries(workload: "new", timestamps: (0..<36).map { start + Int64($0) * 300 },
                                            values: values, limits: limits)
        let forecast = result.model.predict(window: fresh.features)
        print(String(format: "new workload, 36 samples: next-step cpu quantiles %.3f / %.3f / %.3f of its limit",
                     forecast[step: 0, resource: 0, level: 0], forecast[step: 0, resource: 0, level: 1],
                     forecast[step: 0, resource: 0, level: 2]))
        print(String(format: "RESULT fleet_fit_s=%.2f fleet_fit_cpu_s=%.2f prepare_s=%.2f epochs=%d", trained.0, trained.1, prepared.0,
                     result.history.count))
    }

    /// One synthetic workload: values [steps × 6] (NaN = missing) and limits [6].
    static func synthetic(steps: Int, start: Int64, generator g: inout SeededGenerator) -> ([Double], [Double]) {
        let cpuLimit = Double(2 + Int(g.nextUniform() * 7)), memoryLimit = 4e9 * Double(1 + Int(g.nextUniform() * 4))
        let limits = [cpuLimit, memoryLimit, .nan, .nan, .nan, .nan]
        let level = (0..<6).map { _ in 0.2 + 0.4 * g.nextUniform() }
        let amplitude = (0..<6).map { _ in 0.1 + 0.3 * g.nextUniform() }
        let phase = 2 * Double.pi * g.nextUniform()
        let unit = [cpuLimit, memoryLimit, 5e7, 3e7, 1e8, 6e7]
        var noise = [Double](repeating: 0, count: 6)
        var values = [Double](repeating: .nan, count: steps * 6)
        for i in 0..<steps {
            let t = start + Int64(i) * 300
            let day = Double(t % 86_400) / 86_400
            let weekday = ((t / 86_400) + 3) % 7
            let weekFactor = weekday >= 5 ? 0.6 : 1.0
            let burst = g.nextUniform() < 0.002 ? 0.5 : 0
            for r in 0..<6 {
                noise[r] = 0.9 * noise[r] + 0.03 * g.nextNormal()
                let fraction = max(0, weekFactor * (level[r] + amplitude[r] * sin(2 * Double.pi * day + phase + Double(r)))
                                   + noise[r] + burst)
                if g.nextUniform() >= 0.01 { values[i * 6 + r] = fraction * unit[r] }
            }
        }
        return (values, limits)
    }
}
