import Agent
import Foundation
import Hummingbird
import Resources
import ScorerIntake
import Testing
import Wire

/// A batch written by the agent's code (`SampleBatchBody.json()`) and read by the scorer's
/// intake (`SampleBatch.parse`) carries the same values; the scorer's strict decoding
/// still refuses what the protocol does not allow.
@Suite("Wire: sample batches from the agent to the scorer")
struct SampleBatchBodyTests {
    static let now: Int64 = 1_732_500_600

    /// A batch as the agent's run loop builds one: two workloads, one with a VM, unmeasured
    /// resources, allocations from cgroup limits, a checkpoint and trace events.
    static func agentBatch() -> SampleBatchBody {
        var body = SampleBatchBody(pop: "ams1")
        body.samples.append(.init(workload: "etl", timestamp: now - 5, values: ["cpu_cores": 1.25, "memory_bytes": 3.5e8]))
        var all = ResourceVector.absent
        for resource in Resource.allCases { all[resource] = Double(resource.rawValue + 1) * 1000 }
        body.samples.append(.init(workload: "vm", timestamp: now - 4, values: all))
        body.allocations["etl"] = ResourceLimits(cpuCores: 2, memoryBytes: 1 << 30).vector
        body.allocations["vm"] = ResourceLimits(cpuCores: nil, memoryBytes: 512 << 20).vector
        body.checkpoints["etl"] = now - 60
        body.liveMigratable.insert("vm")
        body.traces = [
            TraceEvent(workload: "etl", timestampSeconds: Double(now) - 6.75, kind: .phase, name: "load",
                       attributesJSON: #"{"file":"a.csv","n":2,"ok":true,"z":null}"#),
            TraceEvent(workload: "etl", timestampSeconds: Double(now) - 5.5, kind: .loop, name: "rows", value: 3000),
            TraceEvent(workload: "vm", timestampSeconds: Double(now) - 4.25, kind: .state, name: "S:futex"),
        ]
        return body
    }

    @Test("what the agent encodes, the wire type decodes to the same value")
    func roundTripValue() throws {
        let body = Self.agentBatch()
        let decoded = try WireJSON.decode(SampleBatchBody.self, from: body.json(), what: "a sample batch")
        #expect(decoded == body)
        let empty = SampleBatchBody(pop: "ams1")
        #expect(try WireJSON.decode(SampleBatchBody.self, from: empty.json(), what: "a sample batch") == empty)
    }

    @Test("the scorer's intake reads the agent's batch: samples, allocations, checkpoints, VMs and traces")
    func roundTripIntake() throws {
        let body = Self.agentBatch()
        let batch = try SampleBatch.parse(ByteBuffer(data: body.json()), maxSamples: 10, maxTraces: 10, nowSeconds: Self.now)
        #expect(batch.pop == "ams1")
        #expect(batch.samples.map(\.workload) == ["etl", "vm"])
        #expect(batch.samples.map(\.timestamp) == [Self.now - 5, Self.now - 4])
        for (sample, sent) in zip(batch.samples, body.samples) {
            #expect(ResourceVector(sample.values) == sent.values)
        }
        #expect(batch.samples[0].values[Resource.diskReadBytesPerSecond.rawValue].isNaN, "an unmeasured resource stays absent")
        #expect(batch.allocations.mapValues(ResourceVector.init) == body.allocations)
        #expect(batch.allocations["vm"]?[Resource.cpuCores.rawValue].isNaN == true, "no CPU limit is no allocation")
        #expect(batch.checkpoints == body.checkpoints)
        #expect(batch.liveMigratable == ["vm"])
        #expect(batch.traces == body.traces)
    }

    @Test("the agent leaves out sections for workloads without a sample, which the scorer would refuse")
    func pruned() throws {
        var body = Self.agentBatch()
        body.allocations["gone"] = ResourceLimits(cpuCores: 1).vector
        body.checkpoints["gone"] = Self.now - 10
        body.liveMigratable.insert("gone")
        let batch = try SampleBatch.parse(ByteBuffer(data: body.json()), maxSamples: 10, nowSeconds: Self.now)
        #expect(batch.allocations["gone"] == nil && batch.checkpoints["gone"] == nil && !batch.liveMigratable.contains("gone"))
    }

    /// The message of the 400/413 `parse` throws for `text`.
    static func failure(_ text: String, maxSamples: Int = 10) -> (HTTPResponse.Status, String)? {
        do {
            _ = try SampleBatch.parse(ByteBuffer(string: text), maxSamples: maxSamples, maxTraces: 10, nowSeconds: now)
            return nil
        } catch let error as HTTPError {
            return (error.status, error.body ?? "")
        } catch let error as any HTTPResponseError {
            // `FieldViolation`: a rule of `InputRules`, its own JSON body; its description is the message.
            return (error.status, "\(error)")
        } catch {
            return (.internalServerError, "\(error)")
        }
    }

    @Test("strict decoding: each malformed body is a 400 naming the field and what was expected", arguments: [
        (#"{"samples": [], "colour": 1}"#, "unknown key \"colour\" at the top level"),
        (#"{"pop": "a"}"#, "expected an object {\"samples\": [...]}"),
        (#"{"samples": [{"workload": "w", "timestamp": 1732500000, "gpu": 1}]}"#, "samples[0]: unknown field \"gpu\""),
        (#"{"samples": [{"workload": "w"}]}"#, "samples[0].timestamp: missing"),
        (#"{"samples": [{"workload": "w", "timestamp": 1.5}]}"#, "samples[0].timestamp: expected Unix seconds (an integer)"),
        (#"{"samples": [{"workload": "w", "timestamp": 1732500000, "cpu_cores": "1"}]}"#, "samples[0].cpu_cores: expected a number ≥ 0"),
        (#"{"samples": [{"workload": 3, "timestamp": 1732500000}]}"#, "samples[0].workload: expected a string"),
        (#"{"pop": "a", "samples": [{"workload": "w", "timestamp": 1732500000}], "allocations": {"w": {"gpu": 1}}}"#,
         "allocations.w: unknown resource \"gpu\""),
        (#"{"pop": "a", "samples": [{"workload": "w", "timestamp": 1732500000}], "allocations": {"w": {"cpu_cores": -1}}}"#,
         "allocations.w.cpu_cores: expected"),
        (#"{"pop": "a", "samples": [{"workload": "w", "timestamp": 1732500000}], "checkpoints": {"w": 1.5}}"#,
         "checkpoints.w: expected Unix seconds (an integer)"),
        (#"{"samples": [], "traces": [{"workload": "w", "timestamp": 1, "kind": "enter", "name": "x"}]}"#, "traces[0].kind: \"enter\" is not one of"),
        (#"{"samples": [], "traces": [{"workload": "w", "timestamp": 1, "kind": "phase", "name": "x", "value": "3"}]}"#,
         "traces[0].value: expected a finite number or null"),
        ("{\"samples\": [", "body is not valid JSON"),
    ])
    func rejects(text: String, fragment: String) throws {
        let (status, message) = try #require(Self.failure(text), "accepted \(text)")
        #expect(status == .badRequest, "\(message)")
        #expect(message.contains(fragment), "\(text) → \(message)")
    }

    @Test("rules after decoding: the clock, cross-references and sizes")
    func rulesAfterDecoding() throws {
        let ok = #"{"workload": "w", "timestamp": 1732500000}"#
        let cases: [(String, HTTPResponse.Status, String)] = [
            (#"{"samples": [{"workload": "w", "timestamp": 4000000000}]}"#, .badRequest, "samples[0] (workload \"w\").timestamp"),
            (#"{"samples": [\#(ok)], "allocations": {"w": {"cpu_cores": 1}}}"#, .badRequest, "allocations: needs \"pop\""),
            (#"{"pop": "a", "samples": [\#(ok)], "checkpoints": {"v": 1732500000}}"#, .badRequest, "checkpoints.v: workload has no sample"),
            (#"{"pop": "", "samples": [\#(ok)]}"#, .badRequest, "pop: is empty"),
            (#"{"samples": [\#(ok), \#(ok)]}"#, .contentTooLarge, "2 samples in one batch; at most 1"),
        ]
        for (text, status, fragment) in cases {
            let (got, message) = try #require(Self.failure(text, maxSamples: 1), "accepted \(text)")
            #expect(got == status && message.contains(fragment), "\(text) → \(got) \(message)")
        }
    }
}
