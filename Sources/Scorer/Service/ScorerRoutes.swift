import Decisions
import Forecast
import Foundation
import Hummingbird
import Logging
import Models
import ScorerIntake
import Store

/// The HTTP API of `headroom-scorer serve` (JSON in and out, snake_case keys):
///
/// | method | path | who (`Credentials`) | what |
/// |---|---|---|---|
/// | GET | /healthz | anyone | `HealthReport`: `{"status":"ok"|"degraded"|"unhealthy","model_version":…,"model":{…},"store":{…},…}`; 503 while the store fails |
/// | GET | /metrics | anyone | Prometheus text format |
/// | GET | /openapi.yaml | anyone | this API as an OpenAPI 3.0 document (`OpenAPIDocument`) |
/// | POST | /v1/samples | operator, or the agent of the batch's `pop` | a batch (`SampleBatchBody`, checked by `SampleBatch.parse`) → `{"accepted","duplicates","new_workloads","scored","placed","traces","decisions"}` |
/// | GET | /v1/workloads/{name}/risk | reader, operator | the latest score (`ScoreBody`) |
/// | GET | /v1/workloads/{name}/forecast | reader, operator | quantiles per resource and step (`ForecastBody`) |
/// | GET | /v1/decisions?workload=&limit= | reader, operator | `{"decisions":[DecisionEntry…]}`, newest first, limit 1…1000 (default 100) |
/// | POST | /v1/agents/{pop}/heartbeat | operator, agent of {pop} | the agent is alive → `{"pop","last_seen"}` |
/// | GET | /v1/agents/{pop}/commands | operator, agent of {pop} | `{"pop","commands":[CommandBody…]}` (`CommandListBody`): pending and running, oldest first |
/// | POST | /v1/agents/{pop}/commands/{id} | operator, agent of {pop} | `{"state":"running"|"done"|"failed","steps":[…],"moved_bytes"?,"downtime_ms"?,"progress"?}` (`CommandReportBody`) → the command (`CommandBody`) |
/// | POST | /v1/pops/{pop}/status | operator, agent of {pop} (itself only) | `{"down":true|false}`: marks a POP down (its workloads restart elsewhere) or up |
/// | POST | /api/v1/write | operator, agent (rows mapped to its POPs) | Prometheus remote write 1.0 (snappy protobuf `WriteRequest`) through `--prometheus-mapping` → `RemoteWriteResult` (`ScorerRoutes+RemoteWrite`) |
///
/// A sharded scorer (`serve --shard i/n`) answers a batch, a per-workload read or a command
/// report for another shard's workloads with 421 Misdirected Request and
/// `{"error":{"message"},"shard":"i/n","owners":[{"shard","url","workloads"}]}`, nothing
/// written; remote write keeps its own workloads' series and names the others' owners in
/// `other_shards` (`ScoringService+Shards`).
///
/// A sample batch:
/// `{"pop":"ams1","samples":[{"workload":"w","timestamp":1375315200,"cpu_cores":1.5,"memory_bytes":2e9}],
///   "allocations":{"w":{"cpu_cores":2,"memory_bytes":4294967296}},"checkpoints":{"w":1375315000},
///   "traces":[{"workload":"w","timestamp":1375315199.5,"kind":"phase","name":"load"}]}` —
/// `pop`, `allocations`, `checkpoints`, `live_migratable` (workloads the agent moves live: its
/// VMs) and `traces` are optional (allocations, checkpoints and live_migratable
/// need `pop`); see `SampleBatchBody` (the type both ends use) and `SampleBatch` (the intake's checks).
/// A command (`CommandBody`): `{"id":7,"decision_id":31,"workload":"w","action":"resize","strategy":"resize",
/// "state":"pending","source_pop":"ams1","targets":[{"pop":"ams1","allocation":{"cpu_cores":2.4}}],
/// "checkpoint_at":null,"issued_at":1700000000,"steps":[]}`.
///
/// Every endpoint but `/healthz` and `/metrics` needs `Authorization: Bearer <token>` (the
/// GET reads not with `publicReads`): 401 without a known token, 403 when the token's role
/// does not allow it (an agent acting for another POP), nothing changed either way. A
/// malformed body gets 400 with the reason (naming the sample and field; a name, time or
/// value `InputRules` refuses is a `FieldViolation` naming index, workload, field, expected
/// and found), one over `maxBodyBytes` gets 413, and neither changes anything: a batch is
/// validated whole before it is written. A batch that would create workloads past the
/// cap is a 429. An unknown POP in a batch is a 400; in a path, 404. An unknown command
/// id is a 404; a state change that is not allowed (done → running) is a 409. A store
/// that fails (read-only, immutable, full, I/O error) is a 503 with the reason and a
/// `Retry-After`, never an empty 500 (`StoreFaultMiddleware`).
enum ScorerRoutes {
    struct Settings: Sendable {
        var credentials: Credentials
        var maxBodyBytes = 1 << 20
        var maxSamplesPerBatch = 10_000
        var maxTracesPerBatch = 10_000
        /// Largest remote-write body once decompressed (32 MiB: a 1 MiB snappy body of
        /// repetitive labels decompresses several-fold; Prometheus' default batch of 2,000
        /// samples is well under 1 MiB decompressed).
        var maxRemoteWriteBytes = 32 << 20

        init(credentials: Credentials, maxBodyBytes: Int = 1 << 20, maxSamplesPerBatch: Int = 10_000, maxTracesPerBatch: Int = 10_000) {
            self.credentials = credentials
            self.maxBodyBytes = maxBodyBytes
            self.maxSamplesPerBatch = maxSamplesPerBatch
            self.maxTracesPerBatch = maxTracesPerBatch
        }

        /// One operator token (the `--token-file` / `HEADROOM_SCORER_TOKEN` setup).
        /// - Throws: `CredentialsError.tooShort`.
        init(token: String, publicReads: Bool = false, maxBodyBytes: Int = 1 << 20, maxSamplesPerBatch: Int = 10_000,
             maxTracesPerBatch: Int = 10_000) throws {
            self.init(credentials: try Credentials(operatorToken: token, publicReads: publicReads), maxBodyBytes: maxBodyBytes,
                      maxSamplesPerBatch: maxSamplesPerBatch, maxTracesPerBatch: maxTracesPerBatch)
        }
    }

    /// Every route, as OpenAPI paths and lowercase methods (`OpenAPIDocument` describes each;
    /// `MethodNotAllowedMiddleware` answers 405 for other methods on these paths).
    static let table: [(path: String, method: String)] = [
        ("/healthz", "get"), ("/metrics", "get"), ("/openapi.yaml", "get"), ("/v1/samples", "post"),
        ("/v1/workloads/{name}/risk", "get"), ("/v1/workloads/{name}/forecast", "get"), ("/v1/decisions", "get"),
        ("/v1/agents/{pop}/heartbeat", "post"), ("/v1/agents/{pop}/commands", "get"), ("/v1/agents/{pop}/commands/{id}", "post"),
        ("/v1/pops/{pop}/status", "post"), ("/api/v1/write", "post"),
    ]

    static func router(service: ScoringService, settings: Settings, logger: Logger = Logger(label: "headroom-scorer")) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: RejectionCounter(metrics: service.metrics))
        router.add(middleware: MethodNotAllowedMiddleware())
        router.add(middleware: StoreFaultMiddleware(service: service, logger: logger))
        router.get("/healthz") { _, _ -> Response in
            let report = await service.health()
            var response = try encoded(report)
            if !report.healthy { response.status = .serviceUnavailable }
            return response
        }
        router.get("/openapi.yaml") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
        }
        router.get("/metrics") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(string: service.metrics.text() + (await service.workloadMetricsText()))))
        }
        router.post("/v1/samples") { request, context -> Response in
            let credential = try authenticate(request, settings)
            let body = try await collect(request, limit: settings.maxBodyBytes)
            let batch = try SampleBatch.parse(body, maxSamples: settings.maxSamplesPerBatch, maxTraces: settings.maxTracesPerBatch,
                                              nowSeconds: service.clock())
            try permit(credential, .ingest(pop: batch.pop))
            let agentPOPs: Set<String>? = if case .agent(let pops) = credential.role { pops } else { nil }
            do { return try encoded(try await service.ingest(batch, agentPOPs: agentPOPs)) } catch let error as StoreError {
                throw HTTPError(.badRequest, message: error.description)
            } catch let error as ServiceError {
                switch error {
                case .otherShard: return misdirected(error)
                case .workloadCap: throw HTTPError(.tooManyRequests, message: error.description)
                case .notAgentsWorkload: throw HTTPError(.forbidden, message: error.description)
                default: throw HTTPError(.badRequest, message: error.description)
                }
            }
        }
        router.get("/v1/workloads/:name/risk") { request, context -> Response in
            try authoriseRead(request, settings)
            let name = try context.parameters.require("name")
            if let answer = misdirected(workload: name, service) { return answer }
            guard let score = await service.score(workload: name) else {
                throw HTTPError(.notFound, message: "no score for workload \"\(name)\" (unknown, or no sample yet)")
            }
            return try encoded(ScoreBody(score, allocation: await service.allocation(workload: name) ?? []))
        }
        router.get("/v1/workloads/:name/forecast") { request, context -> Response in
            try authoriseRead(request, settings)
            let name = try context.parameters.require("name")
            if let answer = misdirected(workload: name, service) { return answer }
            guard let found = await service.forecast(workload: name), !found.forecast.isEmpty else {
                throw HTTPError(.notFound, message: "no forecast for workload \"\(name)\" (unknown, or no sample yet)")
            }
            return try encoded(ForecastBody(workload: name, levels: found.levels, intervalSeconds: found.intervalSeconds,
                                            timestamp: found.score?.timestamp, forecast: found.forecast))
        }
        addDecisionRoutes(to: router, service: service, settings: settings)
        addRemoteWriteRoute(to: router, service: service, settings: settings)
        return router
    }

    static func collect(_ request: Request, limit: Int) async throws -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw HTTPError(.contentTooLarge, message: "body of \(length) bytes is over the limit of \(limit)")
        }
        do { return try await request.body.collect(upTo: limit) } catch {
            throw HTTPError(.contentTooLarge, message: "body is over the limit of \(limit) bytes")
        }
    }

    static func encoded<T: Encodable>(_ value: T) throws -> Response {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    /// 421 Misdirected Request for `ServiceError.otherShard`: the message, this scorer's
    /// shard and the owners (`ShardOwner`: shard, URL, workloads), so a client re-sends each
    /// workload to its scorer. Other errors are not this answer's (a plain 400).
    static func misdirected(_ error: ServiceError) -> Response {
        guard case let .otherShard(shard, owners) = error else {
            return Response(status: .badRequest, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: error.description)))
        }
        struct Body: Encodable {
            struct Message: Encodable { var message: String }
            var error: Message
            var shard: String
            var owners: [ShardOwner]
        }
        var response = (try? encoded(Body(error: .init(message: error.description), shard: shard, owners: owners)))
            ?? Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: error.description)))
        response.status = .misdirectedRequest
        return response
    }

    /// The 421 answer when another shard owns `workload` (nil: this scorer does).
    static func misdirected(workload: String, _ service: ScoringService) -> Response? {
        do { try service.requireOwned([workload]) } catch let error as ServiceError { return misdirected(error) } catch { return nil }
        return nil
    }

    static func json(_ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object.mapValues { $0 is NSNull ? NSNull() : $0 }, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// A score as the API returns it: per-resource maps keyed by snake_case names, absent
/// values left out (JSON has no NaN).
struct ScoreBody: Encodable {
    var timestamp: Int64
    var risk: Double
    var rawRisk: Double
    var heavyPhaseProbability: Double?
    var resourceAtRisk: String?
    var expectedSecondsToBreach: Double?
    var plannedDemand: [String: Double]
    var exceedance: [String: Double]
    var allocation: [String: Double]

    init(_ s: WorkloadScore, allocation: [Double]) {
        timestamp = s.timestamp
        risk = s.risk
        rawRisk = s.rawRisk
        heavyPhaseProbability = s.heavyPhaseProbability
        resourceAtRisk = s.resourceAtRisk
        expectedSecondsToBreach = s.expectedSecondsToBreach
        plannedDemand = Self.named(s.plannedDemand)
        exceedance = Self.named(s.exceedance)
        self.allocation = Self.named(allocation)
    }

    static func named(_ values: [Double]) -> [String: Double] {
        var out: [String: Double] = [:]
        for (r, v) in values.enumerated() where v.isFinite && r < Resource.count { out[Resource(rawValue: r)!.snakeCaseName] = v }
        return out
    }
}

/// `{"workload":…, "levels":[0.5,0.9,0.99], "interval_seconds":300, "forecast":{"cpu_cores":[[p50,p90,p99] per step], …}}`.
struct ForecastBody: Encodable {
    var workload: String
    var levels: [Double]
    var intervalSeconds: Int64
    var timestamp: Int64?
    var forecast: [String: [[Double]]]

    init(workload: String, levels: [Double], intervalSeconds: Int64, timestamp: Int64?, forecast: [[Double]]) {
        self.workload = workload
        self.levels = levels
        self.intervalSeconds = intervalSeconds
        self.timestamp = timestamp
        var out: [String: [[Double]]] = [:]
        for (r, values) in forecast.enumerated() where values.contains(where: \.isFinite) {
            out[Resource(rawValue: r)!.snakeCaseName] = stride(from: 0, to: values.count, by: levels.count).map {
                Array(values[$0..<($0 + levels.count)])
            }
        }
        self.forecast = out
    }
}
