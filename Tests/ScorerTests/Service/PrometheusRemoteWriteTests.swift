import Forecast
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HeadroomTestSupport
import Hummingbird
import HummingbirdTesting
import PrometheusIngest
@testable import Scorer
import Store
import Testing

/// Issue 14 against the real thing: Debian's `prometheus` scraping
/// `prometheus-process-exporter` (watching processes this test starts) every second, with
/// `remote_write` pointed at a live scorer behind an agent token; then the trainer's
/// `query_range` import from the same server. Skipped only when the binaries are absent
/// (`scripts/setup.sh` installs them).
@Suite(.serialized) struct PrometheusRemoteWriteTests {
    static let prometheus = "/usr/bin/prometheus"
    static let exporter = "/usr/bin/prometheus-process-exporter"
    static let installed = FileManager.default.isExecutableFile(atPath: prometheus)
        && FileManager.default.isExecutableFile(atPath: exporter)
        && FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
    static let agentToken = "prometheus-agent-token-0123456789"
    static let readerToken = "prometheus-reader-token-0123456789"

    @Test(.enabled(if: installed, "prometheus or prometheus-process-exporter is not installed (scripts/setup.sh installs both)"),
          .timeLimit(.minutes(2)))
    func remoteWriteFromARealPrometheusIsStoredScoredAndImportable() async throws {
        let directory = ScorerFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let tag = "hr" + String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let cpuWorkload = "\(tag)-cpu", memoryWorkload = "\(tag)-mem"
        // The shipped process-exporter mapping, with the POP line turned on.
        let shipped = try String(contentsOf: ScorerFixture.repositoryRoot.appendingPathComponent("config/prometheus/process-exporter.toml"), encoding: .utf8)
        let mappingText = shipped.replacingOccurrences(of: "# pop = \"ams1\"", with: "pop = \"ams1\"")
        #expect(mappingText != shipped, "the shipped mapping's commented pop line moved; update this test")
        let mappingPath = directory.appendingPathComponent("mapping.toml").path
        try mappingText.write(toFile: mappingPath, atomically: true, encoding: .utf8)
        let mapping = try PrometheusMapping.load(path: mappingPath)

        var credentials = Credentials()
        try credentials.add(token: Self.agentToken, role: .agent(pops: ["ams1"]), name: "prometheus")
        try credentials.add(token: Self.readerToken, role: .reader, name: "test reader")
        let h = try await ServiceHarness.make(credentials: credentials, newWorkloadIntervalSeconds: 1, prometheusMapping: mapping)

        // The watched processes: one busy loop, one holding 96 MiB it has touched.
        let burner = try Self.spawn("/usr/bin/python3", ["-c", "while True: pass", "hrtag=\(cpuWorkload)"])
        let holder = try Self.spawn("/usr/bin/python3", ["-c", "import time\nx = b'\\x01' * (96 << 20)\nwhile True: time.sleep(1)", "hrtag=\(memoryWorkload)"])
        // SIGKILL: the test process may ignore SIGTERM (ServiceLifecycle handles it through a
        // dispatch source), and an ignored signal stays ignored across exec in the children.
        defer { Self.kill(burner); Self.kill(holder) }

        try await h.application().test(.live) { client in
            let scorerPort = try #require(client.port)
            let exporterPort = try Self.freePort(), prometheusPort = try Self.freePort()
            let exporterConfig = directory.appendingPathComponent("process-exporter.yml")
            try """
                process_names:
                  - name: "{{.Matches.tag}}"
                    cmdline:
                      - 'hrtag=(?P<tag>\(tag)-[a-z]+)'
                """.write(to: exporterConfig, atomically: true, encoding: .utf8)
            let exporter = try Self.spawn(Self.exporter, ["-config.path", exporterConfig.path, "-web.listen-address", "127.0.0.1:\(exporterPort)",
                                                          "-threads=false", "-gather-smaps=false"], log: directory.appendingPathComponent("exporter.log"))
            defer { Self.kill(exporter) }
            let prometheusConfig = directory.appendingPathComponent("prometheus.yml")
            try """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                scrape_configs:
                  - job_name: process
                    static_configs:
                      - targets: ['127.0.0.1:\(exporterPort)']
                remote_write:
                  - url: http://127.0.0.1:\(scorerPort)/api/v1/write
                    authorization:
                      credentials: \(Self.agentToken)
                    queue_config:
                      batch_send_deadline: 1s
                      min_backoff: 100ms
                      max_backoff: 1s
                """.write(to: prometheusConfig, atomically: true, encoding: .utf8)
            let started = Int64(Date().timeIntervalSince1970)
            let server = try Self.spawn(Self.prometheus, ["--config.file=\(prometheusConfig.path)", "--storage.tsdb.path=\(directory.appendingPathComponent("tsdb").path)",
                                                          "--web.listen-address=127.0.0.1:\(prometheusPort)", "--log.level=warn"],
                                        log: directory.appendingPathComponent("prometheus.log"))
            defer { Self.kill(server) }
            let prometheusURL = "http://127.0.0.1:\(prometheusPort)"

            // 1. The scorer serves a risk and a forecast for both processes.
            let reader: HTTPFields = [.authorization: "Bearer \(Self.readerToken)"]
            var served: Set<String> = []
            let deadline = Date().addingTimeInterval(60)
            while served.count < 4, Date() < deadline {
                for name in [cpuWorkload, memoryWorkload] {
                    for path in ["risk", "forecast"] where !served.contains("\(name)/\(path)") {
                        let response = try await client.execute(uri: "/v1/workloads/\(name)/\(path)", method: .get, headers: reader)
                        if response.status == .ok { served.insert("\(name)/\(path)") }
                    }
                }
                if served.count < 4 { try await Task.sleep(for: .milliseconds(500)) }
            }
            let logs = { (try? String(contentsOf: directory.appendingPathComponent("prometheus.log"), encoding: .utf8)) ?? "" }
            try #require(served.count == 4, "served only \(served.sorted()) within 60 s; prometheus log:\n\(logs())")
            let risk = try ServiceHarness.json(try await client.execute(uri: "/v1/workloads/\(memoryWorkload)/risk", method: .get, headers: reader))
            #expect((risk["risk"] as? Double).map { (0...1).contains($0) } == true)
            // No series gives an allocation: the scorer's rule (p95 of its history + 20 %) does.
            let allocated = try #require((risk["allocation"] as? [String: Double])?["memory_bytes"], "\(risk)")
            #expect(allocated >= 96 * 1_048_576, "memory allocation \(allocated) below what the holder touched")

            // 2. Stored rates against the exporter: its counters read here, twice.
            let first = try await Self.scrape("http://127.0.0.1:\(exporterPort)/metrics")
            try await Task.sleep(for: .seconds(5))
            let second = try await Self.scrape("http://127.0.0.1:\(exporterPort)/metrics")
            let cpu = { (m: Scrape) in (m.values["namedprocess_namegroup_cpu_seconds_total{groupname=\"\(cpuWorkload)\",mode=\"user\"}"] ?? .nan)
                + (m.values["namedprocess_namegroup_cpu_seconds_total{groupname=\"\(cpuWorkload)\",mode=\"system\"}"] ?? .nan) }
            let exporterRate = (cpu(second) - cpu(first)) / second.time.timeIntervalSince(first.time)
            let resident = try #require(second.values["namedprocess_namegroup_memory_bytes{groupname=\"\(memoryWorkload)\",memtype=\"resident\"}"])
            // Wait until rows past the second scrape are stored.
            let until = Int64(second.time.timeIntervalSince1970) + 1
            var polls = 0
            while polls < 40, try Self.rows(h.store, cpuWorkload, column: "cpu_cores").last.map({ $0.timestamp < until }) ?? true {
                try await Task.sleep(for: .milliseconds(250))
                polls += 1
            }
            let cpuRows = try Self.rows(h.store, cpuWorkload, column: "cpu_cores")
            let window = cpuRows.filter { $0.timestamp > Int64(first.time.timeIntervalSince1970) && $0.timestamp <= Int64(second.time.timeIntervalSince1970) }
            try #require(window.count >= 3, "rows \(cpuRows.map(\.timestamp)) for the window \(first.time)–\(second.time)")
            let storedRate = window.map(\.value).reduce(0, +) / Double(window.count)
            #expect(exporterRate > 0.05, "the busy loop got \(exporterRate) cores")
            #expect(abs(storedRate - exporterRate) <= 0.25 * max(storedRate, exporterRate) + 0.05,
                    "stored mean \(storedRate) cores vs the exporter's \(exporterRate) over the same 5 s")
            let memoryRows = try Self.rows(h.store, memoryWorkload, column: "memory_bytes")
            let latestMemory = try #require(memoryRows.last?.value)
            #expect(latestMemory > 96 * 1_048_576 && abs(latestMemory - resident) <= 0.05 * resident, "stored \(latestMemory) vs exporter \(resident)")

            // Exactly: every stored rate is Prometheus' own raw samples' difference quotient.
            let raw = try await Self.rawSamples(prometheusURL, "namedprocess_namegroup_cpu_seconds_total{groupname=\"\(cpuWorkload)\"}[2m]")
            var exact = 0
            let stored = Dictionary(cpuRows.map { ($0.timestamp, $0.value) }, uniquingKeysWith: { a, _ in a })
            for k in 1..<raw.count {
                let expected = (raw[k].value - raw[k - 1].value) / (Double(raw[k].milliseconds - raw[k - 1].milliseconds) / 1000)
                guard raw[k].value >= raw[k - 1].value, let value = stored[raw[k].milliseconds / 1000] else { continue }
                #expect(abs(value - expected) <= 1e-9 * max(1, expected), "row \(raw[k].milliseconds / 1000): stored \(value), raw samples give \(expected)")
                exact += 1
            }
            #expect(exact >= 3, "only \(exact) stored rows matched raw samples")

            // 3. /metrics exports the workloads.
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains("headroom_workload_risk{workload=\"\(cpuWorkload)\",pop=\"ams1\"}"))
            #expect(metrics.contains("headroom_workload_forecast{workload=\"\(memoryWorkload)\",resource=\"memory_bytes\",quantile=\"0.9\"}"))
            #expect(metrics.contains("headroom_workload_allocation{workload=\"\(memoryWorkload)\",resource=\"memory_bytes\"}"))
            #expect(metrics.contains("headroom_prometheus_samples_taken_total"))

            // 4. History from the same server through query_range, in chunks, resumable.
            let importStore = directory.appendingPathComponent("import.sqlite").path
            let to = Int64(Date().timeIntervalSince1970) - 1
            let arguments = ["import", "--db", importStore, "--format", "prometheus", "--url", prometheusURL, "--mapping", mappingPath,
                             "--from", "\(started)", "--to", "\(to)", "--step", "2s", "--chunk-steps", "5", "--json", "--quiet"]
            let imported = try TestProcess.run("headroom-trainer", arguments)
            try #require(imported.status == 0, "import failed: \(imported.stderr)")
            let summary = try #require(try JSONSerialization.jsonObject(with: Data(imported.stdout.utf8)) as? [String: Any])
            #expect((summary["chunks"] as? Int ?? 0) >= 2 && summary["chunks_imported"] as? Int == summary["chunks"] as? Int, "\(summary)")
            let history = try HeadroomStore(path: importStore)
            let importedCPU = try Self.rows(history, cpuWorkload, column: "cpu_cores").filter { $0.timestamp > Int64(first.time.timeIntervalSince1970) && $0.timestamp <= Int64(second.time.timeIntervalSince1970) }
            try #require(importedCPU.count >= 2)
            let importedRate = importedCPU.map(\.value).reduce(0, +) / Double(importedCPU.count)
            #expect(abs(importedRate - storedRate) <= 0.3 * max(importedRate, storedRate) + 0.05, "query_range import \(importedRate) vs remote write \(storedRate) cores")
            let rawMemory = Set(try await Self.rawSamples(prometheusURL, "namedprocess_namegroup_memory_bytes{groupname=\"\(memoryWorkload)\",memtype=\"resident\"}[2m]").map(\.value))
            let importedMemory = try Self.rows(history, memoryWorkload, column: "memory_bytes")
            #expect(!importedMemory.isEmpty && importedMemory.allSatisfy { rawMemory.contains($0.value) }, "imported memory values are not raw samples")
            let again = try TestProcess.run("headroom-trainer", arguments)
            let second2 = try #require(try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any], "\(again.stderr)")
            #expect(again.status == 0 && second2["chunks_imported"] as? Int == 0 && second2["chunks_skipped"] as? Int == summary["chunks"] as? Int,
                    "a second import must skip every chunk: \(second2)")

            // 5. Killed mid-import (SIGKILL once two chunks are in), then run again: it resumes
            // at the first missing chunk and ends with exactly the rows of the whole import.
            let resumedStore = directory.appendingPathComponent("resumed.sqlite").path
            var fine = arguments
            fine[fine.firstIndex(of: importStore)!] = resumedStore
            fine[fine.firstIndex(of: "--chunk-steps")! + 1] = "1"   // one chunk per step
            let killed = try Self.spawn(try TestProcess.executable("headroom-trainer"), fine)
            var chunksIn = 0
            for _ in 0..<2000 where killed.isRunning && chunksIn < 2 {
                chunksIn = (try? Self.importedChunks(resumedStore)) ?? 0
                if chunksIn < 2 { try await Task.sleep(for: .milliseconds(5)) }
            }
            let wasKilled = killed.isRunning
            Self.kill(killed)
            let resumed = try TestProcess.run("headroom-trainer", fine)
            let resumedSummary = try #require(try JSONSerialization.jsonObject(with: Data(resumed.stdout.utf8)) as? [String: Any], "\(resumed.stderr)")
            if wasKilled {
                #expect((resumedSummary["chunks_skipped"] as? Int ?? 0) >= 2, "the resumed import redid finished chunks: \(resumedSummary)")
            }
            #expect((resumedSummary["chunks_skipped"] as? Int ?? 0) + (resumedSummary["chunks_imported"] as? Int ?? 0) == resumedSummary["chunks"] as? Int)
            let whole = try HeadroomStore(path: resumedStore)
            for (workload, column) in [(cpuWorkload, "cpu_cores"), (memoryWorkload, "memory_bytes")] {
                // (Up to a few seconds before --to: a scrape then may have landed in Prometheus
                // between the two imports.)
                let got = try Self.rows(whole, workload, column: column).filter { $0.timestamp <= to - 5 }
                let want = try Self.rows(history, workload, column: column).filter { $0.timestamp <= to - 5 }
                #expect(got.map(\.timestamp) == want.map(\.timestamp) && zip(got, want).allSatisfy { abs($0.value - $1.value) <= 1e-9 * max(1, abs($1.value)) },
                        "\(workload): the killed-and-resumed import differs from the whole one")
            }
        }
    }

    /// Chunks recorded by a `query_range` import in `path` (read while it runs: WAL).
    static func importedChunks(_ path: String) throws -> Int {
        guard FileManager.default.fileExists(atPath: path) else { return 0 }
        return try HeadroomStore.committedImports(path: path, format: "prometheus")
    }

    // MARK: Helpers

    struct Scrape {
        var time: Date
        var values: [String: Double]
    }

    /// The exporter's text format, as `name{labels}` → value.
    static func scrape(_ url: String) async throws -> Scrape {
        let time = Date()
        let (data, _) = try await URLSession.shared.data(from: URL(string: url)!)
        var values: [String: Double] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            values[String(line[..<space])] = value
        }
        return Scrape(time: time, values: values)
    }

    /// Raw samples of a range selector (summed over the series at each timestamp).
    static func rawSamples(_ base: String, _ selector: String) async throws -> [(milliseconds: Int64, value: Double)] {
        var components = URLComponents(string: base + "/api/v1/query")!
        components.queryItems = [URLQueryItem(name: "query", value: selector)]
        let (data, _) = try await URLSession.shared.data(from: components.url!)
        let series = try QueryRangeResponse.decode(data)
        var sums: [Int64: Double] = [:]
        for s in series { for sample in s.samples { sums[sample.timestamp, default: 0] += sample.value } }
        return sums.keys.sorted().map { ($0, sums[$0]!) }
    }

    static func rows(_ store: HeadroomStore, _ workload: String, column: String) throws -> [(timestamp: Int64, value: Double)] {
        guard let resource = Resource(snakeCaseName: column) else { throw FixtureError("no resource column \(column)") }
        guard try store.workload(named: workload) != nil else { return [] }
        let series = try store.samples(workloads: [workload], from: .min, to: .max)[0]
        return (0..<series.count).compactMap { i in
            let v = series.value(i, resource)
            return v.isNaN ? nil : (timestamp: series.timestamps[i], value: v)
        }
    }

    static func spawn(_ path: String, _ arguments: [String], log: URL? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let log {
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let handle = try FileHandle(forWritingTo: log)
            process.standardOutput = handle
            process.standardError = handle
        } else {
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        return process
    }

    static func kill(_ process: Process) {
        guard process.isRunning else { return }
        _ = Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// A loopback port free now (`TestProcess.freeLoopbackPort`).
    static func freePort() throws -> Int { try TestProcess.freeLoopbackPort() }
}
