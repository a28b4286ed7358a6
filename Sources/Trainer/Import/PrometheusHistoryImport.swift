import Crypto
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PrometheusIngest
import Store
import Synchronization

/// `headroom-trainer import --format prometheus`: a Prometheus server's history through
/// `GET /api/v1/query_range`, mapped by the same file and `SeriesAssembler` as remote write,
/// so a workload's stored history and its live samples are the same numbers.
///
/// The range is cut into chunks (`QueryRangeChunks`); per chunk, one query per metric the
/// mapping reads, every sample mapped, and the chunk's rows written in ONE transaction
/// together with its row in `imported_files` (format `prometheus`, the SHA-256 of the
/// server, the mapping file's bytes, the step and the chunk's span). A chunk found there is
/// skipped, so an import that stopped (killed, the server down past the retries) resumes
/// at its first missing chunk when run again, and a finished one adds nothing.
///
/// A failed request is retried `retries` times with doubling waits (1 s, 2 s, 4 s, …) when
/// a retry can help — no answer, 5xx, 429 — and not for 4xx (a query the server refuses).
struct PrometheusHistoryImport {
    struct Options {
        var baseURL: URL
        var mappingPath: String
        var from: Int64
        var to: Int64
        var stepSeconds: Int64
        var stepsPerChunk: Int64 = 2016
        var retries = 5
        var firstRetryDelaySeconds = 1.0
        var timeoutSeconds = 60.0
    }

    struct Summary: Codable {
        var chunks = 0
        var chunksImported = 0
        var chunksSkipped = 0
        var rows = 0
        var samples = 0
        var workloads = 0
        var dropped: [String: Int] = [:]
        var seconds = 0.0

        var text: String {
            var lines = ["chunks: \(chunks) (\(chunksImported) imported, \(chunksSkipped) already in the store)",
                         "rows written: \(rows) (\(workloads) workloads), samples mapped: \(samples)"]
            let drops = dropped.filter { $0.value > 0 }.sorted { $0.key < $1.key }
            if !drops.isEmpty { lines.append("samples not stored: " + drops.map { "\($0.key) \($0.value)" }.joined(separator: ", ")) }
            lines.append(String(format: "%.1f s", seconds))
            return lines.joined(separator: "\n")
        }
    }

    struct ImportFailure: Error, CustomStringConvertible {
        var description: String
    }

    let store: HeadroomStore
    let options: Options

    /// Runs the import; `progress` gets a line per chunk.
    /// - Throws: `ImportFailure` naming the chunk, query and reason (chunks before it stay).
    func run(progress: (String, Double) -> Void) throws -> Summary {
        let started = Date()
        let mapping: PrometheusMapping
        let mappingBytes: Data
        do {
            mappingBytes = try Data(contentsOf: URL(fileURLWithPath: options.mappingPath))
            mapping = try PrometheusMapping(toml: String(decoding: mappingBytes, as: UTF8.self), source: options.mappingPath)
        } catch let error as MappingError {
            throw ImportFailure(description: "--mapping: \(error)")
        } catch {
            throw ImportFailure(description: "--mapping \(options.mappingPath): cannot be read (\(error.localizedDescription))")
        }
        let plan: QueryRangeChunks
        do { plan = try QueryRangeChunks(from: options.from, to: options.to, stepSeconds: options.stepSeconds, stepsPerChunk: options.stepsPerChunk) } catch {
            throw ImportFailure(description: "\(error)")
        }
        let mappingDigest = SHA256.hash(data: mappingBytes).map { String(format: "%02x", $0) }.joined()
        var assembler = SeriesAssembler(mapping: mapping, rowsPerWorkload: Int.max)
        var summary = Summary(chunks: plan.chunks.count)
        var workloads = Set<String>()
        for (k, chunk) in plan.chunks.enumerated() {
            let span = "\(Self.iso(chunk.start))–\(Self.iso(chunk.end))"
            let identity = "\(options.baseURL.absoluteString)\n\(mappingDigest)\n\(options.stepSeconds)\n\(chunk.start)\n\(chunk.end)"
            let key = SHA256.hash(data: Data(identity.utf8)).map { String(format: "%02x", $0) }.joined()
            if try store.hasImported(sha256: key, format: "prometheus", prefix: "", member: span) {
                summary.chunksSkipped += 1
                // The next chunk's counters need no baseline from this one: its query starts a step early.
                assembler.forgetRows()
                progress("chunk \(k + 1)/\(plan.chunks.count) \(span): already imported", Double(k + 1) / Double(plan.chunks.count))
                continue
            }
            var series: [Prometheus_TimeSeries] = []
            for metric in mapping.metricNames {
                series += try query(metric: metric, chunk: chunk, step: options.stepSeconds)
            }
            let chunkPlan: SeriesAssembler.Plan
            do { chunkPlan = try assembler.plan(series, nowSeconds: nil) } catch {
                throw ImportFailure(description: "chunk \(span): \(error)")
            }
            // The step before the chunk is only the counters' baseline (the previous chunk has it).
            let rows = chunkPlan.rows.filter { $0.timestamp >= chunk.start }
            let record = ImportedFileRecord(sha256: key, format: "prometheus", prefix: "", path: options.baseURL.absoluteString,
                                            member: span, rows: Int64(series.reduce(0) { $0 + $1.samples.count }),
                                            samples: Int64(rows.count), importedAt: Int64(Date().timeIntervalSince1970))
            let merged = try store.merge(samples: rows.map { IncomingSample(workload: $0.workload, timestamp: $0.timestamp, values: $0.values) },
                                         source: "prometheus", now: Int64(Date().timeIntervalSince1970), chunk: record)
            assembler.commit(chunkPlan)
            assembler.forgetRows()
            summary.chunksImported += 1
            summary.rows += merged.written
            summary.samples += chunkPlan.counts.taken
            workloads.formUnion(rows.map(\.workload))
            for (reason, n) in chunkPlan.counts.unmatched { summary.dropped[reason.rawValue, default: 0] += n }
            summary.dropped["stale", default: 0] += chunkPlan.counts.stale
            summary.dropped["counter_baseline", default: 0] += chunkPlan.counts.counterBaselines
            let elapsed = Date().timeIntervalSince(started)
            progress("chunk \(k + 1)/\(plan.chunks.count) \(span): \(rows.count) rows, \(summary.rows) so far, \(Int(Double(summary.rows) / max(elapsed, 1e-3))) rows/s",
                     Double(k + 1) / Double(plan.chunks.count))
        }
        summary.workloads = workloads.count
        summary.seconds = Date().timeIntervalSince(started)
        return summary
    }

    /// One `query_range` for `metric` over `chunk` (from its baseline step), retried.
    func query(metric: String, chunk: QueryRangeChunks.Chunk, step: Int64) throws -> [Prometheus_TimeSeries] {
        var components = URLComponents(url: options.baseURL.appendingPathComponent("api/v1/query_range"), resolvingAgainstBaseURL: false)
        components?.queryItems = [URLQueryItem(name: "query", value: metric), URLQueryItem(name: "start", value: "\(chunk.queryStart)"),
                                  URLQueryItem(name: "end", value: "\(chunk.end)"), URLQueryItem(name: "step", value: "\(step)")]
        guard let url = components?.url else { throw ImportFailure(description: "--url \(options.baseURL): cannot form a query_range URL from it") }
        var delay = options.firstRetryDelaySeconds
        var attempt = 0
        while true {
            let outcome = fetch(url)
            switch outcome {
            case .success(let status, let data) where status == 200:
                do { return try QueryRangeResponse.decode(data) } catch {
                    throw ImportFailure(description: "query_range \(metric) for \(Self.iso(chunk.start))–\(Self.iso(chunk.end)): \(error)")
                }
            case .success(let status, let data) where !(status >= 500 || status == 429):
                let reason = "HTTP \(status): \(String(decoding: data.prefix(300), as: UTF8.self))"
                throw ImportFailure(description: "query_range \(metric) at \(url): \(reason) (not retried: the server refuses this query)")
            default:
                attempt += 1
                guard attempt <= options.retries else {
                    throw ImportFailure(description: "query_range \(metric) at \(url): \(outcome.reason) after \(options.retries) retries; run the import again to resume from this chunk")
                }
                FileHandle.standardError.write(Data("import: query_range \(metric): \(outcome.reason); retry \(attempt)/\(options.retries) in \(delay) s\n".utf8))
                Thread.sleep(forTimeInterval: delay)
                delay *= 2
            }
        }
    }

    enum Outcome {
        case success(status: Int, data: Data)
        case failure(String)

        var reason: String {
            switch self {
            case .success(let status, let data): "HTTP \(status) \(String(decoding: data.prefix(200), as: UTF8.self))"
            case .failure(let message): message
            }
        }
    }

    /// A blocking GET (the trainer's commands are synchronous).
    func fetch(_ url: URL) -> Outcome {
        var request = URLRequest(url: url)
        request.timeoutInterval = options.timeoutSeconds
        let result = OutcomeBox()
        let done = DispatchSemaphore(value: 0)
        let task = URLSession.shared.dataTask(with: request) { data, response, error in
            let outcome: Outcome
            if let error { outcome = .failure(error.localizedDescription) } else if let http = response as? HTTPURLResponse {
                outcome = .success(status: http.statusCode, data: data ?? Data())
            } else {
                outcome = .failure("no HTTP answer")
            }
            result.value.withLock { $0 = outcome }
            done.signal()
        }
        task.resume()
        done.wait()
        return result.value.withLock { $0 }
    }

    /// The answer, handed from URLSession's delegate queue to the waiting thread.
    final class OutcomeBox: Sendable {
        let value = Mutex<Outcome>(.failure("no answer"))
    }

    static func iso(_ seconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}
