import Forecast
import Foundation

/// `headroom-bench hmm`: Baum–Welch throughput against hmmlearn (bench/hmm/run.sh runs both).
///
/// Workload: /work/shared/bench/hmm_20x500x4.csv (20 sequences × 500 steps × 4 dimensions,
/// rows in order), 4 states, diagonal Gaussian, 50 EM iterations (tolerance 0: all 50 run)
/// from a fixed start: our k-means initialisation with seed 0 (`HMM.initialParameters`),
/// which `--write-init` saves as JSON for the peer (bench/hmm/peer.py) so both sides start
/// from identical numbers. hmmlearn-compatible priors: variancePrior 1e-2 (covars_prior).
///
/// Timed: `HMM.fit(initial:)` (50 E+M steps plus one forward pass to score the final
/// parameters), median of `--repeats` after one warm-up; and `logLikelihood` of a 48-step
/// window (the first 48 steps of sequence 0) under the fitted model, µs per call, median
/// of 7 batches. Prints a human summary and one machine-readable `RESULT` line.
///
/// Options: `--input PATH`, `--repeats N` (default 9), `--write-init PATH`.
enum HMMBench {
    static let sequences = 20, steps = 500, dimension = 4, states = 4, iterations = 50, windowSteps = 48

    static func run(_ arguments: [String]) {
        var input = "/work/shared/bench/hmm_20x500x4.csv"
        var repeats = 9
        var initPath: String?
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            let value: String? = index + 1 < arguments.count ? arguments[index + 1] : nil
            switch (argument, value) {
            case ("--input", let v?): input = v
            case ("--repeats", let v?): repeats = max(1, Int(v) ?? repeats)
            case ("--write-init", let v?): initPath = v
            default:
                print("usage: headroom-bench hmm [--input PATH] [--repeats N] [--write-init PATH]")
                return
            }
            index += 2
        }
        do {
            try benchmark(input: input, repeats: repeats, initPath: initPath)
        } catch {
            print("hmm benchmark failed: \(error)")
            exit(1)
        }
    }

    static func loadSequences(_ path: String) throws -> [HMMSequence] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var values: [Double] = []
        values.reserveCapacity(sequences * steps * dimension)
        for line in text.split(whereSeparator: \.isNewline) where !line.isEmpty {
            let fields = line.split(separator: ",")
            guard fields.count == dimension else {
                throw BenchError("\(path): a row has \(fields.count) fields, expected \(dimension)")
            }
            for field in fields {
                guard let x = Double(field) else { throw BenchError("\(path): not a number: \(field)") }
                values.append(x)
            }
        }
        guard values.count == sequences * steps * dimension else {
            throw BenchError("\(path): \(values.count / dimension) rows, expected \(sequences * steps)")
        }
        let rowLength = steps * dimension
        return (0..<sequences).map {
            HMMSequence(values: Array(values[($0 * rowLength)..<(($0 + 1) * rowLength)]), dimension: dimension)
        }
    }

    static func benchmark(input: String, repeats: Int, initPath: String?) throws {
        let data = try loadSequences(input)
        let spec = HMMSpec(states: states, emission: .gaussian(dimension: dimension), maxIterations: iterations,
                           tolerance: 0, initialization: .kMeans, seed: 0, variancePrior: 1e-2)
        var generator = SeededGenerator(seed: spec.seed)
        let initial = try HMM.initialParameters(data, spec: spec, generator: &generator)
        if let initPath { try writeInitial(initial, to: initPath) }

        let clock = ContinuousClock()
        var fitted = try HMM.fit(data, spec: spec, initial: initial)  // warm-up
        var fitMilliseconds: [Double] = [], fitCPUMilliseconds: [Double] = []
        for _ in 0..<repeats {
            var result: FittedHMM?
            let cpuBefore = threadCPUMilliseconds()
            let elapsed = try clock.measure { result = try HMM.fit(data, spec: spec, initial: initial) }
            fitCPUMilliseconds.append(threadCPUMilliseconds() - cpuBefore)
            fitted = result!
            fitMilliseconds.append(milliseconds(elapsed))
        }
        guard fitted.iterations == iterations else {
            throw BenchError("EM ran \(fitted.iterations) iterations, expected \(iterations)")
        }

        let window = data[0].slice(0..<windowSteps)
        let callsPerBatch = 20_000
        var sink = 0.0
        var scoreMicroseconds: [Double] = []
        for _ in 0..<7 {
            let elapsed = try clock.measure {
                for _ in 0..<callsPerBatch { sink += try fitted.logLikelihood(window) }
            }
            scoreMicroseconds.append(milliseconds(elapsed) * 1000 / Double(callsPerBatch))
        }
        let fitMedian = median(fitMilliseconds), scoreMedian = median(scoreMicroseconds)
        let fitCPUMedian = median(fitCPUMilliseconds)
        let finalLogLikelihood = fitted.logLikelihood
        let windowScore = try fitted.logLikelihood(window)
        print("HMM Baum–Welch: \(sequences) sequences × \(steps) steps × \(dimension) dims, \(states) states, "
            + "diag Gaussian, \(iterations) iterations (single thread)")
        print(String(format: "  fit:   median %.3f ms over %d runs (min %.3f, max %.3f); thread CPU time median %.3f ms",
                     fitMedian, repeats, fitMilliseconds.min()!, fitMilliseconds.max()!, fitCPUMedian))
        print(String(format: "  score: median %.3f µs per 48-step window", scoreMedian))
        print("  initial log-likelihood \(fitted.logLikelihoodHistory[0]), final \(finalLogLikelihood)")
        print("RESULT fit_ms=\(fitMedian) fit_cpu_ms=\(fitCPUMedian) score_us=\(scoreMedian) final_loglik=\(finalLogLikelihood) "
            + "initial_loglik=\(fitted.logLikelihoodHistory[0]) window_loglik=\(windowScore) iterations=\(fitted.iterations)"
            + (sink.isNaN ? " (nan)" : ""))
    }

    /// {"start": [K], "transition": [[K]], "means": [[D]], "variances": [[D]]}, doubles in
    /// shortest round-trip form (Python's float() reads them back exactly).
    static func writeInitial(_ p: HMMParameters, to path: String) throws {
        func list(_ values: [Double]) -> String { "[" + values.map { "\($0)" }.joined(separator: ", ") + "]" }
        func matrix(_ m: Matrix<Double>) -> String { "[" + m.rowArrays.map(list).joined(separator: ", ") + "]" }
        let json = "{\"start\": \(list(p.startProbabilities)), \"transition\": \(matrix(p.transitionProbabilities)), "
            + "\"means\": \(matrix(p.means!)), \"variances\": \(matrix(p.variances!))}\n"
        try json.write(toFile: path, atomically: true, encoding: .utf8)
    }

    static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }

    /// CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID), in ms: less sensitive than
    /// wall time to other processes on a busy machine.
    static func threadCPUMilliseconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) * 1000 + Double(spec.tv_nsec) / 1e6
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    struct BenchError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
