import Forecast
import Foundation
import Hummingbird
import HummingbirdTesting
@testable import Decisions
@testable import Scorer
import ScorerIntake
import Store
import Testing
import Wire

/// A batch's `traces`: parsed strictly, stored with the samples in one transaction, and
/// fed to the online states interleaved with the samples by time.
@Suite("Scoring service: trace events in sample batches", .serialized)
struct ScorerServiceTraceTests {
    typealias H = ServiceHarness

    static func parse(_ body: String, maxTraces: Int = 10) throws -> SampleBatch {
        try SampleBatch.parse(ByteBuffer(string: body), maxSamples: 10, maxTraces: maxTraces)
    }

    /// The message of the `HTTPError` parsing `body` throws, and its status.
    static func failure(_ body: String, maxTraces: Int = 10) -> (HTTPResponse.Status, String)? {
        do {
            _ = try parse(body, maxTraces: maxTraces)
            return nil
        } catch let error as HTTPError {
            return (error.status, error.body ?? "")
        } catch {
            return (.internalServerError, "\(error)")
        }
    }

    @Test("good traces: every field read, attributes re-encoded flat with sorted keys, value null = absent")
    func parserGood() throws {
        let batch = try Self.parse("""
            {"samples": [], "traces": [
              {"workload": "w", "timestamp": 1732500000.25, "kind": "phase", "name": "load", "value": 3,
               "attributes": {"table": "orders/2", "a": 1.5, "ok": true, "none": null}},
              {"workload": "w", "timestamp": 1732500001, "kind": "state", "name": "S:futex", "value": null},
              {"workload": "v", "timestamp": 0, "kind": "loop", "name": "rows", "attributes": null}]}
            """)
        #expect(batch.samples.isEmpty)
        #expect(batch.traces == [
            TraceEvent(workload: "w", timestampSeconds: 1732500000.25, kind: "phase", name: "load", value: 3,
                               attributesJSON: #"{"a":1.5,"none":null,"ok":true,"table":"orders/2"}"#),
            TraceEvent(workload: "w", timestampSeconds: 1732500001, kind: "state", name: "S:futex"),
            TraceEvent(workload: "v", timestampSeconds: 0, kind: "loop", name: "rows"),
        ])
        #expect(try Self.parse(#"{"samples": []}"#).traces.isEmpty)
    }

    @Test("bad traces: a 400 naming the element and the field; too many is a 413")
    func parserBad() {
        let ok = #""workload": "w", "timestamp": 1732500000, "kind": "phase", "name": "load""#
        let cases: [(String, HTTPResponse.Status, [String])] = [
            (#"{"samples": [], "traces": {}}"#, .badRequest, ["traces"]),
            (#"{"samples": [], "traces": [{\#(ok)}, {\#(ok), "colour": 1}]}"#, .badRequest, ["traces[1]", "unknown field \"colour\""]),
            (#"{"samples": [], "traces": [{"workload": "w", "timestamp": 1, "kind": "phase"}]}"#, .badRequest, ["traces[0].name", "missing"]),
            (#"{"samples": [], "traces": [{"workload": "w", "timestamp": 1, "kind": "enter", "name": "x"}]}"#, .badRequest, ["traces[0].kind", "\"enter\""]),
            (#"{"samples": [], "traces": [{"workload": "w", "timestamp": 1732500000000, "kind": "phase", "name": "x"}]}"#, .badRequest,
             ["traces[0].timestamp", "between 1970 and 2100"]),
            (#"{"samples": [], "traces": [{"workload": "w", "timestamp": "now", "kind": "phase", "name": "x"}]}"#, .badRequest,
             ["traces[0].timestamp", "a number"]),
            (#"{"samples": [], "traces": [{"workload": "w", "timestamp": -1, "kind": "phase", "name": "x"}]}"#, .badRequest, ["traces[0].timestamp"]),
            (#"{"samples": [], "traces": [{\#(ok), "value": "3"}]}"#, .badRequest, ["traces[0].value", "finite number or null"]),
            (#"{"samples": [], "traces": [{\#(ok), "attributes": {"a": {"b": 1}}}]}"#, .badRequest, ["traces[0].attributes.a", "flat"]),
            (#"{"samples": [], "traces": [{\#(ok), "attributes": [1]}]}"#, .badRequest, ["traces[0].attributes", "object"]),
            (#"{"samples": [], "traces": [{"workload": "", "timestamp": 1, "kind": "phase", "name": "x"}]}"#, .badRequest, ["traces[0].workload", "1 to 256 bytes"]),
            (#"{"samples": [], "traces": [{"workload": 7, "timestamp": 1, "kind": "phase", "name": "x"}]}"#, .badRequest, ["traces[0].workload", "a string"]),
            ("{\"samples\": [], \"traces\": [{\"workload\": \"w\", \"timestamp\": 1, \"kind\": \"phase\", \"name\": \"\(String(repeating: "n", count: 257))\"}]}",
             .badRequest, ["traces[0].name", "257"]),
            ("{\"samples\": [], \"traces\": [" + Array(repeating: "{\(ok)}", count: 11).joined(separator: ",") + "]}", .contentTooLarge,
             ["11 trace events", "at most 10"]),
        ]
        for (body, status, fragments) in cases {
            guard let (got, message) = Self.failure(body) else {
                Issue.record("accepted \(body.prefix(120))")
                continue
            }
            #expect(got == status, "\(body.prefix(120)) → \(message)")
            for fragment in fragments { #expect(message.contains(fragment), "\(body.prefix(120)) → \(message)") }
        }
    }

    @Test("the feed hands each workload's events on in time order, those up to a sample before it, the rest at the end")
    func feedOrder() {
        let e = { (w: String, t: Double, n: String) in TraceEvent(workload: w, timestampSeconds: t, kind: "state", name: n) }
        var feed = BatchTraceFeed([e("a", 20, "late"), e("b", 5, "b1"), e("a", 10, "early"), e("a", 10, "tie-second"), e("a", 31, "after")])
        #expect(feed.workloads == ["a", "b"] && feed.firstTimestamp(of: "a") == 10)
        var seen: [String] = []
        feed.feed("a", through: 10) { seen.append($0.name) }
        #expect(seen == ["early", "tie-second"])
        feed.feed("a", through: 30) { seen.append($0.name) }
        #expect(seen == ["early", "tie-second", "late"])
        feed.feedRest { seen.append($0.name) }
        #expect(seen == ["early", "tie-second", "late", "after", "b1"])
    }

    static func traceRows(_ store: HeadroomStore) throws -> Int {
        try store.summary().traceEvents
    }

    static func body(_ samples: [IncomingSample], traces: [[String: Any]]) throws -> ByteBuffer {
        var object = try JSONSerialization.jsonObject(with: Data(buffer: H.body(samples))) as! [String: Any]
        object["traces"] = traces
        return ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object))
    }

    @Test("a batch with traces stores them with the samples and feeds them to the workload's online state; a reload replays them")
    func ingestTraces() async throws {
        let h = try await H.make(privateModels: true)
        let samples = try h.continuation(of: "bb-1", count: 3)
        let t = Double(samples[0].timestamp)
        let traces: [[String: Any]] = [
            ["workload": "bb-1", "timestamp": t - 10, "kind": "phase", "name": "load", "attributes": ["file": "a.csv"]],
            ["workload": "bb-1", "timestamp": t + 301, "kind": "state", "name": "S:futex"],
            ["workload": "bb-1", "timestamp": t + 10_000, "kind": "loop", "name": "rows", "value": 7],
            ["workload": "bb-1", "timestamp": t + 10_001, "kind": "state", "name": "R"],
            ["workload": "traced-only", "timestamp": t, "kind": "phase", "name": "start"],
        ]
        let before = try h.sampleCount()
        #expect(try Self.traceRows(h.store) == 0)
        let body = try Self.body(samples, traces: traces)
        try await h.application().test(.router) { client in
            let response = try await client.execute(uri: "/v1/samples", method: .post, headers: H.auth, body: body)
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            let result = try H.json(response)
            #expect(result["accepted"] as? Int == 3 && result["traces"] as? Int == 5 && result["scored"] as? Int == 1)
            #expect(result["new_workloads"] as? Int == 1)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains("headroom_trace_events_ingested_total 5"))
        }
        #expect(try h.sampleCount() == before + 3)
        let stored = try h.store.traceEvents(workload: "bb-1", from: 0, to: 5e9)
        #expect(stored.map(\.kind) == ["phase", "state", "loop", "state"])
        #expect(stored.map(\.name) == ["load", "S:futex", "rows", "R"])
        #expect(stored[0].attributes == #"{"file":"a.csv"}"# && stored[2].value == 7 && stored[0].timestamp == t - 10)
        #expect(try h.store.traceEvents(workload: "traced-only", from: 0, to: 5e9).map(\.name) == ["start"])
        #expect(try h.store.workload(named: "traced-only")?.source == "agent")
        // Every event reached the online states, the trace-only workload's included.
        #expect(await h.service.traceEventsObserved(workload: "bb-1") == 4)
        #expect(await h.service.traceEventsObserved(workload: "traced-only") == 1)

        // A new version's states are warmed on the stored phase and state events up to each
        // workload's last sample (two for bb-1: the samples end at t + 600), then caught up
        // on the later ones (one); spans and loops make no symbols and are not replayed.
        let next = try h.promoteCopy(of: try ScorerFixture.get().version)
        #expect(await h.service.reloadIfPromoted() == .loaded(next))
        let observed = await h.service.traceEventsObserved(workload: "bb-1")
        #expect(observed == 3, "observed \(String(describing: observed))")
        #expect(await h.service.traceEventsObserved(workload: "bb-6") == 0)
    }

    @Test("one bad trace element: a 400 naming it, and neither the samples nor the other events are written")
    func badElementWritesNothing() async throws {
        let h = try await H.make()
        let samples = try h.continuation(of: "bb-6", count: 3)
        let t = Double(samples[0].timestamp)
        let traces: [[String: Any]] = [
            ["workload": "bb-6", "timestamp": t, "kind": "phase", "name": "load"],
            ["workload": "bb-6", "timestamp": t + 1, "kind": "phase", "name": "crunch"],
            ["workload": "bb-6", "timestamp": t * 1000, "kind": "phase", "name": "in milliseconds"],
        ]
        let before = try h.sampleCount()
        let body = try Self.body(samples, traces: traces)
        try await h.application().test(.router) { client in
            let response = try await client.execute(uri: "/v1/samples", method: .post, headers: H.auth, body: body)
            let text = String(buffer: response.body)
            #expect(response.status == .badRequest)
            #expect(text.contains("traces[2].timestamp"), "\(text)")
        }
        #expect(try h.sampleCount() == before, "no sample written")
        #expect(try Self.traceRows(h.store) == 0, "no trace event written")
        #expect(await h.service.traceEventsObserved(workload: "bb-6") == 0)
    }
}
