import Forecast
import Foundation
import Hummingbird
import PrometheusIngest
import ScorerIntake
import Store

/// `headroom-bench remote-write [--workloads W] [--scrapes S] [--samples-per-request N]`:
/// Prometheus remote-write ingestion end to end into the store, beside the agent's batch
/// API on the same data in the same run.
///
/// Data (deterministic): W process groups as process-exporter reports them — 7 series each
/// (cpu user/system, memory resident/virtual/swapped, read and write bytes), every series one
/// sample per scrape (15 s apart), S scrapes. Remote write: requests of N samples in
/// series order per scrape (as Prometheus' queue packs them, default 2,000 =
/// `max_samples_per_send`), snappy-compressed protobuf built beforehand (the sender's
/// cost is not ours). Timed per request: snappy + protobuf decode, mapping
/// (config/prometheus/process-exporter.toml's rules), counter rates, row sums, the rows
/// merged in one transaction, the state committed — what `POST /api/v1/write` does before
/// the online states (no model is loaded: the scoring after the store is the same for both
/// paths and is `headroom-bench tick`'s subject).
///
/// Peer: the same rows (cpu, memory, read, write per workload and scrape), in the same order
/// (scrape by scrape), as `POST /v1/samples` JSON bodies of up to 500 samples (≈ the samples
/// per remote-write request ÷ 4 values), parsed by `SampleBatch.parse` and appended in one
/// transaction each.
///
/// Each into a fresh store file in the scratch directory (WAL on disk), or into the stores
/// `--store` and `--peer-store` name (empty PostgreSQL databases: `bench/store/ingest.sh`
/// runs both backends in one run). Reports samples
/// (Prometheus samples; for the peer, resource values) per CPU-second of the process (user
/// + system, so "per core") and per wall second. One `RESULT` line per path.
enum RemoteWriteBench {
    static func run(_ arguments: [String]) {
        func option(_ name: String, _ fallback: Int) -> Int {
            guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count, let v = Int(arguments[i + 1]) else { return fallback }
            return v
        }
        func text(_ name: String) -> String? {
            guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
            return arguments[i + 1]
        }
        let workloads = option("--workloads", 500), scrapes = option("--scrapes", 120), perRequest = max(7, option("--samples-per-request", 2000))
        // `--store URL` / `--peer-store URL`: empty PostgreSQL databases (or SQLite paths) to
        // write into instead of fresh SQLite files in the scratch directory.
        let storeLocation = text("--store"), peerLocation = text("--peer-store")
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("headroom-bench-rw-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        do {
            let mapping = try PrometheusMapping.load(path: root.appendingPathComponent("config/prometheus/process-exporter.toml").path)
            let now = Int64(Date().timeIntervalSince1970)
            let start = (now - Int64(scrapes) * 15 - 60) * 1000
            let (bodies, samples) = try requests(workloads: workloads, scrapes: scrapes, perRequest: perRequest, startMilliseconds: start)
            let compressed = bodies.reduce(0) { $0 + $1.count }
            print("remote-write: \(workloads) workloads × 7 series × \(scrapes) scrapes = \(samples) samples in \(bodies.count) requests (\(compressed / bodies.count) bytes each, snappy)")

            // Ours.
            let store = try HeadroomStore(location: storeLocation ?? scratch.appendingPathComponent("rw.sqlite").path)
            var assembler = SeriesAssembler(mapping: mapping)
            var rows = 0, taken = 0
            var phases = [Double](repeating: 0, count: 4)   // decode, plan, store, commit: process CPU seconds
            let t0 = DispatchTime.now().uptimeNanoseconds, c0 = cpuSeconds(), k0 = kernelSeconds()
            for body in bodies {
                var mark = cpuSeconds()
                func lap(_ k: Int) { let t = cpuSeconds(); phases[k] += t - mark; mark = t }
                let request = try RemoteWriteDecoder.decode(body: body, maxUncompressedBytes: 32 << 20)
                lap(0)
                let plan = try assembler.plan(request.timeseries, nowSeconds: now)
                lap(1)
                rows += try store.merge(samples: plan.rows.map { IncomingSample(workload: $0.workload, timestamp: $0.timestamp, values: $0.values) },
                                        source: "prometheus", now: now).written
                lap(2)
                assembler.commit(plan)
                lap(3)
                taken += plan.counts.taken
            }
            let wall = Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9, cpu = cpuSeconds() - c0, kernel = kernelSeconds() - k0
            print(String(format: "  CPU by phase: snappy+protobuf %.2f s, mapping+rates+sums %.2f s, store (one merge transaction per request) %.2f s, commit %.2f s; in the kernel (all phases) %.2f s",
                         phases[0], phases[1], phases[2], phases[3], kernel))
            print(String(format: "  remote write: %.2f s wall, %.2f s CPU: %.0f samples/s per core, %.0f samples/s wall (%d rows written, %d samples gave values)",
                         wall, cpu, Double(samples) / cpu, Double(samples) / wall, rows, taken))
            print(String(format: "RESULT remote-write samples=%d cpu_s=%.3f wall_s=%.3f samples_per_cpu_s=%.0f", samples, cpu, wall, Double(samples) / cpu))

            // Peer: the batch API on the rows the remote-write path stored.
            let series = try store.samples(workloads: try store.workloads().map(\.name), from: 0, to: now + 1)
            var items: [IncomingSample] = []
            for s in series {
                for i in 0..<s.count { items.append(IncomingSample(workload: s.workload, timestamp: s.timestamps[i], values: s.row(i).values)) }
            }
            // In the order of a live fleet's reports (every workload's sample of one scrape,
            // then the next), as the remote-write requests come: each transaction then touches
            // one B-tree leaf per workload, not a run of one workload's rows.
            items.sort { ($0.timestamp, $0.workload) < ($1.timestamp, $1.workload) }
            let values = items.reduce(0) { $0 + $1.values.filter(\.isFinite).count }
            var batchBodies: [ByteBuffer] = []
            for chunk in stride(from: 0, to: items.count, by: 500) {
                batchBodies.append(body(Array(items[chunk..<min(items.count, chunk + 500)])))
            }
            let peerStore = try HeadroomStore(location: peerLocation ?? scratch.appendingPathComponent("batch.sqlite").path)
            var inserted = 0
            let t1 = DispatchTime.now().uptimeNanoseconds, c1 = cpuSeconds()
            for body in batchBodies {
                let batch = try SampleBatch.parse(body, maxSamples: 10_000, nowSeconds: now)
                inserted += try peerStore.append(samples: batch.samples, traceEvents: batch.traces, now: now).samples.inserted
            }
            let wall1 = Double(DispatchTime.now().uptimeNanoseconds - t1) * 1e-9, cpu1 = cpuSeconds() - c1
            print(String(format: "  batch API (peer): %.2f s wall, %.2f s CPU: %.0f values/s per core (%d rows, %.0f rows/s per core), %d JSON bodies",
                         wall1, cpu1, Double(values) / cpu1, inserted, Double(inserted) / cpu1, batchBodies.count))
            print(String(format: "RESULT batch-api values=%d rows=%d cpu_s=%.3f wall_s=%.3f values_per_cpu_s=%.0f", values, inserted, cpu1, wall1, Double(values) / cpu1))
        } catch {
            print("remote-write: failed: \(error)")
        }
    }

    /// The requests a Prometheus scraping process-exporter would send.
    static func requests(workloads: Int, scrapes: Int, perRequest: Int, startMilliseconds: Int64) throws -> ([[UInt8]], Int) {
        var bodies: [[UInt8]] = []
        var pending: [Prometheus_TimeSeries] = []
        var pendingSamples = 0, total = 0
        func label(_ name: String, _ value: String) -> Prometheus_Label { var l = Prometheus_Label(); l.name = name; l.value = value; return l }
        var cpuSeconds = [Double](repeating: 0, count: workloads), bytes = [Double](repeating: 0, count: workloads)
        for scrape in 0..<scrapes {
            let t = startMilliseconds + Int64(scrape) * 15_000 + 3
            for w in 0..<workloads {
                let group = "group-\(w)"
                cpuSeconds[w] += 15 * (0.2 + 0.1 * Double(w % 7))
                bytes[w] += 15 * 1e6 * Double(1 + w % 5)
                let resident = 1e8 + 1e6 * Double((w * 31 + scrape) % 97)
                let all: [(String, [Prometheus_Label], Double)] = [
                    ("namedprocess_namegroup_cpu_seconds_total", [label("mode", "system")], cpuSeconds[w] * 0.2),
                    ("namedprocess_namegroup_cpu_seconds_total", [label("mode", "user")], cpuSeconds[w] * 0.8),
                    ("namedprocess_namegroup_memory_bytes", [label("memtype", "resident")], resident),
                    ("namedprocess_namegroup_memory_bytes", [label("memtype", "swapped")], 0),
                    ("namedprocess_namegroup_memory_bytes", [label("memtype", "virtual")], resident * 3),
                    ("namedprocess_namegroup_read_bytes_total", [], bytes[w]),
                    ("namedprocess_namegroup_write_bytes_total", [], bytes[w] / 2),
                ]
                for (name, extra, value) in all {
                    var ts = Prometheus_TimeSeries()
                    ts.labels = ([label("__name__", name), label("groupname", group), label("instance", "host-1:9256"), label("job", "process")] + extra)
                        .sorted { $0.name < $1.name }
                    var sample = Prometheus_Sample()
                    sample.timestamp = t
                    sample.value = value
                    ts.samples = [sample]
                    pending.append(ts)
                    pendingSamples += 1
                    total += 1
                    if pendingSamples == perRequest {
                        var request = Prometheus_WriteRequest()
                        request.timeseries = pending
                        bodies.append(try RemoteWriteDecoder.encode(request))
                        pending = []
                        pendingSamples = 0
                    }
                }
            }
        }
        if !pending.isEmpty {
            var request = Prometheus_WriteRequest()
            request.timeseries = pending
            bodies.append(try RemoteWriteDecoder.encode(request))
        }
        return (bodies, total)
    }

    /// A `POST /v1/samples` body.
    static func body(_ samples: [IncomingSample]) -> ByteBuffer {
        let names = Resource.allCases.map(\.snakeCaseName)
        var text = "{\"samples\":["
        for (i, sample) in samples.enumerated() {
            if i > 0 { text += "," }
            text += "{\"workload\":\"\(sample.workload)\",\"timestamp\":\(sample.timestamp)"
            for (r, v) in sample.values.enumerated() where v.isFinite { text += ",\"\(names[r])\":\(v)" }
            text += "}"
        }
        text += "]}"
        return ByteBuffer(string: text)
    }

    /// System (kernel) CPU seconds of the whole process: SQLite's WAL writes and checkpoints.
    static func kernelSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) * 1e-6
    }

    /// CPU seconds of the whole process (GRDB runs writes on its own queue's thread).
    static func cpuSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}
