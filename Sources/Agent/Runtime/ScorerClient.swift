import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The agent's only network peer: the configured scorer, with the shared bearer token on
/// every request. Synchronous (the run loop is one thread); each call times out after
/// `timeoutSeconds` and reports failures as values, so a scorer that is down never stops
/// the workloads.
public final class ScorerClient: @unchecked Sendable {
    public let baseURL: URL
    private let token: String
    private let session: URLSession
    public let timeoutSeconds: Double

    public init(baseURL: URL, token: String, timeoutSeconds: Double = 5) {
        self.baseURL = baseURL
        self.token = token
        self.timeoutSeconds = timeoutSeconds
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeoutSeconds
        session = URLSession(configuration: configuration)
    }

    public struct Response: Sendable {
        public var status: Int
        public var body: Data
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    public enum ClientError: Error, CustomStringConvertible {
        case transport(String)
        case status(Int, String)
        public var description: String {
            switch self {
            case let .transport(message): "scorer unreachable: \(message)"
            case let .status(code, body): "scorer answered \(code): \(body)"
            }
        }
    }

    /// `method path` with an optional JSON body; 2xx or a `ClientError`.
    public func request(_ method: String, _ path: String, json: Data? = nil) -> Result<Response, ClientError> {
        var request = URLRequest(url: baseURL.appendingPathComponent(path))
        request.httpMethod = method
        request.timeoutInterval = timeoutSeconds
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        if let json {
            request.httpBody = json
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        final class Box: @unchecked Sendable { var result: Result<Response, ClientError> = .failure(.transport("no answer")) }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        session.dataTask(with: request) { data, response, error in
            if let error {
                box.result = .failure(.transport(error.localizedDescription))
            } else if let http = response as? HTTPURLResponse {
                let response = Response(status: http.statusCode, body: data ?? Data())
                box.result = (200..<300).contains(http.statusCode) ? .success(response) : .failure(.status(http.statusCode, response.text))
            }
            done.signal()
        }.resume()
        done.wait()
        return box.result
    }

    /// `POST /v1/samples`.
    public func push(_ batch: SampleBatchBody) -> Result<Response, ClientError> {
        request("POST", "v1/samples", json: batch.json())
    }

    /// `POST /v1/agents/{pop}/heartbeat`.
    public func heartbeat(pop: String) -> Result<Response, ClientError> {
        request("POST", "v1/agents/\(pop)/heartbeat", json: Data("{}".utf8))
    }

    /// `GET /v1/agents/{pop}/commands`: the pending and running commands for `pop`
    /// (`CommandListBody`).
    public func commands(pop: String) -> Result<[AgentCommand], ClientError> {
        request("GET", "v1/agents/\(pop)/commands").flatMap { response in
            do { return .success(try WireJSON.decode(CommandListBody.self, from: response.body, what: "a command list").commands.map(AgentCommand.init)) } catch {
                return .failure(.transport("cannot read the command list: \(error)"))
            }
        }
    }

    /// `POST /v1/agents/{pop}/commands/{id}` with a `CommandReportBody`.
    public func report(pop: String, command: Int64, _ result: ExecutionResult) -> Result<Response, ClientError> {
        let data = (try? WireJSON.encode(CommandReportBody(result))) ?? Data()
        return request("POST", "v1/agents/\(pop)/commands/\(command)", json: data)
    }
}
