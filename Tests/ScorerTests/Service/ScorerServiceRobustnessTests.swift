import Forecast
import Foundation
import Hummingbird
import HummingbirdTesting
import Models
@testable import Decisions
@testable import Scorer
import Store
import Logging
import Testing

/// Issue 12 at the scorer's HTTP entrance: `InputRules` on every batch (2100, 1e308, NUL
/// and 100,000-byte names), degenerate online states counted and logged while the workload
/// keeps being scored, the last good model version served when the promoted one is wrong
/// inside, and the workload cap.
@Suite("Scoring service on hostile input")
struct ScorerServiceRobustnessTests {
    typealias H = ServiceHarness

    static func post(_ client: some TestClientProtocol, _ body: String) async throws -> (HTTPResponse.Status, [String: Any]) {
        let r = try await client.execute(uri: "/v1/samples", method: .post, headers: H.auth, body: ByteBuffer(string: body))
        let object = (try? JSONSerialization.jsonObject(with: Data(buffer: r.body))) as? [String: Any] ?? ["raw": String(buffer: r.body)]
        return (r.status, object)
    }

    static func error(_ object: [String: Any]) -> [String: Any] { object["error"] as? [String: Any] ?? [:] }

    @Test("a sample stamped 2100 is refused naming the field, and later normal samples of that workload are scored")
    func futureTimestamp() async throws {
        let h = try await H.make()
        let samples = try h.continuation(of: "bb-1", count: 3)
        let before = try h.sampleCount()
        try await h.application().test(.router) { client in
            let far = #"{"samples": [{"workload": "bb-1", "timestamp": 4102444800, "cpu_cores": 1}]}"#
            let (status, body) = try await Self.post(client, far)
            #expect(status == .badRequest)
            let error = Self.error(body)
            #expect(error["field"] as? String == "samples[0].timestamp")
            #expect(error["index"] as? Int == 0 && error["workload"] as? String == "bb-1" && error["found"] as? String == "4102444800")
            #expect((error["expected"] as? String)?.contains("one day after now") == true)
            #expect((error["message"] as? String)?.contains("samples[0] (workload \"bb-1\").timestamp") == true, "\(error)")
            #expect(try h.sampleCount() == before, "nothing written")

            let (ok, result) = try await Self.post(client, String(buffer: H.body(samples)))
            #expect(ok == .ok)
            #expect(result["accepted"] as? Int == 3 && result["scored"] as? Int == 1, "\(result)")
            // A day ahead of the clock is still accepted (a sender whose clock is off).
            let soon = Int64(Date().timeIntervalSince1970) + 3_600
            let (ahead, _) = try await Self.post(client, #"{"samples": [{"workload": "bb-ahead", "timestamp": \#(soon), "cpu_cores": 1}]}"#)
            #expect(ahead == .ok)
        }
    }

    @Test("1e308, names with NUL and 100,000-byte names are refused naming index and field; nothing is stored")
    func absurdValuesAndNames() async throws {
        let h = try await H.make()
        let t = try h.continuation(of: "bb-6", count: 2)[0].timestamp
        let before = try h.sampleCount()
        let long = String(repeating: "n", count: 100_000)
        try await h.application().test(.router) { client in
            let cases: [(String, String, String)] = [
                (#"{"samples": [{"workload": "bb-6", "timestamp": \#(t), "cpu_cores": 1}, {"workload": "bb-6", "timestamp": \#(t + 300), "memory_bytes": 1e308}]}"#,
                 "samples[1].memory_bytes", "1e+308"),
                (#"{"samples": [{"workload": "nul\u0000a", "timestamp": \#(t), "cpu_cores": 1}]}"#, "samples[0].workload", "U+0000"),
                (#"{"samples": [{"workload": "ok", "timestamp": \#(t)}, {"workload": "nul\u0000b", "timestamp": \#(t), "cpu_cores": 1}]}"#,
                 "samples[1].workload", "U+0000"),
                (#"{"samples": [{"workload": "\#(long)", "timestamp": \#(t), "cpu_cores": 1}]}"#, "samples[0].workload", "100000 bytes"),
                (#"{"samples": [{"workload": "bb-6", "timestamp": \#(t), "cpu_cores": 1}], "traces": [{"workload": "x\u0007", "timestamp": \#(t), "kind": "phase", "name": "p"}]}"#,
                 "traces[0].workload", "U+0007"),
                (#"{"samples": [{"workload": "bb-6", "timestamp": \#(t), "cpu_cores": 1}], "traces": [{"workload": "bb-6", "timestamp": 4000000000.5, "kind": "phase", "name": "p"}]}"#,
                 "traces[0].timestamp", "4000000000.5"),
            ]
            for (body, field, found) in cases {
                let (status, object) = try await Self.post(client, body)
                let error = Self.error(object)
                #expect(status == .badRequest, "\(field): \(object)")
                #expect(error["field"] as? String == field, "\(error)")
                #expect((error["found"] as? String)?.contains(found) == true, "\(field): \(error)")
                #expect(((error["message"] as? String)?.utf8.count ?? .max) < 1000, "the message does not echo a huge name")
            }
            let (allocation, object) = try await Self.post(client, #"{"pop": "ams1", "samples": [{"workload": "bb-6", "timestamp": \#(t)}], "allocations": {"bb-6": {"memory_bytes": 1e308}}}"#)
            #expect(allocation == .badRequest)
            #expect((Self.error(object)["message"] as? String)?.contains("allocations.bb-6.memory_bytes") == true)
        }
        #expect(try h.sampleCount() == before, "nothing written")
        let names = try h.store.workloads().map(\.name)
        #expect(!names.contains { $0.hasPrefix("nul") || $0.utf8.count > 253 || $0 == "ok" })
    }

    @Test("hostile values: refused over HTTP; already stored, their degenerate states are reset, counted and logged, and the workload keeps being scored")
    func degenerateStates() async throws {
        let log = CapturedLog()
        let h = try await H.make(privateModels: true, logger: log.logger)
        let normal = try h.continuation(of: "bb-22", count: 24)
        let interval: Int64 = 300
        let start = normal.last!.timestamp
        let hostile = (0..<12).map { k in
            IncomingSample(workload: "bb-22", timestamp: start + Int64(k + 1) * interval,
                           values: [Double](repeating: k < 6 ? .greatestFiniteMagnitude : 1e308, count: Resource.count))
        }
        let t = hostile.last!.timestamp
        let after = (0..<12).map { k in IncomingSample(workload: "bb-22", timestamp: t + Int64(k + 1) * interval, values: normal[k].values) }
        try await h.application().test(.router) { client in
            let first = try await client.execute(uri: "/v1/samples", method: .post, headers: H.auth, body: H.body(normal))
            #expect(first.status == .ok)
            // Over HTTP such values never reach a state: InputRules refuses them.
            let refused = try await client.execute(uri: "/v1/samples", method: .post, headers: H.auth, body: H.body(hostile))
            #expect(refused.status == .badRequest)
            #expect(Self.degenerateTotal(await h.service.metrics.text()) == 0)

            // A store written before InputRules (or by another writer) holds them; the next
            // warm-up (here a reload) feeds them to the states, which are reset and counted.
            _ = try h.store.append(samples: hostile, traceEvents: [], now: 0)
            let version = try h.promoteCopy(of: try ScorerFixture.get().version)
            #expect(await h.service.reloadIfPromoted() == .loaded(version))
            let resets = try #require(await h.service.degenerateResets(workload: "bb-22"))
            #expect(resets.total > 0)

            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(Self.degenerateTotal(metrics) == Double(resets.total), "\(metrics.split(separator: "\n").filter { $0.contains("degenerate") })")
            #expect(metrics.contains("headroom_degenerate_state_resets_total{member=\"arima\"} \(resets.arima)"))
            #expect(log.lines.contains { $0.contains("workload bb-22: degenerate online state reset") }, "\(log.lines)")

            // And the workload keeps being scored.
            let r = try await client.execute(uri: "/v1/samples", method: .post, headers: H.auth, body: H.body(after))
            #expect(r.status == .ok, "\(String(buffer: r.body))")
            #expect(try H.json(r)["scored"] as? Int == 1)
            let risk = try H.json(try await client.execute(uri: "/v1/workloads/bb-22/risk", method: .get, headers: H.auth))
            let value = try #require(risk["risk"] as? Double)
            #expect(value >= 0 && value <= 1)
            #expect(risk["timestamp"] as? Int64 ?? 0 >= after.last!.timestamp - interval)
        }
    }

    @Test("a store changed behind the scorer (a late sample inside the last day): the risk's recount keeps the older flags, counted and logged, and the workload keeps being scored")
    func storedHistoryMiss() async throws {
        let log = CapturedLog()
        let h = try await H.make(privateModels: true, logger: log.logger)
        let first = try h.continuation(of: "bb-22", count: 24)
        let late = first[10].timestamp + 150   // rounds to the next sample's grid step, ahead of it
        try await h.application().test(.router) { client in
            let r = try await client.execute(uri: "/v1/samples", method: .post, headers: H.auth, body: H.body(first))
            #expect(r.status == .ok)
            #expect(try #require(await h.service.score(workload: "bb-22")).risk.isFinite)
            #expect(String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
                .contains("headroom_stored_history_misses_total{window=\"risk_week\"} 0"))
            // Another writer stores a sample between two the scorer has ingested.
            var values = first[11].values
            values[Resource.cpuCores.rawValue] += 1
            _ = try h.store.append(samples: [IncomingSample(workload: "bb-22", timestamp: late, values: values)], traceEvents: [], now: 0)
            // A new allocation makes the learned risk recount its week: the rows read back
            // no longer end in the day the scorer ingested.
            let next = (0..<2).map { k in
                IncomingSample(workload: "bb-22", timestamp: first.last!.timestamp + Int64(k + 1) * 300, values: first[k].values)
            }
            let resized = try await client.execute(uri: "/v1/samples", method: .post, headers: H.auth,
                                                   body: H.body(next, pop: "ams1", allocations: ["bb-22": ["cpu_cores": 3.5, "memory_bytes": 9e9]]))
            #expect(resized.status == .ok, "\(String(buffer: resized.body))")
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains("headroom_stored_history_misses_total{window=\"risk_week\"} 1"),
                    "\(metrics.split(separator: "\n").filter { $0.contains("stored_history") })")
            #expect(log.lines.contains { $0.contains("workload bb-22: the store's rows did not end in its newest sample") }, "\(log.lines)")
            #expect(try #require(await h.service.score(workload: "bb-22")).risk.isFinite)
        }
    }

    /// The sum of `headroom_degenerate_state_resets_total` over its `member` labels.
    static func degenerateTotal(_ metrics: String) -> Double {
        metrics.split(separator: "\n").filter { $0.hasPrefix("headroom_degenerate_state_resets_total{") }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
    }

    @Test("a promoted version wrong inside: a restarted scorer serves the previous good one and healthz says which and why")
    func lastGoodVersion() async throws {
        let fixture = try ScorerFixture.get()
        let first = try await H.make(privateModels: true)
        let bad = try first.promoteCopy(of: fixture.version, wrongInside: true)
        #expect(try first.registry.promotedVersion() == bad)
        let models = first.registry.directory.path

        let restarted = try await H.make(storePath: first.storePath, modelsDirectory: models)
        #expect(restarted.started.models == .fellBack(serving: fixture.version, refused: [bad]))
        try await restarted.application().test(.router) { client in
            let response = try await client.execute(uri: "/healthz", method: .get)
            #expect(response.status == .ok)
            let health = try H.json(response)
            #expect(health["status"] as? String == "degraded")
            #expect(health["model_version"] as? String == fixture.version)
            let model = try #require(health["model"] as? [String: Any])
            #expect(model["serving"] as? String == fixture.version && model["promoted"] as? String == bad)
            let refused = try #require(model["refused"] as? [[String: Any]])
            #expect(refused.first?["version"] as? String == bad)
            #expect((refused.first?["reason"] as? String)?.contains("kind") == true, "\(refused)")
            #expect((model["reason"] as? String)?.contains("last good version \(fixture.version)") == true, "\(model)")
            // It scores with the version it serves.
            let samples = try restarted.continuation(of: "bb-1", count: 3)
            let r = try await client.execute(uri: "/v1/samples", method: .post, headers: H.auth, body: H.body(samples))
            #expect(try H.json(r)["scored"] as? Int == 1)
        }
        // The periodic reload does not retry the refused version.
        #expect(await restarted.service.reloadIfPromoted() == .refused(bad))
        // Promoting a good version again is served at once.
        let good = try restarted.promoteCopy(of: fixture.version)
        #expect(await restarted.service.reloadIfPromoted() == .loaded(good))
        #expect(await restarted.service.health().status == "ok")
    }

    @Test("the workload cap: a batch creating workloads past it is 429 and writes nothing; known workloads still ingest")
    func workloadCap() async throws {
        let h = try await H.make(maxWorkloads: ScorerFixture.workloads.count + 1)
        let t = try h.continuation(of: "bb-1", count: 2)[0].timestamp
        try await h.application().test(.router) { client in
            let (one, _) = try await Self.post(client, #"{"samples": [{"workload": "new-1", "timestamp": \#(t), "cpu_cores": 1}]}"#)
            #expect(one == .ok)
            let before = try h.sampleCount()
            let (status, object) = try await Self.post(client, #"{"samples": [{"workload": "new-2", "timestamp": \#(t), "cpu_cores": 1}, {"workload": "bb-1", "timestamp": \#(t), "cpu_cores": 1}]}"#)
            #expect(status == .tooManyRequests)
            #expect((Self.error(object)["message"] as? String)?.contains("max-workloads") == true, "\(object)")
            #expect(try h.sampleCount() == before)
            let (known, _) = try await Self.post(client, String(buffer: H.body(try h.continuation(of: "bb-1", count: 2))))
            #expect(known == .ok)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains("headroom_workload_cap_rejections_total 1"))
        }
    }
}
