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
