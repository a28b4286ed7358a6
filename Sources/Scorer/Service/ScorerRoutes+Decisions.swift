import Decisions
import Foundation
import Hummingbird
import ScorerIntake
import Wire

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
            return try encoded(CommandListBody(pop: pop, commands: commands.map(CommandBody.init)))
        }
        router.post("/v1/agents/:pop/commands/:id") { request, context -> Response in
            let pop = try context.parameters.require("pop")
            try authorise(request, settings, .agent(pop: pop))
            let idText = try context.parameters.require("id")
            guard let id = Int64(idText) else { throw HTTPError(.notFound, message: "no command \(idText) (ids are integers)") }
            let report = try CommandReportBody.parse(try await collect(request, limit: settings.maxBodyBytes))
            do {
                return try encoded(CommandBody(try await service.acknowledge(pop: pop, id: id, state: report.state, steps: report.steps,
                                                                             movedBytes: report.movedBytes, downtimeMs: report.downtimeMs,
                                                                             progress: report.progress)))
            } catch let error as ServiceError {
                switch error {
                case .unknownPOP, .unknownCommand: throw HTTPError(.notFound, message: error.description)
                case .transitionNotAllowed: throw HTTPError(.conflict, message: error.description)
                case .workloadCap: throw HTTPError(.tooManyRequests, message: error.description)
                case .notAgentsWorkload, .remoteWriteOutsideAgent: throw HTTPError(.forbidden, message: error.description)
                case .otherShard: return misdirected(error)
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

    /// Runs `body`, turning an unknown POP into a 404.
    static func notFoundIfUnknown<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as ServiceError {
            throw HTTPError(.notFound, message: error.description)
        }
    }
}

/// `POST /v1/pops/{pop}/status` bodies: `{"down": true|false}`, nothing else.
struct POPStatusBody: Decodable {
    var down: Bool
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: WireKey.self)
        guard c.allKeys.map(\.stringValue) == ["down"] else { throw WireError(field: "", "expected {\"down\": true|false}") }
        down = try c.decode(Bool.self, forKey: WireKey("down"))
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
