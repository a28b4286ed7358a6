import Foundation
import HeadroomTestSupport
import Hummingbird
import HummingbirdTesting
import Testing
@testable import Scorer
import Store

/// The whole pipeline on PostgreSQL: the fixture's four Bitbrains VMs imported, trained and
/// promoted by the real `headroom-trainer` into a fresh database, then replayed by
/// `headroom-scorer replay` and served by the scoring service from request handlers —
/// the same numbers as on the SQLite fixture.
@Suite("PostgreSQL end to end: import, train, promote, replay, serve", .serialized,
       .enabled(if: PostgresTestServer.isAvailable, "PostgreSQL's server binaries are not installed"))
struct ScorerPostgresTests {
    struct Fixture: Sendable {
        var url: String
        var models: String
    }

    /// Made once: the SQLite fixture's steps with `--db postgres://…`.
    static let shared: Result<Fixture, any Error> = Result {
        let url = try PostgresTestServer.freshDatabaseURL()
        let directory = ScorerFixture.temporaryDirectory()
        let models = directory.appendingPathComponent("models").path
        try TestProcess.extractBitbrains([1, 6, 11, 22], into: directory)
        let steps: [[String]] = [
            ["import", "--db", url, "--format", "bitbrains", "--prefix", "bb-", "--quiet", directory.appendingPathComponent("bitbrains-rnd").path],
            ["train", "--db", url, "--models", models, "--until", ScorerFixture.until, "--profile", "smoke", "--json", "--quiet"],
        ]
        var version = ""
        for step in steps {
            let out = try ScorerFixture.run("headroom-trainer", step)
            guard out.status == 0 else { throw FixtureError("\(step[0]) on PostgreSQL failed: \(out.stderr)") }
            if step[0] == "train", let json = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any] {
                version = json["version"] as? String ?? ""
            }
        }
        let promoted = try ScorerFixture.run("headroom-trainer", ["promote", version, "--db", url, "--models", models])
        guard promoted.status == 0 else { throw FixtureError("promote on PostgreSQL failed: \(promoted.stderr)") }
        return Fixture(url: url, models: models)
    }

    /// The replay's JSON line without its `model_version` (the training run's time).
    static func replay(db: String, models: String, policy: String) throws -> String {
        let fleet = ScorerFixture.repositoryRoot.appendingPathComponent("config/pops.demo.toml").path
        let out = try ScorerFixture.run("headroom-scorer", ["replay", "--db", db, "--models", models, "--pops", fleet, "--policy", policy,
                                                            "--from", ReplayTests.from, "--to", ReplayTests.to, "--json"])
        #expect(out.status == 0, "\(out.stderr)")
        let last = String(try #require(out.stdout.split(separator: "\n").last))
        #expect(last.contains("\"decisions_per_workload_day\""), "\(last)")
        return last.replacingOccurrences(of: #""model_version":"[^"]*","#, with: "", options: .regularExpression)
    }

    @Test("the store holds what the SQLite fixture holds, and a replay over it gives the same figures")
    func sameAsSQLite() throws {
        let fixture = try Self.shared.get()
        let sqlite = try ScorerFixture.get()
        #expect(try HeadroomStore(location: fixture.url).summary() == HeadroomStore(path: sqlite.storePath).summary())
        for policy in ["predictive", "reactive"] {
            let onPostgres = try Self.replay(db: fixture.url, models: fixture.models, policy: policy)
            let onSQLite = try Self.replay(db: sqlite.storePath, models: sqlite.modelsDirectory, policy: policy)
            #expect(!onPostgres.contains("model_version"))
            #expect(onPostgres == onSQLite, "\(policy)")
        }
    }

    @Test("the service on PostgreSQL over a socket: a batch from request handlers is stored and scored, the decision journaled, the command acknowledged")
    func service() async throws {
        let fixture = try Self.shared.get()
        let h = try await ServiceHarness.make(storePath: fixture.url, modelsDirectory: fixture.models)
        #expect(h.store.isPostgres)
        let before = try h.sampleCount()
        // Over a real socket: the handlers run on Swift concurrency's threads, and the store's
        // waits on its own event loop (NIO would stop a wait() on any event loop thread).
        try await h.application().test(.live) { client in
            let result = try await ScorerServiceDecisionTests.starvedBatch(h, client)
            #expect(result["placed"] as? Int == 1)
            #expect((result["decisions"] as? Int ?? 0) >= 1)
            let listed = try ServiceHarness.json(try await client.execute(uri: "/v1/decisions?workload=bb-1&limit=5", method: .get,
                                                                          headers: ServiceHarness.auth))
            let decisions = try #require(listed["decisions"] as? [[String: Any]])
            #expect(decisions.first?["action"] as? String == "resize" && decisions.first?["migration_state"] as? String == "pending")
            let commands = try #require(try ServiceHarness.json(try await client.execute(uri: "/v1/agents/ams1/commands", method: .get,
                                                                                         headers: ServiceHarness.auth))["commands"] as? [[String: Any]])
            let id = try #require(commands.first?["id"] as? Int)
            let ack = try await client.execute(uri: "/v1/agents/ams1/commands/\(id)", method: .post, headers: ServiceHarness.auth,
                                               body: ByteBuffer(string: #"{"state": "done", "steps": ["cgroup updated"]}"#))
            #expect(ack.status == .ok)
        }
        #expect(try h.sampleCount() == before + 12)
        #expect(try h.migrationStates() == ["done"])
        let health = await h.service.health()
        #expect(health.store.healthy && health.store.path?.hasPrefix("postgres://headroom@/") == true)
    }
}
