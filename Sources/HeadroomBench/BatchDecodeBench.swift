import Foundation
import Hummingbird
import ScorerIntake

/// `headroom-bench batch-decode [--batches B] [--samples-per-batch N] [--traces-per-batch T] [--rounds R]`:
/// the scorer's intake of `POST /v1/samples` bodies alone — JSON decoding into the wire type
/// and the checks after it (`SampleBatch.parse`), no store — so that a change to the
/// protocol's decoding shows without the SQLite time `remote-write`'s batch-API peer includes.
///
/// Data (deterministic): B bodies as an agent sends them, N samples each (workloads
/// `w-0…`, 4 of the 6 resources measured, as the remote-write bench's rows) and T trace
/// events each (a phase with two attributes, a loop with a value, a kernel state), written as
/// text so the same file measures any version of the decoder. Every body is parsed R times;
/// reports resource values per CPU-second (process user + system) and bytes per second,
/// best of R.
enum BatchDecodeBench {
    static func run(_ arguments: [String]) {
        func option(_ name: String, _ fallback: Int) -> Int {
            guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count, let v = Int(arguments[i + 1]) else { return fallback }
            return v
        }
        let batches = option("--batches", 200), perBatch = option("--samples-per-batch", 500)
        let tracesPerBatch = option("--traces-per-batch", 30), rounds = max(1, option("--rounds", 5))
        let now = Int64(Date().timeIntervalSince1970)
        var bodies: [ByteBuffer] = []
        var values = 0, bytes = 0
        for b in 0..<batches {
            var text = "{\"pop\":\"ams1\",\"samples\":["
            for i in 0..<perBatch {
                if i > 0 { text += "," }
                let t = now - 3600 + Int64(b) * 15
                text += "{\"cpu_cores\":\(0.25 + Double(i % 13) * 0.125),\"disk_read_bytes_per_second\":\(Double(1 + i % 5) * 1e6),"
                    + "\"disk_write_bytes_per_second\":\(Double(1 + i % 3) * 5e5),\"memory_bytes\":\(1e8 + Double((i * 31 + b) % 97) * 1e6),"
                    + "\"timestamp\":\(t),\"workload\":\"w-\(i)\"}"
                values += 4
            }
            text += "],\"traces\":["
            for k in 0..<tracesPerBatch {
                if k > 0 { text += "," }
                let t = Double(now - 3600 + Int64(b) * 15) + Double(k) * 0.25
                switch k % 3 {
                case 0: text += "{\"attributes\":{\"file\":\"part-\(k).csv\",\"rows\":\(k * 100)},\"kind\":\"phase\",\"name\":\"load\",\"timestamp\":\(t),\"workload\":\"w-\(k)\"}"
                case 1: text += "{\"kind\":\"loop\",\"name\":\"rows\",\"timestamp\":\(t),\"value\":\(k * 10),\"workload\":\"w-\(k)\"}"
                default: text += "{\"kind\":\"state\",\"name\":\"S:futex\",\"timestamp\":\(t),\"workload\":\"w-\(k)\"}"
                }
            }
            text += "]}"
            bytes += text.utf8.count
            bodies.append(ByteBuffer(string: text))
        }
        print("batch-decode: \(batches) bodies × \(perBatch) samples (4 values) + \(tracesPerBatch) trace events, \(bytes / batches) bytes each, \(rounds) rounds")
        var best = Double.infinity
        do {
            for _ in 0..<rounds {
                let c0 = cpuSeconds()
                var parsed = 0
                for body in bodies { parsed += try SampleBatch.parse(body, maxSamples: 10_000, nowSeconds: now).samples.count }
                let cpu = cpuSeconds() - c0
                guard parsed == batches * perBatch else { print("batch-decode: parsed \(parsed) samples, expected \(batches * perBatch)"); return }
                best = min(best, cpu)
            }
        } catch {
            print("batch-decode: failed: \(error)")
            return
        }
        print(String(format: "  SampleBatch.parse: best %.3f s CPU per round: %.0f values/s per core, %.1f MB/s per core",
                     best, Double(values) / best, Double(bytes) / best / 1e6))
        print(String(format: "RESULT batch-decode values=%d bytes=%d cpu_s=%.3f values_per_cpu_s=%.0f", values, bytes, best, Double(values) / best))
    }

    static func cpuSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}
