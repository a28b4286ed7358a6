import Foundation
import Hummingbird
import HummingbirdTesting
import HummingbirdTLS
@testable import Scorer
import Store
import Testing

/// Issue 12, item 6: per-POP agent credentials, a read credential, constant-time token
/// comparison, the credentials file, and TLS.
@Suite("Scoring service credentials and TLS")
struct ScorerServiceSecurityTests {
    typealias H = ServiceHarness

    static let operatorToken = "operator-token-0123456789"
    static let amsToken = "agent-ams1-token-0123456789"
    static let readerToken = "reader-token-0123456789abc"

    static func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }

    static func credentials(publicReads: Bool = false) throws -> Credentials {
        var credentials = Credentials(publicReads: publicReads)
        try credentials.add(token: operatorToken, role: .operator, name: "operator")
        try credentials.add(token: amsToken, role: .agent(pops: ["ams1"]), name: "ams1 agent")
        try credentials.add(token: readerToken, role: .reader, name: "dashboard")
        return credentials
    }

    /// Sends `method uri` with `token` (nil: none) and `body`; expects `expected`.
    static func check(_ client: any TestClientProtocol, _ uri: String, _ method: HTTPRequest.Method, _ token: String?, _ body: String?,
                      _ expected: HTTPResponse.Status, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let response = try await client.execute(uri: uri, method: method, headers: token.map(Self.bearer) ?? [:],
                                                body: body.map { ByteBuffer(string: $0) })
        #expect(response.status == expected, "\(method) \(uri): \(String(buffer: response.body)) \(comment.map { "— \($0)" } ?? "")",
                sourceLocation: sourceLocation)
    }

    @Test("an agent acts only for its own POP; marking other POPs needs the operator; reads need a reader or operator token")
    func roles() async throws {
        let h = try await H.make(dryRun: true, credentials: try Self.credentials())
        let samples = try h.continuation(of: "bb-1", count: 2)
        try await h.application().test(.router) { client in
            let ams = String(buffer: H.body(samples, pop: "ams1"))
            let fra = String(buffer: H.body(samples, pop: "fra1"))
            let none = String(buffer: H.body(samples))
            try await Self.check(client, "/v1/samples", .post, Self.amsToken, fra, .forbidden)
            try await Self.check(client, "/v1/samples", .post, Self.amsToken, none, .forbidden)
            try await Self.check(client, "/v1/samples", .post, Self.readerToken, ams, .forbidden)
            try await Self.check(client, "/v1/samples", .post, Self.amsToken, ams, .ok)
            try await Self.check(client, "/v1/samples", .post, Self.operatorToken, fra, .ok)
            // bb-1 is placed at ams1 now: the ams1 agent may not report bb-6 once it runs at fra1.
            let elsewhere = try h.continuation(of: "bb-6", count: 2)
            try await Self.check(client, "/v1/samples", .post, Self.operatorToken, String(buffer: H.body(elsewhere, pop: "fra1")), .ok)
            let later = elsewhere.map { IncomingSample(workload: $0.workload, timestamp: $0.timestamp + 600, values: $0.values) }
            try await Self.check(client, "/v1/samples", .post, Self.amsToken, String(buffer: H.body(later, pop: "ams1")), .forbidden)
            try await Self.check(client, "/v1/samples", .post, Self.amsToken, String(buffer: H.body(try h.continuation(of: "bb-1", count: 2), pop: "ams1")), .ok)

            try await Self.check(client, "/v1/agents/ams1/heartbeat", .post, Self.amsToken, "{}", .ok)
            try await Self.check(client, "/v1/agents/fra1/heartbeat", .post, Self.amsToken, "{}", .forbidden)
            try await Self.check(client, "/v1/agents/ams1/commands", .get, Self.amsToken, nil, .ok)
            try await Self.check(client, "/v1/agents/fra1/commands", .get, Self.amsToken, nil, .forbidden)
            try await Self.check(client, "/v1/agents/fra1/commands/1", .post, Self.amsToken, #"{"state":"done"}"#, .forbidden)
            try await Self.check(client, "/v1/pops/fra1/status", .post, Self.amsToken, #"{"down":true}"#, .forbidden)
            try await Self.check(client, "/v1/pops/ams1/status", .post, Self.amsToken, #"{"down":false}"#, .ok, "an agent may mark itself")
            try await Self.check(client, "/v1/pops/fra1/status", .post, Self.operatorToken, #"{"down":false}"#, .ok)
            try await Self.check(client, "/v1/pops/fra1/status", .post, Self.readerToken, #"{"down":true}"#, .forbidden)

            for uri in ["/v1/workloads/bb-1/risk", "/v1/workloads/bb-1/forecast", "/v1/decisions"] {
                try await Self.check(client, uri, .get, nil, nil, .unauthorized, "\(uri)")
                try await Self.check(client, uri, .get, "not-a-token-but-long-enough", nil, .unauthorized, "\(uri)")
                try await Self.check(client, uri, .get, Self.amsToken, nil, .forbidden, "\(uri)")
                try await Self.check(client, uri, .get, Self.readerToken, nil, .ok, "\(uri)")
                try await Self.check(client, uri, .get, Self.operatorToken, nil, .ok, "\(uri)")
            }
            try await Self.check(client, "/healthz", .get, nil, nil, .ok)
            try await Self.check(client, "/metrics", .get, nil, nil, .ok)
        }
    }

    @Test("with public reads the GET API needs no token; writes still do")
    func publicReads() async throws {
        let h = try await H.make(credentials: try Self.credentials(publicReads: true))
        try await h.application().test(.router) { client in
            try await Self.check(client, "/v1/decisions", .get, nil, nil, .ok)
            try await Self.check(client, "/v1/agents/ams1/commands", .get, nil, nil, .unauthorized)
        }
    }

    @Test("tokens are identified by digest with a constant-time comparison; short and repeated tokens are refused")
    func identify() throws {
        let credentials = try Self.credentials()
        #expect(credentials.identify(Self.amsToken)?.role == .agent(pops: ["ams1"]))
        #expect(credentials.identify(Self.operatorToken)?.role == .operator)
        #expect(credentials.identify(Self.amsToken + "x") == nil)
        #expect(credentials.identify("") == nil)
        #expect(Credentials.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!Credentials.constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!Credentials.constantTimeEqual([1, 2], [1, 2, 3]))
        #expect(Credentials.bearerToken("Bearer abc") == "abc" && Credentials.bearerToken("bearer abc") == "abc")
        #expect(Credentials.bearerToken("Basic abc") == nil && Credentials.bearerToken(nil) == nil)
        var more = credentials
        #expect(throws: CredentialsError.tooShort(name: "short")) { try more.add(token: "short", role: .reader, name: "short") }
        #expect(throws: CredentialsError.duplicate(name: "again", other: "dashboard")) {
            try more.add(token: Self.readerToken, role: .reader, name: "again")
        }
    }

    @Test("the credentials file: roles, inline tokens and token files; every mistake names the entry")
    func credentialsFile() throws {
        let directory = ScorerFixture.temporaryDirectory()
        try "  \(Self.readerToken)\n".write(to: directory.appendingPathComponent("reader.token"), atomically: true, encoding: .utf8)
        let text = """
            [[credentials]]
            role = "operator"
            token = "\(Self.operatorToken)"

            [[credentials]]
            role = "agent"
            pops = ["ams1", "fra1"]
            token = "\(Self.amsToken)"

            [[credentials]]
            role = "reader"
            token_file = "reader.token"
            """
        let source = directory.appendingPathComponent("credentials.toml").path
        var credentials = Credentials()
        try credentials.load(toml: text, source: source, fleetPOPs: ["ams1", "fra1", "lon1"])
        #expect(credentials.identify(Self.amsToken)?.role == .agent(pops: ["ams1", "fra1"]))
        #expect(credentials.identify(Self.readerToken)?.role == .reader)
        #expect(credentials.summary.contains("1 operator"))

        let mistakes: [(String, String)] = [
            ("[[credentials]]\nrole = \"agent\"\ntoken = \"\(Self.amsToken)\"", "credentials[0].pops"),
            ("[[credentials]]\nrole = \"agent\"\npops = [\"nowhere\"]\ntoken = \"\(Self.amsToken)\"", "credentials[0].pops[0]: unknown POP \"nowhere\""),
            ("[[credentials]]\nrole = \"admin\"\ntoken = \"\(Self.amsToken)\"", "credentials[0].role"),
            ("[[credentials]]\nrole = \"reader\"\ntoken = \"short\"", "at least 16"),
            ("[[credentials]]\nrole = \"reader\"", "exactly one of token and token_file"),
            ("[[credentials]]\nrole = \"reader\"\ntoken = \"\(Self.amsToken)\"\nextra = 1", "credentials[0].extra"),
            ("[[credentials]]\nrole = \"reader\"\ntoken_file = \"missing.token\"", "missing.token"),
            ("tokens = 1", "unknown key \"tokens\""),
        ]
        for (text, fragment) in mistakes {
            var fresh = Credentials()
            do {
                try fresh.load(toml: text, source: source, fleetPOPs: ["ams1", "fra1"])
                Issue.record("accepted: \(text)")
            } catch {
                #expect("\(error)".contains(fragment) && "\(error)".contains(source), "\(error)")
            }
        }
    }

    @Test("--tls-cert and --tls-key serve HTTPS; a missing key file is named")
    func tls() async throws {
        let directory = ScorerFixture.temporaryDirectory()
        let cert = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        openssl.arguments = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                             "-days", "1", "-subj", "/CN=localhost"]
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        try #require(openssl.terminationStatus == 0, "openssl could not make a test certificate")

        let configuration = try ServeCommand.tlsConfiguration(certificate: cert, key: key)
        #expect(throws: (any Error).self) { try ServeCommand.tlsConfiguration(certificate: cert, key: directory.appendingPathComponent("nope.pem").path) }
        let h = try await H.make()
        let app = Application(router: ScorerRoutes.router(service: h.service, settings: h.settings),
                              server: try .tls(.http1(), tlsConfiguration: configuration),
                              configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.ahc(.https)) { client in
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            #expect(try H.json(health)["status"] as? String == "ok")
            let unauthorised = try await client.execute(uri: "/v1/decisions", method: .get)
            #expect(unauthorised.status == .unauthorized)
        }
    }
}
