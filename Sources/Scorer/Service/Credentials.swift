import Crypto
import Foundation

/// Who may do what on the scorer's HTTP API (issue 12, item 6). Each bearer token has one
/// role:
///
/// | role | may |
/// |---|---|
/// | `operator` | everything: read, ingest for any POP, mark any POP down or up, act for any agent |
/// | `agent` (with its POPs) | for its own POPs only: post sample batches naming one of them, heartbeat, list and report its commands, mark itself down or up |
/// | `reader` | the GET API (risk, forecast, decisions) |
///
/// `/healthz` and `/metrics` need no token. Reads need one unless `publicReads` (on by
/// default they do). A missing or unknown token is a 401; a known token used beyond its
/// role is a 403 naming what it may do.
///
/// Tokens are not kept: only their SHA-256 digests, and a presented token is compared with
/// every one of them in time independent of where (or whether) they differ
/// (`identify`), so the answer's timing tells nothing about a token's bytes.
struct Credentials: Sendable {
    enum Role: Sendable, Equatable, CustomStringConvertible {
        case `operator`
        case agent(pops: Set<String>)
        case reader

        var description: String {
            switch self {
            case .operator: "operator"
            case .agent(let pops): "agent for POP\(pops.count == 1 ? "" : "s") \(pops.sorted().joined(separator: ", "))"
            case .reader: "reader"
            }
        }
    }

    struct Credential: Sendable {
        /// Where it was declared, for messages and the log (`credentials[2]`, `--token-file`).
        var name: String
        var role: Role
        /// SHA-256 of the token's UTF-8 bytes.
        var digest: [UInt8]
    }

    /// Shortest token accepted: 16 characters (with a random alphabet of 62, ~95 bits).
    static let minimumTokenLength = 16

    private(set) var entries: [Credential] = []
    /// GET API reads without a token (`--public-reads`).
    var publicReads = false

    init(publicReads: Bool = false) { self.publicReads = publicReads }

    /// The legacy single token (`--token-file`, `HEADROOM_SCORER_TOKEN`): an operator.
    init(operatorToken: String, publicReads: Bool = false) throws {
        self.publicReads = publicReads
        try add(token: operatorToken, role: .operator, name: "operator token")
    }

    /// Adds `token` with `role`.
    /// - Throws: `CredentialsError` when the token is shorter than `minimumTokenLength` or
    ///   another credential has the same token.
    mutating func add(token: String, role: Role, name: String) throws {
        guard token.count >= Self.minimumTokenLength else { throw CredentialsError.tooShort(name: name) }
        let digest = Self.digest(token)
        if let other = entries.first(where: { Self.constantTimeEqual($0.digest, digest) }) {
            throw CredentialsError.duplicate(name: name, other: other.name)
        }
        entries.append(Credential(name: name, role: role, digest: digest))
    }

    var isEmpty: Bool { entries.isEmpty }

    /// For the start-up log: the roles and how many tokens each, no token bytes.
    var summary: String {
        let parts = entries.map(\.role.description).reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }
            .sorted(by: { $0.key < $1.key }).map { "\($0.value) \($0.key)" }
        return parts.joined(separator: ", ") + (publicReads ? "; reads are public" : "; reads need a reader or operator token")
    }

    /// The credential whose token is `token`, or nil. Hashes `token` once and compares the
    /// digest with every entry's (all of them, every byte), so the time taken depends only
    /// on the number of credentials.
    func identify(_ token: String) -> Credential? {
        let digest = Self.digest(token)
        var found: Int?
        for (i, entry) in entries.enumerated() where Self.constantTimeEqual(entry.digest, digest) && found == nil {
            found = i
        }
        return found.map { entries[$0] }
    }

    /// The bearer token of an `Authorization: Bearer <token>` header value, or nil.
    static func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        let prefix = "Bearer "
        guard header.count > prefix.count, header.prefix(prefix.count).lowercased() == prefix.lowercased() else { return nil }
        return String(header.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
    }

    static func digest(_ token: String) -> [UInt8] { Array(SHA256.hash(data: Data(token.utf8))) }

    /// Equal lengths and bytes, reading every byte whatever the first difference.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}

/// Why the credentials could not be set up; messages say what to fix.
enum CredentialsError: Error, Equatable, CustomStringConvertible {
    case tooShort(name: String)
    case duplicate(name: String, other: String)
    case none

    var description: String {
        switch self {
        case .tooShort(let name):
            "\(name): a token must have at least \(Credentials.minimumTokenLength) characters (e.g. `openssl rand -hex 24`)"
        case .duplicate(let name, let other): "\(name): the same token as \(other); give each credential its own token"
        case .none:
            "no credentials: give --credentials FILE, or an operator token in --token-file FILE or HEADROOM_SCORER_TOKEN"
        }
    }
}
