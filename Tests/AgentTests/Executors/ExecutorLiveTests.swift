@testable import Agent
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The executors with real cgroups and the real example workload (root, cgroup v1).
@Suite("Executors, live: resize, checkpoint/restart, partition", .serialized,
       .enabled(if: LiveRuntime.available, "needs root, cgroup v1 and headroom-launch"))
struct ExecutorLiveTests {
    /// Two POPs, one workload (the example aggregate over `data`, paced so it runs a few seconds).
    static func fleet(data: String, scratch: String, argv: [String]? = nil, timeout: Double = 20) throws -> LocalFleet {
        let binary = try LiveRuntime.binary("headroom-example-aggregate")
        let spec = WorkloadSpec(
            name: "agg", pop: "a",
            argv: argv ?? [binary, "--pace-rows", "250", "--pace-ms", "20", "--hold-bytes-per-row", "64", data],
            limits: ResourceLimits(cpuCores: 1, memoryBytes: 256 << 20), outputArgument: argv == nil ? "--output" : nil,
            output: argv == nil ? "\(scratch)/out.txt" : nil,
            checkpoint: CheckpointSpec(directoryArgument: "--checkpoint-dir", resumeArgument: "--resume", signal: SIGUSR1, timeoutSeconds: timeout),
            range: argv == nil ? WorkRangeSpec(argument: "--range", start: 0, end: 4) : nil)
        let config = AgentConfig(scorerURL: "http://127.0.0.1:1", tokenFile: "/dev/null",
                                 pops: [LocalPOPSpec(name: "a", capacity: ResourceLimits(cpuCores: 2, memoryBytes: 512 << 20)),
                                        LocalPOPSpec(name: "b", capacity: ResourceLimits(cpuCores: 2, memoryBytes: 1 << 30))],
                                 stateDirectory: "\(scratch)/state", cgroupPrefix: LiveRuntime.uniquePrefix(), workloads: [spec])
        let fleet = LocalFleet(config: config, runtime: try LiveRuntime.runtime(prefix: config.cgroupPrefix))
        try fleet.setUp()
        try fleet.startDeclared()
        return fleet
    }

    static func command(_ id: Int64, _ action: AgentCommand.Action, _ strategy: String, from: String = "a", to targets: [String],
                        memoryBytes: Int64 = 256 << 20) -> AgentCommand {
        AgentCommand(id: id, workload: "agg", action: action, strategy: strategy, sourcePop: from,
                     targets: targets.map { .init(pop: $0, allocation: ResourceLimits(cpuCores: 1, memoryBytes: memoryBytes)) })
    }

    /// Polls until the workload is no longer running (or 120 s).
    static func waitUntilDone(_ fleet: LocalFleet) {
        let deadline = MonotonicClock.seconds() + 120
        while fleet.workloads["agg"]?.state == .running, MonotonicClock.seconds() < deadline {
            fleet.poll()
            usleep(50_000)
        }
    }

    @Test("resize rewrites memory.limit_in_bytes; a repeated command is a no-op returning the journaled result")
    func resize() throws {
        let scratch = try LiveRuntime.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let fleet = try Self.fleet(data: try LiveRuntime.inputs(into: scratch), scratch: scratch)
        defer { fleet.tearDown() }
        let workload = try #require(fleet.workloads["agg"])
        let dispatcher = CommandDispatcher(criu: CRIUSupport(available: false, reason: "test"))
        let result = dispatcher.execute(Self.command(1, .resize, "resize", to: ["a"], memoryBytes: 384 << 20), fleet: fleet)
        #expect(result.state == .done, "\(result.message)")
        #expect(CgroupFiles().read("\(LiveRuntime.memoryMount)/\(workload.cgroup)/memory.limit_in_bytes")?.hasPrefix("\(384 << 20)") == true)
        #expect(workload.limits.memoryBytes == 384 << 20)
        #expect(dispatcher.execute(Self.command(1, .resize, "resize", to: ["a"], memoryBytes: 400 << 20), fleet: fleet) == result)
        #expect(workload.limits.memoryBytes == 384 << 20)
        // More than the POP has: refused, limits unchanged.
        let tooBig = dispatcher.execute(Self.command(2, .resize, "resize", to: ["a"], memoryBytes: 1 << 30), fleet: fleet)
        #expect(tooBig.state == .failed)
        #expect(workload.limits.memoryBytes == 384 << 20)
        // Unknown workloads and POPs are refused.
        var unknown = Self.command(3, .migrate, "checkpoint_restart", to: ["b"])
        unknown.workload = "nope"
        #expect(dispatcher.execute(unknown, fleet: fleet).steps == ["refused"])
        #expect(dispatcher.execute(Self.command(4, .migrate, "checkpoint_restart", to: ["elsewhere"]), fleet: fleet).steps == ["refused"])
    }

    @Test("checkpoint/restart (and live, which falls back to it) moves the workload to the other POP's cgroup; its output is byte-identical")
    func checkpointRestart() throws {
        let scratch = try LiveRuntime.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let data = try LiveRuntime.inputs(into: scratch)
        let expected = try LiveRuntime.straightOutput(data: data, scratch: scratch)
        let fleet = try Self.fleet(data: data, scratch: scratch)
        defer { fleet.tearDown() }
        let workload = try #require(fleet.workloads["agg"])
        let dispatcher = CommandDispatcher(criu: CRIUSupport(available: false, reason: "test"))
        usleep(500_000)
        let result = dispatcher.execute(Self.command(10, .migrate, "checkpoint_restart", to: ["b"]), fleet: fleet)
        #expect(result.state == .done, "\(result.message)")
        #expect(result.steps.suffix(4) == ["signalled", "checkpointed", "copied", "started_at_target"])
        #expect(workload.pop == "b")
        let pid = try #require(workload.process?.pid)
        let targetCgroup = fleet.runtime.workloadCgroup(pop: "b", workload: "agg")
        for _ in 0..<100 where fleet.runtime.processes(cgroup: targetCgroup).isEmpty { usleep(10_000) }  // the launcher joins it
        #expect(fleet.runtime.processes(cgroup: targetCgroup) == [pid])
        #expect(!FileManager.default.fileExists(atPath: "\(LiveRuntime.memoryMount)/\(fleet.runtime.workloadCgroup(pop: "a", workload: "agg"))"))

        usleep(300_000)
        let live = dispatcher.execute(Self.command(11, .migrate, "live", from: "b", to: ["a"]), fleet: fleet)
        #expect(live.state == .done, "\(live.message)")
        #expect(live.steps.first == "fallback_checkpoint_restart")
        #expect(workload.pop == "a")
        #expect(workload.migrations == 2)
        #expect((result.downtimeMs ?? -1) >= 0)

        Self.waitUntilDone(fleet)
        #expect(workload.state == .finished)
        #expect(FileManager.default.contents(atPath: "\(scratch)/out.txt") == expected)
        let journal = fleet.journal.all.map(\.step)
        #expect(journal.contains("checkpointed") && journal.filter { $0 == "result" }.count == 2)
    }

    @Test("a checkpoint that never comes leaves the workload running at the source")
    func checkpointNeverComes() throws {
        let scratch = try LiveRuntime.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let ignoring = ["/usr/bin/python3", "-c", "import signal, time\nsignal.signal(signal.SIGUSR1, signal.SIG_IGN)\ntime.sleep(60)"]  // the agent's arguments land in sys.argv
        let fleet = try Self.fleet(data: "", scratch: scratch, argv: ignoring, timeout: 1)
        defer { fleet.tearDown() }
        let workload = try #require(fleet.workloads["agg"])
        usleep(300_000)
        let result = CommandDispatcher(criu: CRIUSupport(available: false, reason: "test"))
            .execute(Self.command(20, .migrate, "checkpoint_restart", to: ["b"]), fleet: fleet)
        #expect(result.state == .failed)
        #expect(result.message.contains("keeps running at a"), "\(result.message)")
        #expect(workload.pop == "a")
        #expect(workload.process?.isRunning == true)
        #expect(fleet.runtime.processes(cgroup: workload.cgroup) == [workload.process!.pid])
        #expect(!FileManager.default.fileExists(atPath: "\(LiveRuntime.memoryMount)/\(fleet.runtime.workloadCgroup(pop: "b", workload: "agg"))"))
    }

    @Test("partition runs sub-ranges at both POPs and gathers a byte-identical output")
    func partition() throws {
        let scratch = try LiveRuntime.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let data = try LiveRuntime.inputs(into: scratch)
        let expected = try LiveRuntime.straightOutput(data: data, scratch: scratch)
        let fleet = try Self.fleet(data: data, scratch: scratch)
        defer { fleet.tearDown() }
        #expect(PartitionExecutor.split(0..<4, parts: 3) == [0..<2, 2..<3, 3..<4])
        let result = CommandDispatcher(criu: CRIUSupport(available: false, reason: "test"))
            .execute(Self.command(30, .partition, "partition", to: ["a", "b", "b"], memoryBytes: 128 << 20), fleet: fleet)
        #expect(result.state == .done, "\(result.message)")
        #expect(result.steps.contains("gathered"))
        #expect(fleet.workloads["agg"]?.state == .finished)
        #expect(FileManager.default.contents(atPath: "\(scratch)/out.txt") == expected)
    }
}
