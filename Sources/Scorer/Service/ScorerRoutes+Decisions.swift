import Decisions
import Foundation
import Hummingbird
import ScorerIntake

extension ScorerRoutes {
    /// The decision journal, the agents' command channel and POP status (see the table on
    /// `ScorerRoutes`).
    static func addDecisionRoutes(to router: Router<BasicRequestContext>, service: ScoringService, settings: Settings) {
        router.get("/v1/decisions") { request, _ -> Response in
            try authoriseRead(request, settings)
            let limitText = request.uri.queryParameters.get("limit") ?? "100"
            guard let limit = Int(limitText), (1...1000).contains(limit) else {
                throw HTTPError(.badRequest, message: "limit=\(limitText): expected an integer 1…1000")
            }
            let workload = request.uri.queryParameters.get("workload")
            return try encoded(["decisions": try service.decisions(workload: workload, limit: limit)])
        }
        router.post("/v1/agents/:pop/heartbeat") { request, context -> Response in
            let pop = try context.parameters.require("pop")
            try authorise(request, settings, .agent(pop: pop))
            try await notFoundIfUnknown { try await service.heartbeat(pop: pop) }
            return json(["pop": pop, "last_seen": await service.popLastSeen[pop] as Any? ?? NSNull()])
        }
        router.get("/v1/agents/:pop/commands") { request, context -> Response in
            let pop = try context.parameters.require("pop")
            try authorise(request, settings, .agent(pop: pop))
            let commands = try await notFoundIfUnknown { try service.commands(pop: pop) }
            return try encoded(CommandList(pop: pop, commands: commands))
        }
        router.post("/v1/agents/:pop/commands/:id") { request, context -> Response in
            let pop = try context.parameters.require("pop")
            try authorise(request, settings, .agent(pop: pop))
            let idText = try context.parameters.require("id")
            guard let id = Int64(idText) else { throw HTTPError(.notFound, message: "no command \(idText) (ids are integers)") }
            let ack = try CommandAck.parse(try await collect(request, limit: settings.maxBodyBytes))
            do {
                return try encoded(try await service.acknowledge(pop: pop, id: id, state: ack.state, steps: ack.steps,
                                                                 movedBytes: ack.movedBytes, downtimeMs: ack.downtimeMs, progress: ack.progress))
            } catch let error as ServiceError {
                switch error {
                case .unknownPOP, .unknownCommand: throw HTTPError(.notFound, message: error.description)
                case .transitionNotAllowed: throw HTTPError(.conflict, message: error.description)
                case .workloadCap: throw HTTPError(.tooManyRequests, message: error.description)
                case .notAgentsWorkload, .remoteWriteOutsideAgent: throw HTTPError(.forbidden, message: error.description)
                }
            }
        }
        router.post("/v1/pops/:pop/status") { request, context -> Response in
            let pop = try context.parameters.require("pop")
            try authorise(request, settings, .setStatus(pop: pop))
            let body = try await collect(request, limit: settings.maxBodyBytes)
            let down = try POPStatusBody.parse(body)
            let journaled = try await notFoundIfUnknown { try await service.setDown(pop: pop, down: down) }
            return json(["pop": pop, "down": down, "decisions": journaled])
        }
    }

    struct CommandList: Encodable {
        var pop: String
        var commands: [CommandEntry]
    }

    /// Runs `body`, turning an unknown POP into a 404.
    static func notFoundIfUnknown<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as ServiceError {
            throw HTTPError(.notFound, message: error.description)
        }
    }
}

/// `POST /v1/agents/{pop}/commands/{id}` bodies, parsed strictly:
/// `{"state":"running"|"done"|"failed","steps":["dumped","copied"],"moved_bytes":1e9,"downtime_ms":120}`
/// (`steps` defaults to [], the two numbers are optional and only kept with `done`), and
/// optionally a VM live migration's `"progress": {"transferred_bytes", "remaining_bytes",
/// "total_bytes", "dirty_bytes_per_second", "rounds"}` (all numbers ≥ 0, all required).
struct CommandAck: Sendable {
    var state: CommandState
    var steps: [String]
    var movedBytes: Double?
    var downtimeMs: Double?
    var progress: MigrationProgressReport?

    private struct Body: Decodable {
        var ack: CommandAck
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: SampleBatch.Key.self)
            if let unknown = c.allKeys.map(\.stringValue).sorted().first(where: { !["state", "steps", "moved_bytes", "downtime_ms", "progress"].contains($0) }) {
                throw SampleBatch.BatchError("unknown field \"\(unknown)\"; expected state, steps, moved_bytes, downtime_ms, progress")
            }
            let text = try c.decode(String.self, forKey: .init(stringValue: "state"))
            guard let state = CommandState(rawValue: text) else {
                throw SampleBatch.BatchError("state: \"\(text)\"; expected \"running\", \"done\" or \"failed\"")
            }
            let steps = try c.decodeIfPresent([String].self, forKey: .init(stringValue: "steps")) ?? []
            func number(_ key: String) throws -> Double? {
                guard let v = try c.decodeIfPresent(Double.self, forKey: .init(stringValue: key)) else { return nil }
                guard v.isFinite, v >= 0 else { throw SampleBatch.BatchError("\(key): \(v); expected a number ≥ 0") }
                return v
            }
            var progress: MigrationProgressReport?
            if c.contains(.init(stringValue: "progress")) {
                let p = try c.nestedContainer(keyedBy: SampleBatch.Key.self, forKey: .init(stringValue: "progress"))
                let keys = ["transferred_bytes", "remaining_bytes", "total_bytes", "dirty_bytes_per_second", "rounds"]
                if let unknown = p.allKeys.map(\.stringValue).sorted().first(where: { !keys.contains($0) }) {
                    throw SampleBatch.BatchError("progress: unknown field \"\(unknown)\"; expected \(keys.joined(separator: ", "))")
                }
                func value(_ key: String) throws -> Double {
                    guard let v = try p.decodeIfPresent(Double.self, forKey: .init(stringValue: key)) else {
                        throw SampleBatch.BatchError("progress.\(key): missing; expected a number ≥ 0")
                    }
                    guard v.isFinite, v >= 0 else { throw SampleBatch.BatchError("progress.\(key): \(v); expected a number ≥ 0") }
                    return v
                }
                progress = MigrationProgressReport(transferredBytes: try value("transferred_bytes"), remainingBytes: try value("remaining_bytes"),
                                                   totalBytes: try value("total_bytes"), dirtyBytesPerSecond: try value("dirty_bytes_per_second"),
                                                   rounds: Int(min(try value("rounds"), 1e9)))
            }
            ack = CommandAck(state: state, steps: steps, movedBytes: try number("moved_bytes"), downtimeMs: try number("downtime_ms"),
                             progress: progress)
        }
    }

    static func parse(_ body: ByteBuffer) throws -> CommandAck {
        do {
            return try JSONDecoder().decode(Body.self, from: Data(buffer: body)).ack
        } catch let error as SampleBatch.BatchError {
            throw HTTPError(.badRequest, message: error.message)
        } catch let DecodingError.dataCorrupted(context) where context.underlyingError is SampleBatch.BatchError {
            throw HTTPError(.badRequest, message: (context.underlyingError as! SampleBatch.BatchError).message)
        } catch let DecodingError.keyNotFound(key, _) {
            throw HTTPError(.badRequest, message: "\(key.stringValue): missing; expected {\"state\": \"running\"|\"done\"|\"failed\", \"steps\": [...]}")
        } catch let DecodingError.typeMismatch(type, context) {
            throw HTTPError(.badRequest, message: "\(SampleBatch.path(context.codingPath)): expected \(type == [String].self ? "an array of strings" : SampleBatch.describe(type))")
        } catch {
            throw HTTPError(.badRequest, message: "body is not a command acknowledgement {\"state\": \"running\"|\"done\"|\"failed\", \"steps\": [...]}")
        }
    }
}

/// `POST /v1/pops/{pop}/status` bodies: `{"down": true|false}`, nothing else.
struct POPStatusBody: Decodable {
    var down: Bool
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: SampleBatch.Key.self)
        guard c.allKeys.map(\.stringValue) == ["down"] else { throw SampleBatch.BatchError("expected {\"down\": true|false}") }
        down = try c.decode(Bool.self, forKey: .init(stringValue: "down"))
    }

    static func parse(_ body: ByteBuffer) throws -> Bool {
        do { return try JSONDecoder().decode(Self.self, from: Data(buffer: body)).down } catch {
            throw HTTPError(.badRequest, message: "expected {\"down\": true|false}")
        }
    }
}

/// Counts every 4xx answer in `headroom_requests_rejected_total`.
struct RejectionCounter<Context: RequestContext>: RouterMiddleware {
    let metrics: ScorerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            if (400..<500).contains(response.status.code) { metrics.requestsRejected.increment() }
            return response
        } catch let error as any HTTPResponseError {
            if (400..<500).contains(error.status.code) { metrics.requestsRejected.increment() }
            throw error
        }
    }
}
