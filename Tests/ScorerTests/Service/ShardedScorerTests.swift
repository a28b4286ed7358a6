import Forecast
import Foundation
import HeadroomTestSupport
import Hummingbird
import HummingbirdTesting
import Resources
import ScorerIntake
import Testing
@testable import Scorer
import Store

/// Two scoring services, shards 0/2 and 1/2, over one real PostgreSQL store (each its own
/// connection, as two scorer processes have): each owns the workloads `WorkloadShard` gives
/// it, answers for the other's with 421 and the owner, lists its own commands only, and books
/// POP capacity in the store, so that the last slot of a POP is taken once.
@Suite("Sharded scorers over one PostgreSQL", .serialized,
       .enabled(if: PostgresTestServer.isAvailable, "PostgreSQL's server binaries are not installed"))
struct ShardedScorerTests {
    typealias H = ServiceHarness

    /// `name`'s shard of two.
    static func shardIndex(_ name: String) -> Int { WorkloadShard.index(of: name, count: 2) }

    /// bb-1 hashes to shard 1 of 2, bb-6 to shard 0 (checked below).
    static let one = "bb-1", zero = "bb-6"

    /// A fresh PostgreSQL store with the fixture's four VMs imported and its promoted
    /// version registered (the model files copied into a private directory).
    static func freshStore() throws -> (url: String, models: String) {
        let fixture = try ScorerFixture.get()
        let url = try PostgresTestServer.freshDatabaseURL()
        let directory = ScorerFixture.temporaryDirectory()
        try TestProcess.extractBitbrains([1, 6, 11, 22], into: directory)
        let imported = try ScorerFixture.run("headroom-trainer", ["import", "--db", url, "--format", "bitbrains", "--prefix", "bb-", "--quiet",
                                                                  directory.appendingPathComponent("bitbrains-rnd").path])
        guard imported.status == 0 else { throw FixtureError("import into PostgreSQL failed: \(imported.stderr)") }
        let models = directory.appendingPathComponent("models").path
        let source = ModelRegistry(store: try HeadroomStore(path: fixture.storePath), directory: fixture.modelsDirectory)
        let target = ModelRegistry(store: try HeadroomStore(location: url), directory: models)
        for file in try source.list() where file.version == fixture.version {
            try target.write(family: file.family, version: file.version, bundle: try source.load(file), trainingFrom: file.trainingFrom,
                             trainingTo: file.trainingTo, metricsJSON: file.metrics)
        }
        try target.promote(version: fixture.version)
        return (url, models)
    }

    /// A fleet of one POP, `ams1`, with `cpu` cores (memory unconstrained), and two scorers.
    static func fleet(cpu: Double) -> String {
        let path = ScorerFixture.temporaryDirectory().appendingPathComponent("fleet.toml").path
        let text = """
            [[pops]]
            name = "ams1"
            price_per_hour = 1
            strategies = ["checkpoint_restart"]
            [pops.capacity]
            cpu_cores = \(cpu)

            [[scorers]]
            url = "http://127.0.0.1:18101"
            [[scorers]]
            url = "http://127.0.0.1:18102"

            """
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    /// The 12 samples after `workload`'s stored history and the starved allocation they
    /// come with (a fifth of their peak), as `ScorerServiceDecisionTests.starvedBatch`.
    static func starvedBatch(_ h: H, _ workload: String) throws -> (body: ByteBuffer, allocation: [String: Double]) {
        let samples = try h.continuation(of: workload, count: 12)
        let allocation = H.starved(samples)
        return (H.body(samples, pop: "ams1", allocations: [workload: allocation]), allocation)
    }

    @Test("the fixture's names split across the two shards as the test assumes")
    func names() {
        #expect(WorkloadShard.index(of: Self.one, count: 2) == 1)
        #expect(WorkloadShard.index(of: Self.zero, count: 2) == 0)
    }

    @Test("each shard takes its own workloads and answers 421 with the owner for the other's; commands are listed by their owner only")
    func ownership() async throws {
        let (url, models) = try Self.freshStore()
        let fleet = Self.fleet(cpu: 10_000)
        let s0 = try await H.make(storePath: url, modelsDirectory: models, fleet: fleet, shard: try WorkloadShard(index: 0, count: 2))
        let s1 = try await H.make(storePath: url, modelsDirectory: models, fleet: fleet, shard: try WorkloadShard(index: 1, count: 2))
        let (body1, _) = try Self.starvedBatch(s1, Self.one)
        let before = try s0.sampleCount()
        try await s0.application().test(.router) { client in
            let refused = try await client.execute(uri: "/v1/samples", method: .post, headers: H.auth, body: body1)
            #expect(refused.status == .misdirectedRequest)
            let answer = try H.json(refused)
            #expect(answer["shard"] as? String == "0/2")
            let owners = try #require(answer["owners"] as? [[String: Any]])
            #expect(owners.count == 1)
            #expect(owners.first?["shard"] as? Int == 1)
            #expect(owners.first?["url"] as? String == "http://127.0.0.1:18102")
            #expect(owners.first?["workloads"] as? [String] == [Self.one])
            let read = try await client.execute(uri: "/v1/workloads/\(Self.one)/risk", method: .get, headers: H.auth)
            #expect(read.status == .misdirectedRequest)
            let health = try H.json(try await client.execute(uri: "/healthz", method: .get))
            #expect(health["shard"] as? String == "0/2")
        }
        #expect(try s0.sampleCount() == before, "a misdirected batch writes nothing")
        #expect(await s0.service.metrics.text().contains("headroom_misdirected_requests_total 2"), "the batch and the read")
        try await s1.application().test(.router) { client in
            let taken = try await client.execute(uri: "/v1/samples", method: .post, headers: H.auth, body: body1)
            #expect(taken.status == .ok, "\(String(buffer: taken.body))")
            #expect(try H.json(taken)["decisions"] as? Int ?? 0 >= 1)
            let commands = try #require(try H.json(try await client.execute(uri: "/v1/agents/ams1/commands", method: .get, headers: H.auth))["commands"] as? [[String: Any]])
            #expect(commands.map { $0["workload"] as? String } == [Self.one])
        }
        #expect(try s0.sampleCount() == before + 12)
        // The same store, the other shard: bb-1's command is not listed there, and a report
        // on it is answered with its owner.
        try await s0.application().test(.router) { client in
            let listed = try #require(try H.json(try await client.execute(uri: "/v1/agents/ams1/commands", method: .get, headers: H.auth))["commands"] as? [[String: Any]])
            #expect(listed.isEmpty)
            let id = try #require(try s0.store.allMigrations().first?.id)
            let report = try await client.execute(uri: "/v1/agents/ams1/commands/\(id)", method: .post, headers: H.auth,
                                                  body: ByteBuffer(string: #"{"state":"running","steps":[]}"#))
            #expect(report.status == .misdirectedRequest)
        }
        // Restarted, each shard resumes its own workloads' unfinished migrations only.
        let pending = try #require(try s0.store.allMigrations().first?.id)
        let restarted0 = try await H.make(storePath: url, modelsDirectory: models, fleet: fleet, shard: try WorkloadShard(index: 0, count: 2))
        #expect(restarted0.started.resumed.reissued.isEmpty && restarted0.started.resumed.rolledBack.isEmpty)
        let restarted1 = try await H.make(storePath: url, modelsDirectory: models, fleet: fleet, shard: try WorkloadShard(index: 1, count: 2))
        #expect(restarted1.started.resumed.reissued + restarted1.started.resumed.rolledBack == [pending])
        // Its capacity is booked: the starved allocation grown by the resize.
        let booked = try #require(try s0.store.bookings(workload: Self.one)["ams1"])
        let placement = try #require(await s1.service.placement(workload: Self.one))
        #expect(booked[.cpuCores] == placement.allocation[.cpuCores])
    }

    @Test("the last slot of a POP: the shard whose view is stale is refused by the store, and the POP is never overbooked")
    func lastSlot() async throws {
        // What each resize takes, from a run on a roomy POP.
        let probe = try Self.freshStore()
        let roomy = Self.fleet(cpu: 10_000)
        var grown: [String: (allocation: Double, required: Double)] = [:]
        for (index, name) in [(0, Self.zero), (1, Self.one)] {
            let h = try await H.make(storePath: probe.url, modelsDirectory: probe.models, fleet: roomy, shard: try WorkloadShard(index: index, count: 2))
            let (body, allocation) = try Self.starvedBatch(h, name)
            _ = try await h.service.ingest(try SampleBatch.parse(body, maxSamples: 100), agentPOPs: nil)
            let placement = try #require(await h.service.placement(workload: name))
            grown[name] = (try #require(allocation["cpu_cores"]), placement.allocation[.cpuCores])
        }
        let g0 = try #require(grown[Self.zero]), g1 = try #require(grown[Self.one])
        let growth0 = g0.required - g0.allocation, growth1 = g1.required - g1.allocation
        try #require(growth0 > 0 && growth1 > 0, "both starved workloads are resized up: \(grown)")
        // Room for both starved allocations and the larger growth, not for both growths.
        let capacity = g0.allocation + g1.allocation + max(growth0, growth1) + min(growth0, growth1) / 2

        let (url, models) = try Self.freshStore()
        let fleet = Self.fleet(cpu: capacity)
        // Shard 0 reads what others booked only at start (and after a refusal): its view is
        // stale once shard 1 has booked.
        let s0 = try await H.make(storePath: url, modelsDirectory: models, fleet: fleet, shard: try WorkloadShard(index: 0, count: 2),
                                  bookingRefreshSeconds: 3600)
        let s1 = try await H.make(storePath: url, modelsDirectory: models, fleet: fleet, shard: try WorkloadShard(index: 1, count: 2))
        let (body0, _) = try Self.starvedBatch(s0, Self.zero)
        let (body1, _) = try Self.starvedBatch(s1, Self.one)
        // Shard 1 first: its resize fits and is booked.
        _ = try await s1.service.ingest(try SampleBatch.parse(body1, maxSamples: 100), agentPOPs: nil)
        #expect(await s1.service.placement(workload: Self.one)?.allocation[.cpuCores] == g1.required)
        // Shard 0 then decides on its stale view (only its own workload at ams1), and the store refuses.
        _ = try await s0.service.ingest(try SampleBatch.parse(body0, maxSamples: 100), agentPOPs: nil)
        let decisions = try s0.service.decisions(workload: Self.zero, limit: 10)
        let reasons = decisions.compactMap { $0.details?.details.reason }
        if growth0 <= capacity - g0.allocation - g1.allocation - growth1 {
            Issue.record("the capacity leaves room for both: \(capacity), \(grown)")
        }
        #expect(reasons.contains { $0.contains("the capacity could not be booked: cpu_cores at ams1 is booked by other workloads") }, "\(reasons)")
        #expect(decisions.allSatisfy { $0.action == .none }, "shard 0 issued nothing")
        #expect(await s0.service.metrics.text().contains("headroom_capacity_booking_refusals_total 1"), "the refusal is counted")
        #expect(await s0.service.placement(workload: Self.zero)?.allocation[.cpuCores] == g0.allocation, "nothing of the refused resize applied")
        let total = try #require(try s0.store.bookedTotals()["ams1"])
        #expect(total[.cpuCores] <= capacity + 1e-9)
        #expect(abs(total[.cpuCores] - (g0.allocation + g1.required)) < 1e-9)

        // The refusal re-read the bookings: the next batch decides on the truth (no room),
        // and still books nothing.
        let more = try s0.continuation(of: Self.zero, count: 12)
        _ = try await s0.service.ingest(SampleBatch(pop: "ams1", samples: more, allocations: [Self.zero: [g0.allocation, .nan, .nan, .nan, .nan, .nan]]),
                                        agentPOPs: nil)
        let after = try #require(try s0.store.bookedTotals()["ams1"])
        #expect(after[.cpuCores] == total[.cpuCores])
    }
}
