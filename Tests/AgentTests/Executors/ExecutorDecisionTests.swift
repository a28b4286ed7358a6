@testable import Agent
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The executors' decisions against `RecordingRuntime` (cgroups in memory, processes real),
/// so they run without root: what each command asks of the runtime and in which order, what
/// is journaled, what a repeated command does, which fallback a failure takes and where the
/// workload is left. The same executors on the real cgroup runtime: `ExecutorLiveTests`,
/// `CRIUMoveLiveTests`.
@Suite("Executors' decisions on a recording runtime (no root)", .serialized)
struct ExecutorDecisionTests {
    /// A workload speaking the cooperative protocol (docs/checkpoint-protocol.md) in
    /// python3: on SIGUSR1 it writes `state` into its checkpoint directory and exits 85;
    /// with `--range A:B` it writes lines A..<B to its `--output` and exits 0.
    /// `TEST_MODE=ignore` ignores the signal; `TEST_MODE=exit` exits 3 on it without a
    /// checkpoint; `TEST_FAIL_PART=A` makes the part starting at A exit 3.
    static let workload = """
        import os, signal, sys, time
        args = sys.argv[1:]
        def value(name):
            return args[args.index(name) + 1] if name in args else None
        directory, output, part = value("--checkpoint-dir"), value("--output"), value("--range")
        if part is not None:
            a, b = map(int, part.split(":"))
            if os.environ.get("TEST_FAIL_PART") == str(a):
                sys.exit(3)
            with open(output, "w") as f:
                for i in range(a, b):
                    f.write("item %d\\n" % i)
            sys.exit(0)
        mode = os.environ.get("TEST_MODE", "cooperate")
        def checkpoint(number, frame):
            if mode == "exit":
                sys.exit(3)
            with open(os.path.join(directory, "state"), "w") as f:
                f.write("resumed" if "--resume" in args else "fresh")
            sys.exit(85)
        signal.signal(signal.SIGUSR1, signal.SIG_IGN if mode == "ignore" else checkpoint)
        print("ready", "--resume" in args, flush=True)
        while True:
            time.sleep(0.05)
        """

    struct Setup {
        var fleet: LocalFleet
        var runtime: RecordingRuntime
        var scratch: String
        var workload: ManagedWorkload
        var cgroupA: String { fleet.runtime.workloadCgroup(pop: "a", workload: "w") }
        var cgroupB: String { fleet.runtime.workloadCgroup(pop: "b", workload: "w") }

        func tearDown() {
            fleet.tearDown()
            try? FileManager.default.removeItem(atPath: scratch)
        }
    }

    /// POPs `a` (2 cores, 512 MiB) and `b` (2 cores, 1 GiB), workload `w` at `a`, started and
    /// ready (its signal handler installed).
    static func setUp(environment: [String: String] = [:], timeoutSeconds: Double = 10, range: Bool = false,
                      scratch existing: String? = nil, start: Bool = true) throws -> Setup {
        let scratch = try existing ?? LiveRuntime.scratch()
        let spec = WorkloadSpec(
            name: "w", pop: "a", argv: ["/usr/bin/python3", "-c", workload], environment: environment,
            limits: ResourceLimits(cpuCores: 1, memoryBytes: 128 << 20), outputArgument: "--output", output: "\(scratch)/out.txt",
            checkpoint: CheckpointSpec(directoryArgument: "--checkpoint-dir", resumeArgument: "--resume", signal: SIGUSR1, timeoutSeconds: timeoutSeconds),
            range: range ? WorkRangeSpec(argument: "--range", start: 0, end: 6) : nil)
        let config = AgentConfig(scorerURL: "http://127.0.0.1:1", tokenFile: "/dev/null",
                                 pops: [LocalPOPSpec(name: "a", capacity: ResourceLimits(cpuCores: 2, memoryBytes: 512 << 20)),
                                        LocalPOPSpec(name: "b", capacity: ResourceLimits(cpuCores: 2, memoryBytes: 1 << 30))],
                                 stateDirectory: "\(scratch)/state", workloads: [spec])
        let runtime = RecordingRuntime()
        let fleet = LocalFleet(config: config, runtime: runtime)
        try fleet.setUp()
        if start {
            try fleet.startDeclared()
            try waitForLog(fleet, "ready False")
        }
        return Setup(fleet: fleet, runtime: runtime, scratch: scratch, workload: fleet.workloads["w"] ?? ManagedWorkload(spec: spec, pop: "a", cgroup: ""))
    }

    /// Waits (up to 10 s) until the workload's log holds `text`.
    static func waitForLog(_ fleet: LocalFleet, _ text: String) throws {
        let deadline = MonotonicClock.seconds() + 10
        while MonotonicClock.seconds() < deadline {
            if let data = FileManager.default.contents(atPath: fleet.logPath(workload: "w")), String(decoding: data, as: UTF8.self).contains(text) { return }
            usleep(20_000)
        }
        Issue.record("the workload's log never said \"\(text)\"")
    }

    static func command(_ id: Int64, _ action: AgentCommand.Action, _ strategy: String, from: String = "a", to targets: [String],
                        memoryBytes: Int64 = 128 << 20) -> AgentCommand {
        AgentCommand(id: id, workload: "w", action: action, strategy: strategy, sourcePop: from,
                     targets: targets.map { .init(pop: $0, allocation: ResourceLimits(cpuCores: 1, memoryBytes: memoryBytes)) })
    }

    static var noCRIU: CommandDispatcher { CommandDispatcher(criu: CRIUSupport(available: false, reason: "test: no criu")) }

    // MARK: Resize

    @Test("resize: the limits written once and journaled; the same command again returns the journaled result without touching the runtime, also from a restarted agent's journal")
    func resizeIsJournaledAndIdempotent() throws {
        let setup = try Self.setUp()
        defer { setup.tearDown() }
        let before = setup.runtime.calls.count
        let wanted = ResourceLimits(cpuCores: 1, memoryBytes: 384 << 20)
        let result = Self.noCRIU.execute(Self.command(1, .resize, "resize", to: ["a"], memoryBytes: 384 << 20), fleet: setup.fleet)
        #expect(result.state == .done && result.steps == ["limits_written"], "\(result.message)")
        #expect(setup.runtime.calls(since: before) == [.resize(setup.cgroupA, wanted)])
        #expect(setup.workload.limits == wanted && setup.runtime.limits(cgroup: setup.cgroupA) == wanted)
        #expect(setup.fleet.journal.steps(command: 1) == ["limits_written"])

        // Re-delivered (a poll before the report reached the scorer), even with other numbers.
        let again = Self.noCRIU.execute(Self.command(1, .resize, "resize", to: ["a"], memoryBytes: 400 << 20), fleet: setup.fleet)
        #expect(again == result)
        #expect(setup.runtime.calls.count == before + 1)
        #expect(setup.workload.limits == wanted)

        // A restarted agent reads the journal: nothing is executed, nothing is started.
        let restarted = LocalFleet(config: setup.fleet.config, runtime: RecordingRuntime())
        let replayed = Self.noCRIU.execute(Self.command(1, .resize, "resize", to: ["a"], memoryBytes: 400 << 20), fleet: restarted)
        #expect(replayed == result)
        #expect((restarted.runtime as? RecordingRuntime)?.calls == [])
    }

    @Test("resize: refused without a runtime call when the POP has no room; a kernel refusal restores the previous limits")
    func resizeRefusals() throws {
        let setup = try Self.setUp()
        defer { setup.tearDown() }
        let previous = setup.workload.limits
        let before = setup.runtime.calls.count
        let tooBig = Self.noCRIU.execute(Self.command(2, .resize, "resize", to: ["a"], memoryBytes: 1 << 30), fleet: setup.fleet)
        #expect(tooBig.state == .failed && tooBig.message.contains("no room"), "\(tooBig.message)")
        #expect(setup.runtime.calls.count == before)

        let refused = ResourceLimits(cpuCores: 1, memoryBytes: 64 << 20)
        setup.runtime.failResize { _, limits in limits == refused ? .cgroupFile(operation: "write", path: "memory.limit_in_bytes", errno: EBUSY) : nil }
        let busy = Self.noCRIU.execute(Self.command(3, .resize, "resize", to: ["a"], memoryBytes: 64 << 20), fleet: setup.fleet)
        #expect(busy.state == .failed && busy.message.contains("previous limits kept"), "\(busy.message)")
        #expect(setup.runtime.calls(since: before) == [.resize(setup.cgroupA, refused), .resize(setup.cgroupA, previous)])
        #expect(setup.workload.limits == previous && setup.runtime.limits(cgroup: setup.cgroupA) == previous)
        #expect(setup.fleet.journal.result(command: 3) == busy)
    }

    @Test("commands naming an unknown workload, a POP this agent does not run, or the wrong source are refused and change nothing")
    func refusals() throws {
        let setup = try Self.setUp()
        defer { setup.tearDown() }
        let before = setup.runtime.calls.count
        var unknown = Self.command(4, .migrate, "checkpoint_restart", to: ["b"])
        unknown.workload = "nope"
        for command in [unknown, Self.command(5, .migrate, "checkpoint_restart", to: ["elsewhere"]),
                        Self.command(6, .migrate, "checkpoint_restart", from: "b", to: ["a"])] {
            let result = Self.noCRIU.execute(command, fleet: setup.fleet)
            #expect(result.state == .failed && result.steps == ["refused"] && result.message.hasPrefix("refused: "), "\(result.message)")
        }
        #expect(setup.runtime.calls.count == before)
        #expect(setup.workload.pop == "a" && setup.workload.process?.isRunning == true)
    }

    // MARK: Checkpoint/restart

    @Test("without CRIU a move takes the cooperative protocol: target cgroup, signal, checkpoint copied, resumed at the target, source removed — in that order; live falls back to it")
    func cooperativeMoveWithoutCRIU() throws {
        let setup = try Self.setUp()
        defer { setup.tearDown() }
        let before = setup.runtime.calls.count
        let result = Self.noCRIU.execute(Self.command(10, .migrate, "checkpoint_restart", to: ["b"]), fleet: setup.fleet)
        #expect(result.state == .done, "\(result.message)")
        #expect(result.steps == ["criu_unavailable", "signalled", "checkpointed", "copied", "started_at_target"])
        let calls = setup.runtime.calls(since: before)
        let limits = ResourceLimits(cpuCores: 1, memoryBytes: 128 << 20)
        #expect(calls.count == 3 && calls.first == .create(setup.cgroupB, limits) && calls.last == .destroy(setup.cgroupA), "\(calls)")
        if calls.count == 3, case let .launch(cgroup, argv) = calls[1] {
            #expect(cgroup == setup.cgroupB)
            #expect(argv.suffix(3) == ["--checkpoint-dir", setup.fleet.checkpointDirectory(workload: "w", pop: "b"), "--resume"])
        } else {
            Issue.record("the second call is not the launch at the target: \(calls)")
        }
        #expect(setup.workload.pop == "b" && setup.workload.cgroup == setup.cgroupB && setup.workload.migrations == 1)
        #expect(!setup.runtime.exists(setup.cgroupA))
        #expect(FileManager.default.contents(atPath: "\(setup.fleet.checkpointDirectory(workload: "w", pop: "b"))/state") == Data("fresh".utf8))
        try Self.waitForLog(setup.fleet, "ready True")
        #expect(setup.fleet.journal.steps(command: 10) == result.steps)

        // Live, back to a: CRIU is unusable, so checkpoint/restart, said so first.
        let live = Self.noCRIU.execute(Self.command(11, .migrate, "live", from: "b", to: ["a"]), fleet: setup.fleet)
        #expect(live.state == .done, "\(live.message)")
        #expect(live.steps == ["fallback_checkpoint_restart", "signalled", "checkpointed", "copied", "started_at_target"])
        #expect(setup.workload.pop == "a" && setup.workload.migrations == 2)
        #expect(setup.fleet.journal.result(command: 11) == live)
    }

    @Test("a checkpoint that never comes: the target cgroup is removed and the workload keeps running at the source, untouched")
    func checkpointNeverComes() throws {
        let setup = try Self.setUp(environment: ["TEST_MODE": "ignore"], timeoutSeconds: 0.5)
        defer { setup.tearDown() }
        let pid = setup.workload.process?.pid
        let before = setup.runtime.calls.count
        let result = Self.noCRIU.execute(Self.command(12, .migrate, "checkpoint_restart", to: ["b"]), fleet: setup.fleet)
        #expect(result.state == .failed && result.message.contains("keeps running at a"), "\(result.message)")
        #expect(result.steps == ["criu_unavailable", "signalled"])
        #expect(setup.runtime.calls(since: before) == [.create(setup.cgroupB, ResourceLimits(cpuCores: 1, memoryBytes: 128 << 20)), .destroy(setup.cgroupB)])
        #expect(setup.workload.pop == "a" && setup.workload.process?.pid == pid && setup.workload.process?.isRunning == true)
    }

    @Test("a workload that exits without a checkpoint is started again at the source, from the beginning, and the command fails")
    func exitWithoutCheckpointRestartsAtSource() throws {
        let setup = try Self.setUp(environment: ["TEST_MODE": "exit"])
        defer { setup.tearDown() }
        let before = setup.runtime.calls.count
        let result = Self.noCRIU.execute(Self.command(13, .migrate, "checkpoint_restart", to: ["b"]), fleet: setup.fleet)
        #expect(result.state == .failed && result.message.contains("restarted at a from the beginning"), "\(result.message)")
        #expect(result.steps == ["criu_unavailable", "signalled", "restarted_at_source"])
        let calls = setup.runtime.calls(since: before)
        #expect(calls.count == 3 && calls[1] == .destroy(setup.cgroupB), "\(calls)")
        if calls.count == 3, case let .launch(cgroup, argv) = calls[2] {
            #expect(cgroup == setup.cgroupA && !argv.contains("--resume"))
        }
        #expect(setup.workload.pop == "a" && setup.workload.state == .running && setup.workload.process?.isRunning == true)
    }

    @Test("the target POP without room: refused before anything is created or signalled")
    func moveWithoutRoom() throws {
        let setup = try Self.setUp()
        defer { setup.tearDown() }
        let before = setup.runtime.calls.count
        let result = Self.noCRIU.execute(Self.command(14, .migrate, "checkpoint_restart", to: ["b"], memoryBytes: 2 << 30), fleet: setup.fleet)
        #expect(result.state == .failed && result.message.contains("no room"), "\(result.message)")
        #expect(result.steps == ["criu_unavailable"])
        #expect(setup.runtime.calls.count == before)
        #expect(setup.workload.pop == "a" && setup.workload.process?.isRunning == true)
    }

    @Test("starting at the target fails: the target cgroup is removed and the workload resumes at the source from the checkpoint it just wrote")
    func targetStartFails() throws {
        let setup = try Self.setUp()
        defer { setup.tearDown() }
        let cgroupB = setup.cgroupB
        setup.runtime.failLaunch { request in request.cgroup == cgroupB ? .spawn(program: request.argv[0], errno: ENOEXEC) : nil }
        let result = Self.noCRIU.execute(Self.command(15, .migrate, "checkpoint_restart", to: ["b"]), fleet: setup.fleet)
        #expect(result.state == .failed && result.message.contains("from its last good checkpoint"), "\(result.message)")
        #expect(result.steps == ["criu_unavailable", "signalled", "checkpointed", "copied", "restarted_at_source"])
        #expect(!setup.runtime.exists(cgroupB))
        #expect(setup.workload.pop == "a" && setup.workload.state == .running)
        try Self.waitForLog(setup.fleet, "ready True")
    }

    // MARK: CRIU

    /// A `criu` stand-in whose `dump` fails as criu 3.17 does on this kernel (the real one
    /// cannot dump here; `CRIUMoveLiveTests` runs it where it is installed).
    static func failingCRIU(in directory: String) throws -> String {
        let path = "\(directory)/criu-dump-fails"
        try RecordingRuntime.writeScript("""
            #!/bin/sh
            echo "$1" >> "$0.calls"
            echo "Error (criu/vdso.c:123): vdso: Unexpected rt vDSO area bounds" >&2
            exit 1
            """, to: path)
        return path
    }

    @Test("CRIU usable but its dump fails: the workload is thawed and moved by the cooperative protocol it declares, the steps saying so")
    func criuDumpFailureFallsBack() throws {
        let setup = try Self.setUp()
        defer { setup.tearDown() }
        let criu = try Self.failingCRIU(in: setup.scratch)
        let dispatcher = CommandDispatcher(criu: CRIUSupport(available: true, reason: "test", executable: criu))
        let before = setup.runtime.calls.count
        let result = dispatcher.execute(Self.command(20, .migrate, "checkpoint_restart", to: ["b"]), fleet: setup.fleet)
        #expect(result.state == .done, "\(result.message)")
        #expect(result.steps == ["criu", "criu_dump_failed", "signalled", "checkpointed", "copied", "started_at_target"])
        // The dump ran outside any cgroup (CRIU's memory is not the workload's).
        let dumps = setup.runtime.calls(since: before).filter { call in
            if case let .launch(_, argv) = call { return argv.first == criu }
            return false
        }
        #expect(dumps.count == 1)
        if case let .launch(cgroup, argv)? = dumps.first { #expect(cgroup == "" && argv.dropFirst().first == "dump") }
        #expect(setup.workload.pop == "b")
        let journal = setup.fleet.journal.all.filter { $0.command == 20 }.map(\.step)
        #expect(journal.first == "criu" && journal.contains("criu_dump_failed") && journal.last == "result")
    }

    @Test("CRIU's dump fails for a workload without the cooperative protocol: the target is dropped and it keeps running at the source")
    func criuDumpFailureWithoutProtocol() throws {
        let setup = try Self.setUp()
        defer { setup.tearDown() }
        // The same workload, declared without a checkpoint protocol.
        var spec = setup.workload.spec
        spec.checkpoint = nil
        let plain = ManagedWorkload(spec: spec, pop: "a", cgroup: setup.cgroupA)
        plain.process = setup.workload.process
        let criu = try Self.failingCRIU(in: setup.scratch)
        let executor = CRIUMoveExecutor(criu: CRIUSupport(available: true, reason: "test", executable: criu))
        let result = executor.execute(Self.command(21, .migrate, "checkpoint_restart", to: ["b"]), workload: plain,
                                      target: .init(pop: "b", allocation: ResourceLimits(cpuCores: 1, memoryBytes: 128 << 20)), fleet: setup.fleet)
        #expect(result.state == .failed && result.message.contains("keeps running at a"), "\(result.message)")
        #expect(!setup.runtime.exists(setup.cgroupB))
        #expect(plain.pop == "a" && plain.process?.isRunning == true)
    }

    // MARK: Partition

    @Test("partition: one contiguous range per target, each part in its own cgroup with the target's allocation, outputs gathered in range order")
    func partitionBookkeeping() throws {
        let setup = try Self.setUp(range: true)
        defer { setup.tearDown() }
        let before = setup.runtime.calls.count
        let result = Self.noCRIU.execute(Self.command(30, .partition, "partition", to: ["a", "b", "b"], memoryBytes: 64 << 20), fleet: setup.fleet)
        #expect(result.state == .done, "\(result.message)")
        #expect(result.steps == ["stopped_whole_run", "started_part0", "started_part1", "started_part2",
                                 "finished_part0", "finished_part1", "finished_part2", "gathered"])
        let prefix = setup.fleet.runtime.prefix
        let partLimits = ResourceLimits(cpuCores: 1, memoryBytes: 64 << 20)
        let creates = setup.runtime.calls(since: before).compactMap { call -> (String, ResourceLimits)? in
            if case let .create(cgroup, limits) = call { return (cgroup, limits) }
            return nil
        }
        #expect(creates.map { $0.0 } == ["\(prefix)/a/w.part0", "\(prefix)/b/w.part1", "\(prefix)/b/w.part2"])
        #expect(creates.allSatisfy { $0.1 == partLimits })
        let ranges = setup.runtime.calls(since: before).compactMap { call -> String? in
            guard case let .launch(_, argv) = call, let index = argv.firstIndex(of: "--range") else { return nil }
            return argv[index + 1]
        }
        #expect(ranges == ["0:2", "2:4", "4:6"])
        #expect(setup.runtime.calls(since: before).first == .destroy(setup.cgroupA), "the whole run is stopped first")
        let expected = (0..<6).map { "item \($0)\n" }.joined()
        #expect(FileManager.default.contents(atPath: "\(setup.scratch)/out.txt") == Data(expected.utf8))
        #expect(setup.workload.state == .finished)
        #expect(creates.allSatisfy { !setup.runtime.exists($0.0) }, "the parts' cgroups are removed")
    }

    @Test("partition: refused without room for the parts (nothing stopped); a failing part fails the command and removes every part")
    func partitionFailures() throws {
        let setup = try Self.setUp(environment: ["TEST_FAIL_PART": "4"], range: true)
        defer { setup.tearDown() }
        let before = setup.runtime.calls.count
        // Three parts of 384 MiB at b (1 GiB) do not fit.
        let crowded = Self.noCRIU.execute(Self.command(31, .partition, "partition", to: ["a", "b", "b", "b"], memoryBytes: 384 << 20), fleet: setup.fleet)
        #expect(crowded.state == .failed && crowded.message.contains("no room"), "\(crowded.message)")
        #expect(setup.runtime.calls.count == before && setup.workload.state == .running)

        let failed = Self.noCRIU.execute(Self.command(32, .partition, "partition", to: ["a", "b", "b"], memoryBytes: 64 << 20), fleet: setup.fleet)
        #expect(failed.state == .failed && failed.message.contains("part 2"), "\(failed.message)")
        if case let .failed(reason) = setup.workload.state { #expect(reason.contains("part 2")) } else { Issue.record("the workload is \(setup.workload.state)") }
        let prefix = setup.fleet.runtime.prefix
        for part in ["\(prefix)/a/w.part0", "\(prefix)/b/w.part1", "\(prefix)/b/w.part2"] { #expect(!setup.runtime.exists(part), "\(part)") }
        #expect(!FileManager.default.fileExists(atPath: "\(setup.scratch)/out.txt"))
    }
}
