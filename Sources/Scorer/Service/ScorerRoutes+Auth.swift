import Hummingbird
import Logging

extension ScorerRoutes {
    /// What a request does, for `permit`.
    enum Access: Equatable {
        /// The GET API (risk, forecast, decisions).
        case read
        /// A sample batch naming `pop` (nil: a batch without one).
        case ingest(pop: String?)
        /// Acting as `pop`'s agent: heartbeat, command list and reports.
        case agent(pop: String)
        /// Marking `pop` down or up.
        case setStatus(pop: String)
    }

    /// The credential of the request's bearer token.
    /// - Throws: `HTTPError` 401 when the header is missing or the token unknown.
    static func authenticate(_ request: Request, _ settings: Settings) throws -> Credentials.Credential {
        guard let token = Credentials.bearerToken(request.headers[.authorization]),
              let credential = settings.credentials.identify(token) else {
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer"],
                            message: "missing or wrong bearer token (Authorization: Bearer <token>)")
        }
        return credential
    }

    /// `authenticate`, then `permit`.
    static func authorise(_ request: Request, _ settings: Settings, _ access: Access) throws {
        try permit(try authenticate(request, settings), access)
    }

    /// The GET API's check: nothing with `publicReads`, else a reader or operator token.
    static func authoriseRead(_ request: Request, _ settings: Settings) throws {
        guard !settings.credentials.publicReads else { return }
        try authorise(request, settings, .read)
    }

    /// Whether `credential`'s role allows `access`.
    /// - Throws: `HTTPError` 403 saying what the token may do.
    static func permit(_ credential: Credentials.Credential, _ access: Access) throws {
        switch (credential.role, access) {
        case (.operator, _), (.reader, .read):
            return
        case (.agent(let pops), .agent(let pop)), (.agent(let pops), .setStatus(let pop)):
            if pops.contains(pop) { return }
            throw HTTPError(.forbidden, message: "this token is the \(credential.role); it may not act for POP \"\(pop)\"")
        case (.agent(let pops), .ingest(let pop)):
            guard let pop else {
                throw HTTPError(.forbidden, message: "this token is the \(credential.role); its batches must name its POP (\"pop\")")
            }
            if pops.contains(pop) { return }
            throw HTTPError(.forbidden, message: "this token is the \(credential.role); it may not send samples for POP \"\(pop)\"")
        case (.agent, .read):
            throw HTTPError(.forbidden, message: "this token is the \(credential.role); reads need a reader or operator token")
        case (.reader, _):
            throw HTTPError(.forbidden, message: "this token is a reader's; it may only read (GET)")
        }
    }
}
