import Hummingbird
import Logging
import Store

/// Turns what a handler throws that is not an HTTP answer into one: a storage fault
/// (`HeadroomStore.StorageFault`: the store's file read-only, immutable, full or failing)
/// becomes a 503 with the reason and `Retry-After: 5`, recorded by the service (which
/// flips `/healthz` to unhealthy and logs the store's path); anything else becomes a 500
/// whose message is the error, and is logged. Without it Hummingbird answers an unknown
/// error with an empty 500 and logs nothing useful (issue 12, item 5).
struct StoreFaultMiddleware<Context: RequestContext>: RouterMiddleware {
    let service: ScoringService
    let logger: Logger

    /// Seconds a client should wait before retrying while the store fails (the probe's period).
    static var retryAfterSeconds: Int { 5 }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            throw error
        } catch {
            let operation = "\(request.method) \(request.uri.path)"
            if let fault = await service.noteStoreFault(error, during: operation) {
                throw HTTPError(.serviceUnavailable, headers: [.retryAfter: "\(Self.retryAfterSeconds)"],
                                message: "\(fault). Retry later: a batch sent again is safe (samples already stored count as duplicates)")
            }
            logger.error("\(operation) failed: \(error)")
            throw HTTPError(.internalServerError, message: "\(operation) failed: \(error)")
        }
    }
}
