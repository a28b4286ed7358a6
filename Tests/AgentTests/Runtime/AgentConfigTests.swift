@testable import Agent
import Foundation
import Testing

@Suite("Agent config: [agent], [[workloads]] and POP capacities from the fleet file")
struct AgentConfigTests {
    static let valid = """
        [[pops]]
        name = "a"
        price_per_hour = 0.1
        strategies = ["checkpoint_restart"]
        [pops.capacity]
        cpu_cores = 2
        memory_bytes = 536_870_912
        network_receive_bytes_per_second = 1e9

        [[pops]]
        name = "b"
        price_per_hour = 0.2
        strategies = ["checkpoint_restart", "partition"]

        [[links]]
        from = "a"
        to = "b"
        bandwidth_bytes_per_second = 1e9
        latency_seconds = 0.001

        [agent]
        scorer_url = "http://127.0.0.1:8080"
        token_file = "/tmp/token"
        pops = ["a", "b"]
        sample_interval_seconds = 0.5
        state_directory = "/tmp/state"
        network_namespaces = true

        [[workloads]]
        name = "agg"
        pop = "a"
        argv = ["/bin/agg", "/data"]
        output_argument = "--output"
        output = "/tmp/out.txt"
        [workloads.env]
        MODE = "fast"
        [workloads.limits]
        cpu_cores = 0.5
        memory_bytes = 268435456
        [workloads.checkpoint]
        dir_argument = "--checkpoint-dir"
        resume_argument = "--resume"
        timeout_seconds = 20
        [workloads.range]
        argument = "--range"
        start = 0
        end = 8
        """

    @Test("a whole file parses into values with SI units and defaults")
    func parsesEverything() throws {
        let config = try AgentConfig(toml: Self.valid, source: "fleet.toml")
        #expect(config.scorerURL == "http://127.0.0.1:8080")
        #expect(config.sampleIntervalSeconds == 0.5)
        #expect(config.cgroupPrefix == "headroom")
        #expect(config.pops == [LocalPOPSpec(name: "a", capacity: ResourceLimits(cpuCores: 2, memoryBytes: 536_870_912), networkNamespace: true),
                                LocalPOPSpec(name: "b", capacity: .unlimited, networkNamespace: true)])
        let workload = try #require(config.workload(named: "agg"))
        #expect(workload.argv == ["/bin/agg", "/data"])
        #expect(workload.environment == ["MODE": "fast"])
        #expect(workload.limits == ResourceLimits(cpuCores: 0.5, memoryBytes: 268_435_456))
        #expect(workload.checkpoint == CheckpointSpec(directoryArgument: "--checkpoint-dir", resumeArgument: "--resume", signal: SIGUSR1, timeoutSeconds: 20))
        #expect(workload.range == WorkRangeSpec(argument: "--range", start: 0, end: 8))
    }

    @Test("errors name the file and the key path", arguments: [
        ("cpu_cores = 0.5", "cpu_cores = 0.5\nbogus = 1", "fleet.toml: unknown key workloads[0].limits.bogus"),
        ("pop = \"a\"", "pop = \"z\"", "fleet.toml: workloads[0].pop is \"z\", which is not one of this agent's POPs"),
        ("timeout_seconds = 20", "timeout_seconds = \"soon\"", "fleet.toml: workloads[0].checkpoint.timeout_seconds is string"),
        ("pops = [\"a\", \"b\"]", "pops = [\"a\", \"c\"]", "fleet.toml: agent.pops[1] is \"c\", which no [[pops]] table declares"),
        ("name = \"agg\"", "name = \"../etc\"", "fleet.toml: workloads[0].name is \"../etc\""),
        ("scorer_url = \"http://127.0.0.1:8080\"", "scorer_url = \"127.0.0.1\"", "fleet.toml: agent.scorer_url is \"127.0.0.1\""),
        ("argv = [\"/bin/agg\", \"/data\"]", "argv = []", "fleet.toml: workloads[0].argv is missing"),
    ])
    func errorsNameFileAndKey(original: String, replacement: String, expected: String) {
        let text = Self.valid.replacingOccurrences(of: original, with: replacement)
        #expect(throws: AgentConfigError.self) { try AgentConfig(toml: text, source: "fleet.toml") }
        do { _ = try AgentConfig(toml: text, source: "fleet.toml") } catch {
            #expect(error.description.hasPrefix(expected), "\(error.description)")
        }
    }

    @Test("a file without [agent] says what is missing; a syntax error names the line")
    func missingAgentAndSyntax() {
        #expect(throws: AgentConfigError.missingKey(file: "f.toml", keyPath: "agent", expected: "an [agent] table (scorer_url, token_file, pops, state_directory)")) {
            try AgentConfig(toml: "[[pops]]\nname = \"a\"\n", source: "f.toml")
        }
        do { _ = try AgentConfig(toml: "[agent\n", source: "f.toml") } catch {
            #expect(error.description.hasPrefix("f.toml:1:"))
        }
    }

    @Test("trace_socket_group is optional and read as given")
    func traceSocketGroup() throws {
        #expect(try AgentConfig(toml: Self.valid, source: "fleet.toml").traceSocketGroup == nil)
        let text = Self.valid.replacingOccurrences(of: "[agent]\n", with: "[agent]\ntrace_socket_group = \"headroom-trace\"\n")
        #expect(text != Self.valid)
        #expect(try AgentConfig(toml: text, source: "fleet.toml").traceSocketGroup == "headroom-trace")
    }

    @Test("the committed example parses")
    func example() throws {
        let path = LiveRuntime.repositoryRoot.appendingPathComponent("config/agent.example.toml").path
        let config = try AgentConfig.load(path: path)
        #expect(!config.workloads.isEmpty)
        #expect(config.workloads.contains { $0.vm?.memoryMiB == 256 })
    }
}
