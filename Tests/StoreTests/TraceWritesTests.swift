import Foundation
import Forecast
import Testing
@testable import Store
import Wire

/// Trace events through `append(traceEvents:)` and back through `traceEvents(workload:)`,
/// on an in-memory store and on a real file (reopened to check what was committed).
@Suite("Trace event writes")
struct TraceWritesTests {
    static func events(_ workload: String, count: Int, start: Double = 1_732_500_000) -> [TraceEvent] {
        (0..<count).map { i in
            TraceEvent(workload: workload, timestampSeconds: start + Double(i) * 0.5,
                               kind: ["phase", "state", "loop"][i % 3], name: "n\(i % 4)",
                               value: i % 3 == 2 ? Double(i) : nil,
                               attributesJSON: i == 0 ? #"{"file":"a.csv"}"# : nil)
        }
    }

    @Test("a batch creates its workloads once, keeps every event, reads back in time order", arguments: TestSupport.Kind.allCases)
    func roundTrip(_ kind: TestSupport.Kind) throws {
        let (store, directory) = try TestSupport.makeStore(kind)
        defer { try? FileManager.default.removeItem(at: directory) }
        let batch = Self.events("etl", count: 10) + Self.events("web", count: 3)
        let result = try store.append(traceEvents: batch, now: 1_732_500_000)
        #expect(result == TraceAppendResult(inserted: 13, newWorkloads: ["etl", "web"]))
        let again = try store.append(traceEvents: Self.events("etl", count: 2, start: 1_732_400_000), now: 1_732_500_001)
        #expect(again == TraceAppendResult(inserted: 2, newWorkloads: []))
        #expect(try store.workload(named: "etl")?.source == "agent")

        let reopened = kind != .memory ? try HeadroomStore(path: store.path!) : store
        let etl = try reopened.traceEvents(workload: "etl", from: 0, to: 5e9)
        #expect(etl.count == 12)
        #expect(etl.map(\.timestamp) == etl.map(\.timestamp).sorted())
        let first = try #require(etl.first { $0.timestamp == 1_732_500_000 })
        #expect(first.kind == "phase" && first.name == "n0" && first.attributes == #"{"file":"a.csv"}"# && first.value == nil)
        #expect(etl.first { $0.timestamp == 1_732_500_001 }?.value == 2)
        #expect(try reopened.traceEvents(workload: "etl", from: 1_732_500_000, to: 1_732_500_002).count == 4)
        #expect(try reopened.traceEvents(workload: "nobody", from: 0, to: 5e9).isEmpty)
    }

    @Test("retention deletes exactly the events older than the cutoff, of every workload, in batches", arguments: TestSupport.Kind.allCases)
    func retention(_ kind: TestSupport.Kind) throws {
        let (store, directory) = try TestSupport.makeStore(kind)
        defer { try? FileManager.default.removeItem(at: directory) }
        // 25 events of "etl" and 7 of "web", 0.5 s apart from the same start.
        let start = 1_732_500_000.0
        _ = try store.append(traceEvents: Self.events("etl", count: 25, start: start) + Self.events("web", count: 7, start: start), now: 0)
        _ = try store.append(traceEvents: [], now: 0)
        let cutoff = start + 3   // events at start, +0.5 … +2.5 are older: 6 per workload
        // A batch of 4 needs two transactions for each workload.
        #expect(try store.deleteTraceEvents(before: cutoff, batchSize: 4) == 12)
        let etl = try store.traceEvents(workload: "etl", from: 0, to: 5e9)
        let web = try store.traceEvents(workload: "web", from: 0, to: 5e9)
        #expect(etl.count == 19 && web.count == 1)
        #expect((etl + web).allSatisfy { $0.timestamp >= cutoff })
        #expect(etl.first?.timestamp == cutoff)   // "older than": the cutoff itself stays
        #expect(try store.deleteTraceEvents(before: cutoff) == 0)
        #expect(throws: StoreError.self) { try store.deleteTraceEvents(before: .nan) }
        #expect(throws: StoreError.self) { try store.deleteTraceEvents(before: cutoff, batchSize: 0) }
        if kind != .memory {
            #expect(try HeadroomStore(path: store.path!).traceEvents(workload: "etl", from: 0, to: 5e9).count == 19)
        }
    }

    @Test("a bad event anywhere in the batch writes nothing and is named", arguments: TestSupport.Kind.allCases)
    func validation(_ kind: TestSupport.Kind) throws {
        let (store, directory) = try TestSupport.makeStore(kind)
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = Self.events("w", count: 3)
        let bad: [(TraceEvent, String)] = [
            (TraceEvent(workload: "", timestampSeconds: 1, kind: "phase", name: "x"), "workload name"),
            (TraceEvent(workload: "w", timestampSeconds: 1.7e12, kind: "phase", name: "x"), "not Unix seconds"),
            (TraceEvent(workload: "w", timestampSeconds: .nan, kind: "phase", name: "x"), "not Unix seconds"),
            (TraceEvent(workload: "w", timestampSeconds: 1, kind: "enter", name: "x"), "kind \"enter\""),
            (TraceEvent(workload: "w", timestampSeconds: 1, kind: "phase", name: ""), "name must be"),
            (TraceEvent(workload: "w", timestampSeconds: 1, kind: "loop", name: "x", value: .infinity), "not finite"),
        ]
        for (event, words) in bad {
            do {
                _ = try store.append(traceEvents: good + [event], now: 0)
                Issue.record("accepted \(event)")
            } catch let error as StoreError {
                #expect(error.description.hasPrefix("trace event 3: ") && error.description.contains(words), "\(error)")
            }
        }
        #expect(try store.scalarCount("SELECT COUNT(*) FROM trace_events") == 0)
        #expect(try store.workloads().isEmpty)
        #expect(try store.append(traceEvents: [], now: 0) == TraceAppendResult(inserted: 0, newWorkloads: []))
    }

    @Test("10 000 events in one call are one transaction (fast on a file store)")
    func largeBatch() throws {
        let (store, directory) = try TestSupport.makeStore(.file)
        defer { try? FileManager.default.removeItem(at: directory) }
        let start = Date()
        let result = try store.append(traceEvents: Self.events("big", count: 10_000), now: 0)
        #expect(result.inserted == 10_000)
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(try store.traceEvents(workload: "big", from: 0, to: 5e9).count == 10_000)
    }
    @Test("samples and trace events of one batch are one transaction: a failing trace insert leaves no sample", arguments: TestSupport.Kind.allCases)
    func batchTransaction(_ kind: TestSupport.Kind) throws {
        let (store, directory) = try TestSupport.makeStore(kind)
        defer { try? FileManager.default.removeItem(at: directory) }
        let samples = (0..<3).map { IncomingSample(workload: "w", timestamp: 1_732_500_000 + Int64($0) * 300,
                                                   values: [Double](repeating: 1, count: Resource.count)) }
        let result = try store.append(samples: samples, traceEvents: Self.events("w", count: 2) + Self.events("only-traced", count: 1), now: 0)
        #expect(result.samples.inserted == 3 && result.traces.inserted == 3)
        #expect(result.newWorkloads == ["w", "only-traced"] && result.traces.newWorkloads == ["only-traced"])
        #expect(try store.traceEvents(workload: "w", from: 0, to: 5e9).count == 2)

        // A bad event is refused before anything is written, naming it.
        #expect(throws: StoreError.self) {
            try store.append(samples: samples.map { var s = $0; s.timestamp += 3600; return s },
                             traceEvents: [TraceEvent(workload: "w", timestampSeconds: 1, kind: "enter", name: "x")], now: 0)
        }
        // An insert failing inside the transaction (the table is gone) rolls the samples back too.
        try store.execute("DROP TABLE trace_events")
        #expect(throws: (any Error).self) {
            try store.append(samples: samples.map { var s = $0; s.timestamp += 7200; return s }, traceEvents: Self.events("w", count: 1), now: 0)
        }
        #expect(try store.scalarCount("SELECT COUNT(*) FROM samples") == 3)
    }
}
