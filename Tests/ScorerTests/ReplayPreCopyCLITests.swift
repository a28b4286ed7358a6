import Foundation
import Store
import Testing

/// `headroom-scorer replay` on the fixture's Bitbrains VMs with a fleet that forces live
/// moves: each is priced by pre-copy, and the summary and the decisions export say with what.
@Suite("Replay through the CLI: live moves priced by pre-copy", .serialized)
struct ReplayPreCopyCLITests {
    static func fleet(memoryA: Double, coresA: Double) -> String {
        """
        [[pops]]
        name = "a"
        price_per_hour = 0.1
        strategies = ["live", "checkpoint_restart"]
        [pops.capacity]
        cpu_cores = \(coresA)
        memory_bytes = \(memoryA)

        [[pops]]
        name = "b"
        price_per_hour = 0.2
        strategies = ["live", "checkpoint_restart"]
        [pops.capacity]
        cpu_cores = 1000
        memory_bytes = 1e13

        [[links]]
        from = "a"
        to = "b"
        bandwidth_bytes_per_second = 1.25e9
        latency_seconds = 0.005
        """
    }

    static func replay(store: String, fleet: String, extra: [String]) throws -> [String: Any] {
        let fixture = try ScorerFixture.get()
        let out = try ScorerFixture.run("headroom-scorer", ["replay", "--db", store, "--models", fixture.modelsDirectory, "--pops", fleet,
                                                            "--policy", "oracle", "--from", ReplayTests.from, "--to", ReplayTests.to, "--json"] + extra)
        #expect(out.status == 0, "\(out.stderr)")
        let last = try #require(out.stdout.split(separator: "\n").last)
        return try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
    }

    @Test("every live move of a VM is priced by its measured rate (bb-11) or the trace proxy, never the flat fraction; the export names it per move")
    func pricedByPreCopy() throws {
        let fixture = try ScorerFixture.get()
        let (store, directory) = try fixture.copyStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        try HeadroomStore(path: store).recordDirtyRate(.init(workload: "bb-11", bytesPerSecond: 3e7, rounds: 3, measuredAt: ScorerFixture.untilSeconds))

        // The starting allocations, on a fleet with room everywhere.
        let roomy = directory.appendingPathComponent("roomy.toml").path
        try Self.fleet(memoryA: 1e13, coresA: 1000).write(toFile: roomy, atomically: true, encoding: .utf8)
        let allocations = directory.appendingPathComponent("alloc.csv").path
        _ = try Self.replay(store: store, fleet: roomy, extra: ["--export-allocations", allocations])
        var first: [String: (Double, Double)] = [:]
        for line in try String(contentsOfFile: allocations, encoding: .utf8).split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            if first[f[1]] == nil { first[f[1]] = (Double(f[3]) ?? 0, Double(f[4]) ?? 0) }
        }
        #expect(first.count == ScorerFixture.workloads.count)

        // POP a holds exactly those: any growth moves a VM live to b.
        let tight = directory.appendingPathComponent("tight.toml").path
        // (Summed in name order: the same capacity, to the last bit, in every run.)
        let sorted = first.sorted { $0.key < $1.key }.map(\.value)
        try Self.fleet(memoryA: sorted.map(\.1).reduce(0, +), coresA: sorted.map(\.0).reduce(0, +))
            .write(toFile: tight, atomically: true, encoding: .utf8)
        let decisions = directory.appendingPathComponent("decisions.csv").path
        let summary = try Self.replay(store: store, fleet: tight, extra: ["--export-decisions", decisions])
        let live = (summary["migrations"] as? [String: Int])?["live"] ?? 0
        #expect(live >= 1, "\(summary)")
        let pricedBy = try #require(summary["live_moves_priced_by"] as? [String: Int])
        #expect(pricedBy.values.reduce(0, +) == live)
        #expect(Set(pricedBy.keys).isSubset(of: ["measured", "trace_proxy"]), "\(pricedBy)")
        #expect(summary["live_targets_not_converging"] as? Int == 0, "VMs dirty far less than 1.25 GB/s")
        print("replay pre-copy: \(live) live moves, priced by \(pricedBy); downtime \(summary["downtime_minutes"] ?? "?") min, moved \(summary["moved_bytes"] ?? "?") bytes")

        let lines = try String(contentsOfFile: decisions, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "timestamp,workload,action,risk,targets,reason,live_pricing")
        let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let priced = rows.filter { $0.count == 7 && !$0[6].isEmpty }
        #expect(priced.count == live)
        for row in priced {
            #expect(row[2] == "migrate")
            #expect(row[6] == (row[1] == "bb-11" ? "measured" : "trace_proxy"), "\(row)")
        }
    }
}
