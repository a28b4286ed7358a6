import Agent
@testable import Decisions
import FleetFile
import Foundation
import Resources
import Testing

/// The fleet file's `[[pops]]` and `[[links]]` are read by one strict reader for the agent
/// and the scorer: the same file gives both the same declarations, and the same defect the
/// same error, naming the file and the key.
@Suite("Fleet file: one reader for the agent and the scorer")
struct FleetFileTests {
    static let agent = """
        [agent]
        scorer_url = "http://127.0.0.1:8080"
        token_file = "/t"
        pops = ["a", "b"]
        state_directory = "/s"

        """

    static let shared = """
        [[pops]]
        name = "a"
        price_per_hour = 0.1
        strategies = ["checkpoint_restart", "partition"]
        [pops.capacity]
        cpu_cores = 2
        memory_bytes = 536870912
        disk_read_bytes_per_second = 1e8

        [[pops]]
        name = "b"
        price_per_hour = 0.2
        strategies = ["live"]
        down = true

        [[links]]
        from = "a"
        to = "b"
        bandwidth_bytes_per_second = 1e9
        latency_seconds = 0.002

        [pre_copy]
        dirty_bytes_per_second = 1e6

        """

    @Test("both read the same declarations from one file; each skips the other's sections")
    func sameDeclarations() throws {
        let text = Self.agent + Self.shared
        let declared = try FleetDeclarations(try TOMLFields.parse(text, source: "fleet.toml"),
                                             otherKeys: FleetDeclarations.agentKeys + FleetDeclarations.scorerKeys)
        #expect(declared.pops.map(\.name) == ["a", "b"])
        #expect(declared.pops[0].capacity.cpuCores == 2 && declared.pops[0].capacity.diskReadBytesPerSecond == 1e8)
        #expect(declared.pops[0].capacity.networkReceiveBytesPerSecond.isNaN)
        #expect(declared.pops[1].strategies == [.live] && declared.pops[1].down == true && declared.pops[1].startupSeconds == nil)
        #expect(declared.links == [.init(from: "a", to: "b", bandwidthBytesPerSecond: 1e9, latencySeconds: 0.002)])

        let fleet = try Fleet(toml: text, source: "fleet.toml")
        #expect(fleet.pops.map(\.name) == declared.pops.map(\.name))
        #expect(fleet.pops.map(\.capacity) == declared.pops.map(\.capacity))
        #expect(fleet.pops[0].strategies == [.checkpointRestart, .partition])
        #expect(fleet.preCopy.dirtyBytesPerSecond == 1e6)
        let config = try AgentConfig(toml: text, source: "fleet.toml")
        #expect(config.pops.map(\.name) == ["a", "b"])
        #expect(config.pops[0].capacity == ResourceLimits(cpuCores: 2, memoryBytes: 536_870_912))
        #expect(config.bandwidthBytesPerSecond(from: "b", to: "a") == 1e9)
    }

    /// The error each reader throws for `text`.
    static func errors(_ text: String) -> (agent: FleetFileError?, scorer: FleetFileError?) {
        var agent: FleetFileError?, scorer: FleetFileError?
        do { _ = try AgentConfig(toml: text, source: "fleet.toml") } catch { agent = error }
        do { _ = try Fleet(toml: text, source: "fleet.toml") } catch { scorer = error as? FleetFileError }
        return (agent, scorer)
    }

    @Test("a defect in the shared sections is the same error for both, naming the file and key", arguments: [
        ("price_per_hour = 0.2", "price_per_hour = 0.2\nprice = 3", "fleet.toml: unknown key pops[1].price;"),
        ("cpu_cores = 2", "cpu_cores = 2\ngpus = 1", "fleet.toml: unknown key pops[0].capacity.gpus;"),
        ("cpu_cores = 2", "cpu_cores = \"two\"", "fleet.toml: pops[0].capacity.cpu_cores is string; expected a number"),
        ("price_per_hour = 0.1", "price_per_hour = \"cheap\"", "fleet.toml: pops[0].price_per_hour is string; expected a number (money units per hour)"),
        ("strategies = [\"live\"]", "strategies = [\"live\", \"teleport\"]", "fleet.toml: pops[1].strategies[1] is \"teleport\"; expected one of"),
        ("strategies = [\"live\"]", "strategies = \"live\"", "fleet.toml: pops[1].strategies is string; expected an array of strategy names"),
        ("down = true", "down = 1", "fleet.toml: pops[1].down is integer; expected true or false"),
        ("latency_seconds = 0.002", "latency_seconds = 0.002\nlatency_ms = 2", "fleet.toml: unknown key links[0].latency_ms;"),
        ("name = \"b\"", "name = 7", "fleet.toml: pops[1].name is integer; expected a string"),
        ("[[links]]", "[[link]]", "fleet.toml: unknown key link;"),
    ])
    func sameErrors(original: String, replacement: String, expected: String) throws {
        let text = Self.agent + Self.shared.replacingOccurrences(of: original, with: replacement)
        let (agent, scorer) = Self.errors(text)
        let a = try #require(agent, "the agent accepted \(replacement)")
        #expect(a == scorer, "agent: \(a); scorer: \(String(describing: scorer))")
        #expect(a.description.hasPrefix(expected), "\(a.description)")
    }

    @Test("what only the scorer needs is required by the scorer only")
    func scorerRequirements() throws {
        let text = Self.agent + """
            [[pops]]
            name = "a"
            [[pops]]
            name = "b"
            [[links]]
            from = "a"
            to = "b"
            bandwidth_bytes_per_second = 1e9
            """
        #expect(try AgentConfig(toml: text, source: "fleet.toml").pops.count == 2)
        let (_, scorer) = Self.errors(text)
        #expect(scorer == .missingKey(file: "fleet.toml", keyPath: "pops[0].strategies", expected: FleetDeclarations.strategiesExpected))
    }

    /// The shared fleet with the agent's table without `scorer_url`, and `scorers` appended.
    static func sharded(_ scorers: String) -> String {
        Self.agent.replacingOccurrences(of: "scorer_url = \"http://127.0.0.1:8080\"\n", with: "") + Self.shared + scorers
    }

    @Test("[[scorers]]: both readers get the scorers by shard (the tables' order, or `shard`); the agent routes by the scorers' hash")
    func scorers() throws {
        let ordered = Self.sharded("""
            [[scorers]]
            url = "http://10.0.0.5:8080"
            [[scorers]]
            url = "http://10.0.0.6:8080"

            """)
        let fleet = try Fleet(toml: ordered, source: "fleet.toml")
        #expect(fleet.scorers?.urls == ["http://10.0.0.5:8080", "http://10.0.0.6:8080"])
        let config = try AgentConfig(toml: ordered, source: "fleet.toml")
        #expect(config.scorerURLs == ["http://10.0.0.5:8080", "http://10.0.0.6:8080"])
        let explicit = Self.sharded("""
            [[scorers]]
            url = "http://b:1"
            shard = 1
            [[scorers]]
            url = "http://a:1"
            shard = 0

            """)
        #expect(try Fleet(toml: explicit, source: "fleet.toml").scorers?.urls == ["http://a:1", "http://b:1"])
        // Ownership is WorkloadShard's hash of the name, the same for the agent and every scorer.
        let shards = try #require(fleet.scorers)
        for name in ["aggregate", "vm-1", "w7", "bitbrains-12"] {
            #expect(shards.shard(of: name) == WorkloadShard.index(of: name, count: 2))
            #expect(try WorkloadShard(index: shards.shard(of: name), count: 2).owns(name))
        }
        // One scorer without [[scorers]]: the agent's scorer_url.
        #expect(try AgentConfig(toml: Self.agent + Self.shared, source: "fleet.toml").scorerURLs == ["http://127.0.0.1:8080"])
        #expect(try Fleet(toml: Self.agent + Self.shared, source: "fleet.toml").scorers == nil)
    }

    @Test("[[scorers]] defects name the file and key, the same for both readers", arguments: [
        ("[[scorers]]\nurl = \"ftp://x\"\n", "fleet.toml: scorers[0].url is \"ftp://x\"; expected an http:// or https:// URL"),
        ("[[scorers]]\nhost = \"x\"\n", "fleet.toml: unknown key scorers[0].host;"),
        ("[[scorers]]\nurl = \"http://a:1\"\nshard = 1\n", "fleet.toml: scorers[0].shard is 1; expected 0 ≤ shard < 1"),
        ("[[scorers]]\nurl = \"http://a:1\"\nshard = 0\n[[scorers]]\nurl = \"http://b:1\"\n", "fleet.toml: scorers[1].shard is given on some [[scorers]] and not on others"),
        ("[[scorers]]\nurl = \"http://a:1\"\nshard = 0\n[[scorers]]\nurl = \"http://b:1\"\nshard = 0\n", "fleet.toml: scorers[1].shard is 0, which another [[scorers]] table already has"),
    ])
    func scorerDefects(scorers: String, expected: String) throws {
        let (agent, scorer) = Self.errors(Self.sharded(scorers))
        let a = try #require(agent, "the agent accepted \(scorers)")
        #expect(a == scorer, "agent: \(a); scorer: \(String(describing: scorer))")
        #expect(a.description.hasPrefix(expected), "\(a.description)")
    }

    @Test("the agent refuses scorer_url beside [[scorers]], and needs one of them")
    func scorerURLOrScorers() throws {
        let both = Self.agent + Self.shared + "[[scorers]]\nurl = \"http://a:1\"\n"
        #expect(throws: FleetFileError.self) { try AgentConfig(toml: both, source: "fleet.toml") }
        do { _ = try AgentConfig(toml: both, source: "fleet.toml") } catch {
            #expect(error.description.contains("agent.scorer_url is given beside [[scorers]]"), "\(error)")
        }
        do { _ = try AgentConfig(toml: Self.sharded(""), source: "fleet.toml") } catch {
            #expect(error.description.contains("agent.scorer_url is missing"), "\(error)")
        }
    }

    @Test("the agent splits a batch by owner: samples, traces, allocations, checkpoints and VMs go to their workload's shard")
    func routerSplit() throws {
        let router = ScorerRouter(clients: [URL(string: "http://a:1")!, URL(string: "http://b:1")!].map { ScorerClient(baseURL: $0, token: "t") })
        let names = (0..<12).map { "w\($0)" }
        #expect(Set(names.map(router.shard(of:))) == [0, 1], "both shards own some of these names")
        var batch = SampleBatchBody(pop: "a")
        for name in names {
            batch.samples.append(.init(workload: name, timestamp: 100, values: ["cpu_cores": 1]))
            batch.allocations[name] = ResourceVector([2, 4e9, .nan, .nan, .nan, .nan])
            batch.checkpoints[name] = 90
            batch.traces.append(TraceEvent(workload: name, timestampSeconds: 99.5, kind: .phase, name: "load"))
        }
        batch.liveMigratable = ["w0", "w1"]
        let parts = router.split(batch)
        #expect(parts.count == 2)
        for (index, part) in parts.enumerated() {
            let owned = names.filter { router.shard(of: $0) == index }
            #expect(part.pop == "a")
            #expect(part.samples.map(\.workload) == owned)
            #expect(part.traces.compactMap(\.workload) == owned)
            #expect(Set(part.allocations.keys) == Set(owned) && Set(part.checkpoints.keys) == Set(owned))
            #expect(part.liveMigratable == Set(["w0", "w1"].filter(owned.contains)))
        }
        // One scorer: the batch as it is.
        #expect(ScorerRouter(clients: [router.clients[0]]).split(batch) == [batch])
    }

    @Test("a syntax error names the file and line; a missing file names the path")
    func syntaxAndMissing() {
        #expect(throws: FleetFileError.self) { try TOMLFields.parse("[[pops]]\nname = = 1\n", source: "f.toml") }
        do { _ = try TOMLFields.parse("[[pops]]\nname = = 1\n", source: "f.toml") } catch {
            #expect(error.description.hasPrefix("f.toml:2:"))
        }
        do { _ = try TOMLFields.load(path: "/nonexistent/fleet.toml") } catch {
            guard case .cannotRead(let file, _) = error else { Issue.record("\(error)"); return }
            #expect(file == "/nonexistent/fleet.toml")
        }
    }
}
