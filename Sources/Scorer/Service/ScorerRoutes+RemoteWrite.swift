import Foundation
import HTTPTypes
import Hummingbird
import PrometheusIngest
import Store

extension ScorerRoutes {
    /// `X-Prometheus-Remote-Write-Version` (a valid field name: the literal cannot fail).
    static let versionHeader = HTTPField.Name("X-Prometheus-Remote-Write-Version")!
    /// Remote write 2.0's answer headers.
    static let samplesWrittenHeader = HTTPField.Name("X-Prometheus-Remote-Write-Samples-Written")!
    static let histogramsWrittenHeader = HTTPField.Name("X-Prometheus-Remote-Write-Histograms-Written")!
    static let exemplarsWrittenHeader = HTTPField.Name("X-Prometheus-Remote-Write-Exemplars-Written")!

    /// `POST /api/v1/write`: Prometheus remote write 1.0, and 2.0 by its Content-Type
    /// (`RemoteWriteDecoder`; 2.0 answers carry the `X-Prometheus-Remote-Write-*-Written`
    /// headers), behind the
    /// same credentials as `/v1/samples` (operator, or an agent for its POPs' workloads —
    /// the mapping's `pop` template must name one of them).
    ///
    /// Answers as the specification asks: 200 with a JSON summary once every row is written
    /// (`ScoringService.RemoteWriteResult`); 4xx — never retried by the sender — for what
    /// can never succeed: 400 an invalid sample (naming series and field), a body that is
    /// not snappy/protobuf, an unknown POP; 401/403 credentials; 404 when no mapping is
    /// configured; 413 a body over the limit; 415 a content type or encoding not read here
    /// (a 2.0 sender falls back to 1.0 on it); 429 the workload cap. 5xx only for what
    /// a retry can fix: the store failing (503 + `Retry-After`, `StoreFaultMiddleware`),
    /// with nothing written, so the retried request is applied whole.
    static func addRemoteWriteRoute(to router: Router<BasicRequestContext>, service: ScoringService, settings: Settings) {
        router.post("/api/v1/write") { request, _ -> Response in
            do {
                let credential = try authenticate(request, settings)
                if case .reader = credential.role {
                    throw HTTPError(.forbidden, message: "this token is a reader's; remote write needs an operator or agent token")
                }
                let version = try RemoteWriteDecoder.checkHeaders(contentEncoding: request.headers[.contentEncoding],
                                                                  contentType: request.headers[.contentType],
                                                                  version: request.headers[Self.versionHeader])
                let body = try await collect(request, limit: settings.maxBodyBytes)
                let decoded = try RemoteWriteDecoder.decode(body: Array(buffer: body), maxUncompressedBytes: settings.maxRemoteWriteBytes,
                                                            version: version)
                let agentPOPs: Set<String>? = if case .agent(let pops) = credential.role { pops } else { nil }
                var response = try encoded(try await service.ingestRemoteWrite(decoded, agentPOPs: agentPOPs))
                if version == .v2 {
                    // 2.0's required answer headers: every float sample of a 2xx request is
                    // accounted for (stored, or dropped by the mapping and counted by reason);
                    // native histograms and exemplars are not read.
                    response.headers[Self.samplesWrittenHeader] = "\(decoded.timeseries.reduce(0) { $0 + $1.samples.count })"
                    response.headers[Self.histogramsWrittenHeader] = "0"
                    response.headers[Self.exemplarsWrittenHeader] = "0"
                }
                return response
            } catch let error as RemoteWriteError {
                service.metrics.prometheusRequestsRefused.increment()
                throw HTTPError(HTTPResponse.Status(code: error.httpStatus), message: error.description)
            } catch let error as RemoteWriteOff {
                service.metrics.prometheusRequestsRefused.increment()
                throw HTTPError(.notFound, message: error.description)
            } catch let error as StoreError {
                service.metrics.prometheusRequestsRefused.increment()
                throw HTTPError(.badRequest, message: error.description)
            } catch let error as ServiceError {
                service.metrics.prometheusRequestsRefused.increment()
                switch error {
                case .workloadCap: throw HTTPError(.tooManyRequests, message: error.description)
                case .notAgentsWorkload, .remoteWriteOutsideAgent: throw HTTPError(.forbidden, message: error.description)
                default: throw HTTPError(.badRequest, message: error.description)
                }
            }
        }
    }
}
