import Forecast
import Foundation
import Hummingbird
import HummingbirdTesting
import Models
@testable import Decisions
@testable import Scorer
import Store
import Testing

/// The service's decision loop and command channel, model reloads and restarts, on copies
/// of the fixture's real store and trained version.
@Suite("Scoring service: decisions, commands, reloads, restarts")
struct ScorerServiceDecisionTests {
    typealias H = ServiceHarness

    /// Posts a batch of bb-1's real usage from `pop` with an allocation far below it, so its
    /// risk crosses the threshold.
    static func starvedBatch(_ h: H, _ client: some TestClientProtocol, pop: String = "ams1") async throws -> [String: Any] {
        let samples = try h.continuation(of: "bb-1", count: 12)
        let response = try await client.execute(uri: "/v1/samples", method: .post, headers: H.auth,
                                                body: H.body(samples, pop: pop, allocations: ["bb-1": H.starved(samples)]))
        #expect(response.status == .ok, "\(String(buffer: response.body))")
        return try H.json(response)
    }

    @Test("a starved workload from a POP is placed there, resized in place: decision journaled, command for the POP, ack finishes it")
    func resizeCommand() async throws {
        let h = try await H.make()
        try await h.application().test(.router) { client in
            let result = try await Self.starvedBatch(h, client)
            #expect(result["placed"] as? Int == 1)
            #expect((result["decisions"] as? Int ?? 0) >= 1)
            let placement = try #require(await h.service.placement(workload: "bb-1"))
            #expect(placement.pop == "ams1")
            let risk = try H.json(try await client.execute(uri: "/v1/workloads/bb-1/risk", method: .get, headers: H.auth))
            #expect((risk["risk"] as? Double ?? 0) > 0.3, "\(risk)")

            let listed = try H.json(try await client.execute(uri: "/v1/decisions?workload=bb-1&limit=5", method: .get, headers: H.auth))
            let decisions = try #require(listed["decisions"] as? [[String: Any]])
            let resize = try #require(decisions.first, "\(listed)")
            #expect(resize["action"] as? String == "resize")
            #expect(resize["source_pop"] as? String == "ams1")
            #expect(resize["migration_state"] as? String == "pending")
            let details = try #require(resize["details"] as? [String: Any])
            let numbers = try #require(details["details"] as? [String: Any])
            #expect((numbers["risk"] as? Double ?? 0) > 0.3)
            #expect(numbers["required_allocation"] as? [String: Double] != nil)
            #expect(numbers["dry_run"] as? Bool == false)

            #expect(try await client.execute(uri: "/v1/agents/ams1/commands", method: .get).status == .unauthorized)
            let commands = try #require(try H.json(try await client.execute(uri: "/v1/agents/ams1/commands", method: .get, headers: H.auth))["commands"] as? [[String: Any]])
            #expect(commands.count == 1)
            let command = try #require(commands.first)
            #expect(command["action"] as? String == "resize" && command["strategy"] as? String == "resize" && command["state"] as? String == "pending")
            let targets = try #require(command["targets"] as? [[String: Any]])
            #expect(targets.first?["pop"] as? String == "ams1")
            let target = try #require(targets.first?["allocation"] as? [String: Double])
            let id = try #require(command["id"] as? Int)
            let elsewhere = try H.json(try await client.execute(uri: "/v1/agents/fra1/commands", method: .get, headers: H.auth))
            #expect((elsewhere["commands"] as? [Any])?.isEmpty == true)
            #expect(try await client.execute(uri: "/v1/agents/nowhere/commands", method: .get, headers: H.auth).status == .notFound)

            let ack = { (state: String, path: String) in
                try await client.execute(uri: path, method: .post, headers: H.auth,
                                         body: ByteBuffer(string: "{\"state\": \"\(state)\", \"steps\": [\"cgroup updated\"]}"))
            }
            #expect(try await ack("running", "/v1/agents/ams1/commands/\(id)").status == .ok)
            #expect(try h.migrationStates() == ["running"])
            // A VM live migration's progress rides on running acknowledgements and is kept with the command.
            let progressBody = #"{"state": "running", "steps": ["migrating"], "progress": {"transferred_bytes": 1e6, "remaining_bytes": 2e6, "total_bytes": 3e6, "dirty_bytes_per_second": 4096, "rounds": 1}}"#
            let progressed = try await client.execute(uri: "/v1/agents/ams1/commands/\(id)", method: .post, headers: H.auth, body: ByteBuffer(string: progressBody))
            #expect(progressed.status == .ok)
            let kept = try #require(try H.json(progressed)["progress"] as? [String: Double])
            #expect(kept["remaining_bytes"] == 2e6 && kept["dirty_bytes_per_second"] == 4096)
            for (body, field) in [(#"{"state": "running", "progress": {"transferred_bytes": 1}}"#, "progress.remaining_bytes"),
                                  (#"{"state": "running", "progress": {"transferred_bytes": -1, "remaining_bytes": 0, "total_bytes": 0, "dirty_bytes_per_second": 0, "rounds": 0}}"#, "progress.transferred_bytes"),
                                  (#"{"state": "running", "progress": {"transferred": 1}}"#, "progress: unknown field")] {
                let refused = try await client.execute(uri: "/v1/agents/ams1/commands/\(id)", method: .post, headers: H.auth, body: ByteBuffer(string: body))
                #expect(refused.status == .badRequest && String(buffer: refused.body).contains(field), "\(String(buffer: refused.body))")
            }
            let done = try await ack("done", "/v1/agents/ams1/commands/\(id)")
            #expect(done.status == .ok)
            #expect(try H.json(done)["state"] as? String == "done")
            #expect(try await ack("done", "/v1/agents/ams1/commands/\(id)").status == .ok, "repeating done is fine")
            let conflict = try await ack("running", "/v1/agents/ams1/commands/\(id)")
            #expect(conflict.status == .conflict, "\(String(buffer: conflict.body))")
            #expect(try await ack("done", "/v1/agents/ams1/commands/999999").status == .notFound)
            #expect(try await ack("done", "/v1/agents/fra1/commands/\(id)").status == .notFound, "not fra1's command")
            let bad = try await client.execute(uri: "/v1/agents/ams1/commands/\(id)", method: .post, headers: H.auth,
                                               body: ByteBuffer(string: "{\"state\": \"finished\"}"))
            #expect(bad.status == .badRequest && String(buffer: bad.body).contains("state"))
            #expect(try h.migrationStates() == ["done"])
            let after = try H.json(try await client.execute(uri: "/v1/agents/ams1/commands", method: .get, headers: H.auth))
            #expect((after["commands"] as? [Any])?.isEmpty == true)

            // The workload now has the resized allocation and is scored against it.
            #expect(await h.service.engine.inFlight["bb-1"] == nil)
            let now = try #require(await h.service.allocation(workload: "bb-1"))
            #expect(abs(now[Resource.cpuCores.rawValue] - (target["cpu_cores"] ?? .nan)) < 1e-9)
        }
        let lastSeen = try h.store.pops().first { $0.name == "ams1" }?.lastSeen
        #expect(lastSeen != nil, "the batch was ams1's heartbeat")
    }

    @Test("dry run: decisions are journaled with their numbers, no command is issued")
    func dryRun() async throws {
        let h = try await H.make(dryRun: true)
        try await h.application().test(.router) { client in
            let result = try await Self.starvedBatch(h, client)
            #expect((result["decisions"] as? Int ?? 0) >= 1)
            let decisions = try #require(try H.json(try await client.execute(uri: "/v1/decisions?workload=bb-1", method: .get, headers: H.auth))["decisions"] as? [[String: Any]])
            #expect(decisions.first?["action"] as? String == "resize")
            #expect(((decisions.first?["details"] as? [String: Any])?["details"] as? [String: Any])?["dry_run"] as? Bool == true)
            #expect(decisions.first?["migration_id"] == nil)
            let commands = try H.json(try await client.execute(uri: "/v1/agents/ams1/commands", method: .get, headers: H.auth))
            #expect((commands["commands"] as? [Any])?.isEmpty == true)
            #expect(try H.json(try await client.execute(uri: "/healthz", method: .get))["dry_run"] as? Bool == true)
        }
        #expect(try h.migrationStates().isEmpty)
    }

    @Test("live_migratable in an agent's batch marks the workload as movable live (its placement)")
    func liveMigratable() async throws {
        let h = try await H.make(dryRun: true)
        let samples = try h.continuation(of: "bb-6", count: 2)
        try await h.application().test(.router) { client in
            var object = try JSONSerialization.jsonObject(with: Data(buffer: H.body(samples, pop: "ams1"))) as! [String: Any]
            object["live_migratable"] = ["bb-6"]
            let r = try await client.execute(uri: "/v1/samples", method: .post, headers: H.auth,
                                             body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object)))
            #expect(r.status == .ok, "\(String(buffer: r.body))")
        }
        #expect(await h.service.engine.placements["bb-6"]?.supportsLive == true)
    }

    @Test("heartbeats and POP status: down POP's workloads are restarted elsewhere from their checkpoint")
    func popDown() async throws {
        let h = try await H.make()
        try await h.application().test(.router) { client in
            for pop in ["ams1", "fra1", "par1", "lon1"] {
                let r = try await client.execute(uri: "/v1/agents/\(pop)/heartbeat", method: .post, headers: H.auth)
                #expect(r.status == .ok)
            }
            #expect(try await client.execute(uri: "/v1/agents/nowhere/heartbeat", method: .post, headers: H.auth).status == .notFound)
            let samples = try h.continuation(of: "bb-22", count: 6)
            var body = try #require(try JSONSerialization.jsonObject(with: Data(buffer: H.body(samples, pop: "par1"))) as? [String: Any])
            body["checkpoints"] = ["bb-22": samples[2].timestamp]
            let posted = try await client.execute(uri: "/v1/samples", method: .post, headers: H.auth,
                                                  body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
            #expect(posted.status == .ok, "\(String(buffer: posted.body))")
            let down = try await client.execute(uri: "/v1/pops/par1/status", method: .post, headers: H.auth, body: ByteBuffer(string: "{\"down\": true}"))
            #expect(down.status == .ok, "\(String(buffer: down.body))")
            let decisions = try #require(try H.json(try await client.execute(uri: "/v1/decisions?workload=bb-22", method: .get, headers: H.auth))["decisions"] as? [[String: Any]])
            let restart = try #require(decisions.first)
            #expect(restart["action"] as? String == "restart", "\(restart)")
            #expect(restart["target_pop"] as? String != "par1")
            let target = try #require(restart["target_pop"] as? String)
            let commands = try #require(try H.json(try await client.execute(uri: "/v1/agents/\(target)/commands", method: .get, headers: H.auth))["commands"] as? [[String: Any]])
            #expect(commands.first?["action"] as? String == "restart")
            #expect(commands.first?["checkpoint_at"] as? Int64 == samples[2].timestamp)
        }
        let status = try h.store.pops().first { $0.name == "par1" }?.status
        #expect(status == .down)
    }

    @Test("a POP whose agent stops reporting is marked down, its workloads restarted elsewhere; its next report brings it back")
    func silentAgent() async throws {
        let clock = ManualClock(1_800_000_000)
        let h = try await H.make(clock: { clock.now })
        try await h.application().test(.router) { client in
            let samples = try h.continuation(of: "bb-22", count: 6)
            var body = try #require(try JSONSerialization.jsonObject(with: Data(buffer: H.body(samples, pop: "par1"))) as? [String: Any])
            body["checkpoints"] = ["bb-22": samples[4].timestamp]
            let posted = try await client.execute(uri: "/v1/samples", method: .post, headers: H.auth,
                                                  body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
            #expect(posted.status == .ok)
            #expect(try await h.service.checkAgents().isEmpty, "par1 reported just now")
            clock.advance(by: 400)
            for pop in ["ams1", "fra1", "lon1"] {
                #expect(try await client.execute(uri: "/v1/agents/\(pop)/heartbeat", method: .post, headers: H.auth).status == .ok)
            }
            #expect(try await h.service.checkAgents() == ["par1"], "silent for 400 s > 300 s")
            let decisions = try #require(try H.json(try await client.execute(uri: "/v1/decisions?workload=bb-22", method: .get, headers: H.auth))["decisions"] as? [[String: Any]])
            #expect(decisions.first?["action"] as? String == "restart")
            let target = try #require(decisions.first?["target_pop"] as? String)
            #expect(target != "par1")
            let commands = try #require(try H.json(try await client.execute(uri: "/v1/agents/\(target)/commands", method: .get, headers: H.auth))["commands"] as? [[String: Any]])
            #expect(commands.first?["checkpoint_at"] as? Int64 == samples[4].timestamp)
            #expect(try await client.execute(uri: "/v1/agents/par1/heartbeat", method: .post, headers: H.auth).status == .ok)
            #expect(await h.service.engine.fleet.pop(named: "par1")?.down == false, "its agent reported again")
        }
    }

    @Test("after a restart on the same store a pending migration is re-issued (visible in commands)")
    func restartResumes() async throws {
        let first = try await H.make()
        let id = try await first.application().test(.router) { client in
            _ = try await Self.starvedBatch(first, client)
            let commands = try H.json(try await client.execute(uri: "/v1/agents/ams1/commands", method: .get, headers: H.auth))
            return try #require((commands["commands"] as? [[String: Any]])?.first?["id"] as? Int)
        }
        let fixture = try ScorerFixture.get()
        let second = try await H.make(storePath: first.storePath, modelsDirectory: fixture.modelsDirectory)
        #expect(second.started.resumed.reissued == [Int64(id)])
        #expect(second.started.resumed.rolledBack.isEmpty)
        #expect(await second.service.engine.inFlight["bb-1"] != nil, "the engine re-booked it")
        #expect(await second.service.placement(workload: "bb-1")?.pop == "ams1")
        try await second.application().test(.router) { client in
            let commands = try H.json(try await client.execute(uri: "/v1/agents/ams1/commands", method: .get, headers: H.auth))
            let list = try #require(commands["commands"] as? [[String: Any]])
            #expect(list.count == 1 && list.first?["id"] as? Int == id && list.first?["state"] as? String == "pending")
            let done = try await client.execute(uri: "/v1/agents/ams1/commands/\(id)", method: .post, headers: H.auth,
                                                body: ByteBuffer(string: "{\"state\": \"done\"}"))
            #expect(done.status == .ok)
        }
        #expect(await second.service.engine.inFlight["bb-1"] == nil)
    }

    @Test("a dirty rate an agent reports from pre-copy rounds is stored, prices the workload's next live move, and survives a restart")
    func measuredDirtyRate() async throws {
        let first = try await H.make()
        let id = try await first.application().test(.router) { client in
            _ = try await Self.starvedBatch(first, client)
            let commands = try H.json(try await client.execute(uri: "/v1/agents/ams1/commands", method: .get, headers: H.auth))
            let id = try #require((commands["commands"] as? [[String: Any]])?.first?["id"] as? Int)
            let ack = { (body: String) in
                try await client.execute(uri: "/v1/agents/ams1/commands/\(id)", method: .post, headers: H.auth, body: ByteBuffer(string: body))
            }
            // Before QEMU's first complete pass (rounds 0) there is no rate to keep.
            #expect(try await ack(#"{"state": "running", "progress": {"transferred_bytes": 1e6, "remaining_bytes": 9e8, "total_bytes": 1e9, "dirty_bytes_per_second": 0, "rounds": 0}}"#).status == .ok)
            #expect(try first.store.dirtyRate(workload: "bb-1") == nil)
            #expect(await first.service.placement(workload: "bb-1")?.dirtyRate == nil)
            #expect(try await ack(#"{"state": "running", "progress": {"transferred_bytes": 1e9, "remaining_bytes": 2e8, "total_bytes": 1e9, "dirty_bytes_per_second": 3.5e7, "rounds": 2}}"#).status == .ok)
            #expect(try await ack(#"{"state": "done", "steps": ["running_at_target"], "progress": {"transferred_bytes": 1.3e9, "remaining_bytes": 0, "total_bytes": 1e9, "dirty_bytes_per_second": 4.5e7, "rounds": 4}}"#).status == .ok)
            return Int64(id)
        }
        let stored = try #require(try first.store.dirtyRate(workload: "bb-1"))
        #expect(stored.bytesPerSecond == 4.5e7 && stored.rounds == 4 && stored.migrationId == id, "the last report wins")
        #expect(await first.service.placement(workload: "bb-1")?.dirtyRate == DirtyRate(bytesPerSecond: 4.5e7, source: .measured))

        // A restarted scorer places bb-1 afresh from the store: the rate is there. The agent
        // marks it a VM (`live_migratable`), so what a move copies is its latest memory.
        let fixture = try ScorerFixture.get()
        let second = try await H.make(storePath: first.storePath, modelsDirectory: fixture.modelsDirectory)
        #expect(await second.service.placement(workload: "bb-1") == nil)
        let samples = try second.continuation(of: "bb-1", count: 3)
        try await second.application().test(.router) { client in
            var batch = try #require(try JSONSerialization.jsonObject(with: Data(buffer: H.body(samples, pop: "ams1"))) as? [String: Any])
            batch["live_migratable"] = ["bb-1"]
            let response = try await client.execute(uri: "/v1/samples", method: .post, headers: H.auth,
                                                    body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: batch)))
            #expect(response.status == .ok, "\(String(buffer: response.body))")
        }
        let placement = try #require(await second.service.placement(workload: "bb-1"))
        #expect(placement.dirtyRate == DirtyRate(bytesPerSecond: 4.5e7, source: .measured))
        #expect(placement.supportsLive && placement.stateBytes == samples.last?.values[Resource.memoryBytes.rawValue])
        // Its live move to fra1 (ams1 → fra1 is live on both sides in the demo fleet) is priced by pre-copy with it.
        let engine = await second.service.engine
        let now = Int64(Date().timeIntervalSince1970)
        let candidates = engine.evaluateTargets(placement, required: placement.allocation, now: now,
                                                popLastSeen: Dictionary(uniqueKeysWithValues: engine.fleet.pops.map { ($0.name, now) }), restart: false)
        let fra1 = try #require(candidates.first { $0.pop == "fra1" })
        #expect(fra1.strategy == .live)
        let preCopy = try #require(fra1.cost?.preCopy)
        #expect(preCopy.dirtyRateSource == .measured && preCopy.dirtyBytesPerSecond == 4.5e7 && preCopy.converged)
        let expected = PreCopyModel().migrate(memoryBytes: placement.stateBytes, bandwidthBytesPerSecond: 1.25e9, dirtyBytesPerSecond: 4.5e7,
                                              latencySeconds: 0.008)
        #expect(preCopy.rounds == expected.rounds && preCopy.transferredBytes == expected.transferredBytes)
        #expect(fra1.cost?.downtimeSeconds == expected.downtimeSeconds)
    }

    @Test("a newly promoted version is swapped in while requests keep being served; a corrupt one is refused, the old one keeps serving")
    func reloads() async throws {
        // Warmed on all their history (not the default week), and the finished build held two
        // seconds before it is swapped in, so that requests answered meanwhile are observable
        // even when other suites load the machine.
        let h = try await H.make(privateModels: true, warmupSamples: 100_000, reloadHoldSeconds: 2)
        let fixture = try ScorerFixture.get()
        try await h.application().test(.live) { client in
            let second = try h.promoteCopy(of: fixture.version)
            // Reload while a client keeps asking for scores (each answer needs the actor):
            // answers arrive while the new version loads, from the old one.
            let service = h.service
            let reload = Task {
                let began = ContinuousClock.now
                let outcome = await service.reloadIfPromoted()
                return (outcome, began, ContinuousClock.now)
            }
            var requests: [(sent: ContinuousClock.Instant, answered: ContinuousClock.Instant, status: HTTPResponse.Status)] = []
            for _ in 0..<100_000 {
                let sent = ContinuousClock.now
                let r = try await client.execute(uri: "/v1/workloads/bb-11/risk", method: .get, headers: H.auth)
                requests.append((sent, ContinuousClock.now, r.status))
                if await service.status.version == second { break }
            }
            let (outcome, began, ended) = await reload.value
            #expect(outcome == .loaded(second))
            #expect(requests.allSatisfy { $0.status == .ok })
            let within = requests.filter { $0.sent > began && $0.answered < ended }.count
            #expect(within >= 1, "\(requests.count) requests, none sent and answered within the reload (\(ended - began))")
            #expect(try H.json(try await client.execute(uri: "/healthz", method: .get))["model_version"] as? String == second)

            let third = try h.promoteCopy(of: fixture.version, corrupt: true)
            let refusal = await service.reloadIfPromoted()
            guard case .failed(let version, let reason) = refusal else { Issue.record("expected a refusal, got \(refusal)"); return }
            #expect(version == third)
            #expect(reason.contains("corrupt"), "\(reason)")
            #expect(await service.reloadIfPromoted() == .refused(third), "not retried every poll")
            #expect(try H.json(try await client.execute(uri: "/healthz", method: .get))["model_version"] as? String == second)
            #expect(try await client.execute(uri: "/v1/workloads/bb-11/risk", method: .get, headers: H.auth).status == .ok)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains("headroom_model_reload_failures_total 1"))
            #expect(metrics.contains("headroom_model_reloads_total 2"))
        }
    }
}
