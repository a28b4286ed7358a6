import Foundation
import Testing
@testable import Agent

#if canImport(Glibc)
import Glibc
#endif

/// The agent-side pieces of trace collection that need no cgroups: the `/proc/<pid>/cgroup`
/// parser, the cgroup → workload rule, the bounded buffer and the batch's `traces` field.
@Suite("Trace collection: parser, attribution, buffer, batch field")
struct TraceCollectionTests {
    @Test("/proc/<pid>/cgroup: v1 lines with controllers, v2's 0:: line, a path with a colon; malformed lines named")
    func membershipParser() throws {
        let v1 = "12:pids:/user.slice\n7:memory:/headroom/a/agg\n4:cpu,cpuacct:/headroom/a/agg\n1:name=systemd:/user.slice/x:y\n"
        let parsed = try ProcessCgroupMembership(parsing: v1)
        #expect(parsed.entries.count == 4)
        #expect(parsed.entries[1] == .init(hierarchyID: 7, controllers: ["memory"], path: "/headroom/a/agg"))
        #expect(parsed.entries[2].controllers == ["cpu", "cpuacct"])
        #expect(parsed.entries[3].path == "/user.slice/x:y")
        #expect(try ProcessCgroupMembership(parsing: "0::/headroom/b/w.part2\n").entries == [.init(hierarchyID: 0, controllers: [], path: "/headroom/b/w.part2")])
        #expect(throws: SamplingError.malformed(file: "f", line: 2, field: "hierarchy-ID:controllers:path",
                                                reason: "\"garbage\" does not have three colon-separated fields")) {
            try ProcessCgroupMembership(parsing: "0::/\ngarbage\n", file: "f")
        }
        #expect(throws: SamplingError.self) { try ProcessCgroupMembership(parsing: "x:memory:/a\n") }
    }

    @Test("cgroup path → workload: its own cgroup, a part's, below it; other POPs, prefixes and names are nobody's")
    func attributionRule() {
        let rule = WorkloadAttribution(prefix: "/headroom/", pops: ["a", "b"], workloads: ["agg", "web.part", "x.part1"])
        #expect(rule.workload(cgroupPath: "/headroom/a/agg") == "agg")
        #expect(rule.workload(cgroupPath: "headroom/b/agg.part3") == "agg")
        #expect(rule.workload(cgroupPath: "/headroom/a/agg/sub") == "agg")
        #expect(rule.workload(cgroupPath: "/headroom/a/x.part1") == "x.part1", "a declared name wins over the part rule")
        #expect(rule.workload(cgroupPath: "/headroom/a/web.part") == "web.part")
        #expect(rule.workload(cgroupPath: "/headroom/a/agg.partly") == nil)
        #expect(rule.workload(cgroupPath: "/headroom/c/agg") == nil, "not one of our POPs")
        #expect(rule.workload(cgroupPath: "/other/a/agg") == nil)
        #expect(rule.workload(cgroupPath: "/headroom/a") == nil)
        #expect(rule.workload(cgroupPath: "/headroom/a/unknown") == nil)
        #expect(rule.workload(cgroupPath: "/") == nil)
        // This test process is in no managed cgroup; a pid that does not exist is nobody's.
        #expect(rule.workload(pid: getpid()) == nil)
        #expect(rule.workload(pid: Int32.max) == nil)
    }

    static func event(_ workload: String, _ name: String, attributes: String? = nil) -> TraceEvent {
        TraceEvent(workload: workload, timestampSeconds: 1_732_500_000, kind: .phase, name: name, attributesJSON: attributes)
    }

    @Test("the buffer keeps the oldest up to its capacity, counts the drops, drains in order within the count and byte budgets")
    func buffer() {
        let buffer = TraceBuffer(capacity: 5)
        #expect(buffer.append((0..<3).map { Self.event("w", "e\($0)") }) == 0)
        #expect(buffer.append((3..<7).map { Self.event("w", "e\($0)") }) == 2)
        #expect(buffer.counters == .init(appended: 5, dropped: 2, pending: 5))
        #expect(buffer.drain(maximumEvents: 2).map(\.name) == ["e0", "e1"])
        #expect(buffer.append([Self.event("w", "e7")]) == 0, "room again after a drain")
        let one = TraceBuffer.estimatedJSONBytes(Self.event("w", "e2"))
        #expect(buffer.drain(maximumBytes: 2 * one).map(\.name) == ["e2", "e3"])
        #expect(buffer.drain(maximumBytes: 1).map(\.name) == ["e4"], "at least one, whatever its size")
        #expect(buffer.drain().map(\.name) == ["e7"])
        #expect(buffer.drain().isEmpty && buffer.counters.pending == 0)
    }

    @Test("the batch body carries traces with attributes as objects, and leaves the field out when there are none")
    func batchBody() throws {
        var body = SampleBatchBody(pop: "a")
        body.traces = [Self.event("agg", "load", attributes: #"{"file":"a.csv","n":2}"#),
                       TraceEvent(workload: "agg", timestampSeconds: 1_732_500_000.5, kind: .loop, name: "rows", value: 3000)]
        let object = try #require(try JSONSerialization.jsonObject(with: body.json()) as? [String: Any])
        let traces = try #require(object["traces"] as? [[String: Any]])
        #expect(traces.count == 2)
        #expect(traces[0]["workload"] as? String == "agg" && traces[0]["kind"] as? String == "phase" && traces[0]["name"] as? String == "load")
        #expect((traces[0]["attributes"] as? [String: Any])?["file"] as? String == "a.csv")
        #expect(traces[0]["value"] == nil)
        #expect(traces[1]["timestamp"] as? Double == 1_732_500_000.5 && traces[1]["value"] as? Double == 3000 && traces[1]["kind"] as? String == "loop")
        let empty = try #require(try JSONSerialization.jsonObject(with: SampleBatchBody(pop: "a").json()) as? [String: Any])
        #expect(empty["traces"] == nil)
    }
}
