import Forecast
import Foundation
import Hummingbird
import HummingbirdTesting
import Models
@testable import Decisions
@testable import Scorer
import ScorerIntake
import Store
import Testing

/// `headroom-scorer serve`'s service and HTTP API on a copy of the fixture's real store
/// and real trained version: ingest, reads, auth and validation, the decision loop and the
/// agents' command channel, model reloads, restart from the journal.
@Suite("Scoring service over HTTP")
struct ScorerServiceTests {
    typealias H = ServiceHarness

    @Test("healthz shows the promoted version; a batch over a real socket is stored, scored and readable")
    func ingestLive() async throws {
        let h = try await H.make()
        let fixture = try ScorerFixture.get()
        #expect(h.started.models == .loaded(fixture.version))
        let samples = try h.continuation(of: "bb-1", count: 12)
        let before = try h.sampleCount()
        try await h.application().test(.live) { client in
            let health = try H.json(try await client.execute(uri: "/healthz", method: .get))
            #expect(health["model_version"] as? String == fixture.version)
            #expect(health["workloads"] as? Int == ScorerFixture.workloads.count)

            let response = try await client.execute(uri: "/v1/samples", method: .post, headers: H.auth, body: H.body(samples))
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            let result = try H.json(response)
            #expect(result["accepted"] as? Int == 12)
            #expect(result["duplicates"] as? Int == 0)
            #expect(result["scored"] as? Int == 1)

            let again = try H.json(try await client.execute(uri: "/v1/samples", method: .post, headers: H.auth, body: H.body(samples)))
            #expect(again["accepted"] as? Int == 0 && again["duplicates"] as? Int == 12, "first write wins")

            let risk = try H.json(try await client.execute(uri: "/v1/workloads/bb-1/risk", method: .get, headers: H.auth))
            // Scored at the last sample, on the workload's 5-minute grid.
            #expect(abs((risk["timestamp"] as? Int64 ?? 0) - samples.last!.timestamp) < 300)
            let value = try #require(risk["risk"] as? Double)
            #expect(value >= 0 && value <= 1)
            let allocation = try #require(risk["allocation"] as? [String: Double])
            #expect(allocation["cpu_cores"] != nil && allocation["memory_bytes"] != nil)
            #expect(allocation.keys.allSatisfy { Resource(snakeCaseName: $0) != nil })

            let forecast = try H.json(try await client.execute(uri: "/v1/workloads/bb-1/forecast", method: .get, headers: H.auth))
            #expect(forecast["levels"] as? [Double] == [0.5, 0.9, 0.99])
            let perResource = try #require(forecast["forecast"] as? [String: [[Double]]])
            let cpu = try #require(perResource["cpu_cores"])
            #expect(cpu.count == 12 && cpu.allSatisfy { $0.count == 3 && $0[0] <= $0[1] + 1e-9 && $0[1] <= $0[2] + 1e-9 })
            #expect(perResource.keys.allSatisfy { Resource(snakeCaseName: $0) != nil })

            let missing = try await client.execute(uri: "/v1/workloads/nope/risk", method: .get, headers: H.auth)
            #expect(missing.status == .notFound)

            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains("headroom_samples_ingested_total 12"))
            #expect(metrics.contains("headroom_samples_duplicate_total 12"))
            #expect(metrics.contains("headroom_model_reloads_total 1"))
            #expect(metrics.contains("headroom_requests_rejected_total 1"))
            #expect(metrics.contains("headroom_risk_count"))
        }
        #expect(try h.sampleCount() == before + 12)
    }

    @Test("no token or a wrong one is 401; malformed batches are 400 naming the sample and field; oversized 413; nothing written")
    func rejections() async throws {
        let h = try await H.make(maxBodyBytes: 8192, maxSamples: 20)
        let samples = try h.continuation(of: "bb-6", count: 3)
        let before = try h.sampleCount()
        try await h.application().test(.router) { client in
            for headers: HTTPFields in [[:], [.authorization: "Bearer wrong-token-0123456789"], [.authorization: H.token]] {
                let r = try await client.execute(uri: "/v1/samples", method: .post, headers: headers, body: H.body(samples))
                #expect(r.status == .unauthorized)
            }
            let t = samples[0].timestamp
            let cases: [(String, HTTPResponse.Status, [String])] = [
                ("{\"samples\": [", .badRequest, ["not valid JSON"]),
                ("{\"samples\": [{\"workload\": \"bb-6\", \"timestamp\": \(t), \"cpu\": 1}]}", .badRequest, ["samples[0]", "unknown field \"cpu\""]),
                ("{\"samples\": [{\"workload\": \"bb-6\", \"timestamp\": \(t), \"cpu_cores\": 1}, {\"workload\": \"bb-6\", \"timestamp\": \(t + 300), \"memory_bytes\": -5}]}",
                 .badRequest, ["samples[1]", "memory_bytes", "-5"]),
                ("{\"samples\": [{\"workload\": \"bb-6\", \"timestamp\": \(t).5, \"cpu_cores\": 1}]}", .badRequest, ["samples[0].timestamp", "integer"]),
                ("{\"samples\": [{\"workload\": \"bb-6\", \"timestamp\": \"\(t)\"}]}", .badRequest, ["samples[0].timestamp", "integer"]),
                ("{\"samples\": [{\"timestamp\": \(t)}]}", .badRequest, ["samples[0].workload", "missing"]),
                ("{\"samples\": [], \"extra\": 1}", .badRequest, ["unknown key \"extra\""]),
                ("{\"pop\": \"nowhere\", \"samples\": [{\"workload\": \"bb-6\", \"timestamp\": \(t), \"cpu_cores\": 1}]}", .badRequest, ["unknown POP \"nowhere\"", "ams1"]),
                ("{\"samples\": [{\"workload\": \"bb-6\", \"timestamp\": \(t)}], \"allocations\": {\"bb-6\": {\"cpu_cores\": 1}}}", .badRequest, ["allocations", "needs \"pop\""]),
                ("{\"pop\": \"ams1\", \"samples\": [{\"workload\": \"bb-6\", \"timestamp\": \(t)}], \"allocations\": {\"bb-1\": {\"cpu_cores\": 1}}}", .badRequest, ["allocations.bb-1", "no sample"]),
                ("{\"pop\": \"ams1\", \"samples\": [{\"workload\": \"bb-6\", \"timestamp\": \(t)}], \"allocations\": {\"bb-6\": {\"cpu_cores\": -1}}}", .badRequest, ["allocations.bb-6.cpu_cores", "≥ 0"]),
                ("{\"pop\": \"ams1\", \"samples\": [{\"workload\": \"bb-6\", \"timestamp\": \(t)}], \"live_migratable\": [\"bb-1\"]}", .badRequest, ["live_migratable.bb-1", "no sample"]),
                ("{\"samples\": [{\"workload\": \"bb-6\", \"timestamp\": \(t)}], \"live_migratable\": [\"bb-6\"]}", .badRequest, ["live_migratable", "needs \"pop\""]),
                ("{\"samples\": [" + Array(repeating: "{\"workload\": \"x\", \"timestamp\": \(t)}", count: 21).joined(separator: ",") + "]}",
                 .contentTooLarge, ["21 samples", "at most 20"]),
                ("{\"samples\": [{\"workload\": \"bb-6\", \"timestamp\": \(t), \"cpu_cores\": 1}], \"pop\": \"" + String(repeating: "a", count: 9000) + "\"}",
                 .contentTooLarge, ["limit of 8192"]),
            ]
            for (body, status, fragments) in cases {
                let r = try await client.execute(uri: "/v1/samples", method: .post, headers: H.auth, body: ByteBuffer(string: body))
                let text = (try? H.json(r)["error"] as? [String: Any])?["message"] as? String ?? String(buffer: r.body)
                #expect(r.status == status, "\(body.prefix(120)) → \(text)")
                for fragment in fragments { #expect(text.contains(fragment), "\(body.prefix(120)) → \(text)") }
            }
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains("headroom_requests_rejected_total \(3 + cases.count)"))
            #expect(metrics.contains("headroom_samples_ingested_total 0"))
        }
        #expect(try h.sampleCount() == before, "nothing written")
        #expect(await h.service.placement(workload: "bb-6") == nil, "nothing placed")
    }

    @Test("the strict parser reads pop, allocations and checkpoints")
    func parser() throws {
        let body = """
            {"pop": "ams1", "samples": [{"workload": "w", "timestamp": 1700000000, "cpu_cores": 1.5, "memory_bytes": null}],
             "allocations": {"w": {"cpu_cores": 2, "memory_bytes": 4294967296}}, "checkpoints": {"w": 1699999000}}
            """
        let batch = try SampleBatch.parse(ByteBuffer(string: body), maxSamples: 10)
        #expect(batch.pop == "ams1")
        #expect(batch.samples.count == 1 && batch.samples[0].values[0] == 1.5 && batch.samples[0].values[1].isNaN)
        #expect(batch.allocations["w"]?[Resource.cpuCores.rawValue] == 2)
        #expect(batch.allocations["w"]?[Resource.memoryBytes.rawValue] == 4294967296)
        #expect(batch.allocations["w"]?[Resource.diskReadBytesPerSecond.rawValue].isNaN == true)
        #expect(batch.checkpoints == ["w": 1699999000])
        #expect(throws: HTTPError.self) {
            try SampleBatch.parse(ByteBuffer(string: #"{"pop":"a","samples":[{"workload":"w","timestamp":1}],"allocations":{"w":{"gpu":1}}}"#), maxSamples: 10)
        }
        #expect(throws: HTTPError.self) {
            try SampleBatch.parse(ByteBuffer(string: #"{"pop":"a","samples":[{"workload":"w","timestamp":1}],"checkpoints":{"w":1.5}}"#), maxSamples: 10)
        }
    }
}
