import Hummingbird
import Logging
import Store

/// Turns what a handler throws that is not an HTTP answer into one: a storage fault
/// (`HeadroomStore.StorageFault`: the store's file read-only, immutable, full or failing)
/// becomes a 503 with the reason and `Retry-After: 5`, recorded by the service (which
/// flips `/healthz` to unhealthy and logs the store's path); anything else becomes a 500
/// whose message is the error, and is logged. Without it Hummingbird answers an unknown
/// error with an empty 500 and logs nothing useful (issue 12, item 5). Before a request
/// that uses the store, a store whose `-shm` cannot be written is refused the same way
/// (it would otherwise be a SIGBUS).
struct StoreFaultMiddleware<Context: RequestContext>: RouterMiddleware {
    let service: ScoringService
    let logger: Logger

    /// Seconds a client should wait before retrying while the store fails (the probe's period).
    static var retryAfterSeconds: Int { 5 }

    /// Paths answered without the store (their answers must stay theirs while it fails).
    static var storeFreePaths: Set<String> { ["/healthz", "/metrics", "/openapi.yaml"] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            // A store whose WAL index cannot be written would end the process on first use
            // (`HeadroomStore.checkSharedMemory`): refuse before touching it.
            if !Self.storeFreePaths.contains(request.uri.path) { try await service.checkStoreUsable() }
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
