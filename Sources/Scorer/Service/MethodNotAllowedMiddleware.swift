import Hummingbird

/// Answers a request whose path is a route of `ScorerRoutes.table` but whose method is not
/// with 405 and `Allow` (the router alone answers an empty 404: "no such path"), and any
/// other unknown path with a 404 that says so.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && error.body == nil {
            let path = request.uri.path
            let allowed = ScorerRoutes.table.filter { Self.matches(template: $0.path, path) }.map(\.method)
            guard !allowed.isEmpty else { throw HTTPError(.notFound, message: "no route \(path); the API is described at /openapi.yaml") }
            throw HTTPError(.methodNotAllowed, headers: [.allow: allowed.map { $0.uppercased() }.joined(separator: ", ")],
                            message: "\(request.method) is not allowed on \(path); allowed: \(allowed.map { $0.uppercased() }.joined(separator: ", "))")
        }
    }

    /// Whether `path` fits `template` (`/v1/agents/{pop}/commands`: a `{…}` segment matches any one segment).
    static func matches(template: String, _ path: String) -> Bool {
        let t = template.split(separator: "/", omittingEmptySubsequences: false)
        let p = path.split(separator: "/", omittingEmptySubsequences: false)
        guard t.count == p.count else { return false }
        return zip(t, p).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
    }
}
