@testable import Agent
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The CRIU paths with real cgroups and real processes (root, cgroup v1).
///
/// On the machine these tests were written on (Linux 6.18, criu 3.17.1) `criu check` fails
/// ("vdso: Unexpected rt vDSO area bounds"), so real CRIU can neither dump nor restore
/// there. The tests therefore use the real `criu` for what it does there (its check fails,
/// its dump fails) and, only to reach the failures *after* a successful dump (images
/// missing, a restore that fails at the target and at the source), a small test double:
/// a shell script standing in for `criu`, named by path (`CRIUSupport.executable`), never
/// put on PATH. Tests that need the real binary are skipped where it is not installed.
@Suite("Executors, live: CRIU dump/restore paths and their failures", .serialized,
       .enabled(if: LiveRuntime.available, "needs root, cgroup v1 and headroom-launch"))
struct CRIUMoveLiveTests {
    static var criuInstalled: Bool { (try? ProcessSpawner.run(["criu", "--version"]))?.status == 0 }

    /// A sleeping python workload (no cooperative protocol unless `checkpoint`) at POP `a`.
    static func fleet(scratch: String, checkpoint: CheckpointSpec? = nil, environment: [String: String] = [:]) throws -> LocalFleet {
        let spec = WorkloadSpec(name: "sleeper", pop: "a", argv: ["/usr/bin/python3", "-c", "import time\ntime.sleep(120)"],
                                limits: ResourceLimits(cpuCores: 1, memoryBytes: 128 << 20), checkpoint: checkpoint)
        let config = AgentConfig(scorerURL: "http://127.0.0.1:1", tokenFile: "/dev/null",
                                 pops: [LocalPOPSpec(name: "a", capacity: ResourceLimits(cpuCores: 2, memoryBytes: 512 << 20)),
                                        LocalPOPSpec(name: "b", capacity: ResourceLimits(cpuCores: 2, memoryBytes: 512 << 20))],
                                 stateDirectory: "\(scratch)/state", cgroupPrefix: LiveRuntime.uniquePrefix(), workloads: [spec])
        let fleet = LocalFleet(config: config, runtime: try LiveRuntime.runtime(prefix: config.cgroupPrefix),
                               baseEnvironment: ProcessInfo.processInfo.environment.merging(environment) { $1 })
        try fleet.setUp()
        try fleet.startDeclared()
        usleep(200_000)
        return fleet
    }

    static func move(_ id: Int64, _ strategy: String) -> AgentCommand {
        AgentCommand(id: id, workload: "sleeper", action: .migrate, strategy: strategy, sourcePop: "a",
                     targets: [.init(pop: "b", allocation: ResourceLimits(cpuCores: 1, memoryBytes: 128 << 20))])
    }

    /// `/proc/<pid>/stat`'s state letter (`T` = stopped).
    static func state(_ pid: Int32) -> Character? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(close, offsetBy: 2)]
    }

    /// The test double for `criu` (see the suite's comment): `pre-dump` writes 8 MiB of
    /// "pages" (the same every round, so the dirty set never shrinks); `dump` stops the tree
    /// with SIGSTOP, as `--leave-stopped` leaves it, and writes the images a restore needs
    /// (none when CRIU_DOUBLE=noimages); both link `parent` as CRIU does; `restore` fails
    /// with a CRIU-style error line. Every call appends its operation to CRIU_DOUBLE_CALLS.
    static func double(in directory: String) throws -> String {
        let path = "\(directory)/criu-double"
        let script = """
            #!/bin/sh
            # Test double for criu: real CRIU cannot run on the kernel these tests were written on.
            op="$1"; shift
            pid=""; dir=""; prev=""
            while [ $# -gt 0 ]; do
              case "$1" in
                --tree) pid="$2"; shift 2 ;;
                --images-dir) dir="$2"; shift 2 ;;
                --prev-images-dir) prev="$2"; shift 2 ;;
                *) shift ;;
              esac
            done
            echo "$op" >> "$CRIU_DOUBLE_CALLS"
            [ -n "$prev" ] && [ -n "$dir" ] && ln -s "$prev" "$dir/parent"
            case "$op" in
              pre-dump) head -c 8388608 /dev/zero > "$dir/pages-1.img"; exit 0 ;;
              dump) kill -STOP "$pid"
                    [ "$CRIU_DOUBLE" = noimages ] && exit 0
                    for f in inventory.img pstree.img "core-$pid.img" pages-1.img; do echo image > "$dir/$f"; done
                    exit 0 ;;
              restore) echo "Error (criu-double): restore refused by the test double" >&2; exit 1 ;;
            esac
            exit 1
            """
        #expect(FileManager.default.createFile(atPath: path, contents: Data(script.utf8), attributes: [.posixPermissions: 0o755]))
        return path
    }

    @Test("the real criu check decides: where it fails the move uses the cooperative protocol and the journal names the reason",
          .enabled(if: criuInstalled, "criu is not installed (it is optional: docs/agent.md)"))
    func realCheckDecides() throws {
        let criu = CRIUSupport.detect()
        guard !criu.available else {
            #expect(criu.startupMessage.contains("criu dump/restore"))
            return
        }
        #expect(criu.reason.hasPrefix("criu check failed: "), "\(criu.reason)")
        #expect(criu.fallbackMessage.hasPrefix("criu not available (criu check failed: "))
        #expect(criu.fallbackMessage.hasSuffix("): using the cooperative protocol"))
        #expect(criu.startupMessage == criu.fallbackMessage)

        let scratch = try LiveRuntime.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let fleet = try Self.fleet(scratch: scratch)
        defer { fleet.tearDown() }
        let result = CommandDispatcher(criu: criu).execute(Self.move(1, "checkpoint_restart"), fleet: fleet)
        #expect(result.steps == ["criu_unavailable"])  // then the cooperative protocol, which this workload lacks
        #expect(result.message.contains("declares no checkpoint protocol"))
        #expect(fleet.journal.all.contains { $0.step == "criu_unavailable" && $0.detail == criu.fallbackMessage })
        let live = CommandDispatcher(criu: criu).execute(Self.move(2, "live"), fleet: fleet)
        #expect(live.steps == ["fallback_checkpoint_restart"])
    }

    @Test("a real criu dump that fails leaves the workload running at the source, journaled; a replay returns the same result",
          .enabled(if: criuInstalled, "criu is not installed (it is optional: docs/agent.md)"))
    func realDumpFails() throws {
        let scratch = try LiveRuntime.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let fleet = try Self.fleet(scratch: scratch)
        defer { fleet.tearDown() }
        let workload = try #require(fleet.workloads["sleeper"])
        let pid = try #require(workload.process?.pid)
        // As if `criu check` had passed: the real `criu dump` runs.
        let dispatcher = CommandDispatcher(criu: CRIUSupport(available: true, reason: "assumed for the test"))
        let result = dispatcher.execute(Self.move(3, "checkpoint_restart"), fleet: fleet)
        if CRIUSupport.detect().available {  // a machine where CRIU works: the real move
            #expect(result.state == .done, "\(result.message)")
            #expect(result.steps.suffix(4) == ["dumped", "copied", "stopped_at_source", "restored_at_target"])
            #expect(fleet.runtime.processes(cgroup: fleet.runtime.workloadCgroup(pop: "b", workload: "sleeper")) == [pid])
            return
        }
        #expect(result.state == .failed)
        #expect(result.steps == ["criu"])
        #expect(result.message.hasPrefix("criu dump exited with status"), "\(result.message)")
        #expect(result.message.contains("keeps running at a"))
        #expect(workload.pop == "a" && workload.process?.pid == pid && workload.process?.isRunning == true)
        #expect(Self.state(pid) != "T")
        #expect(fleet.runtime.processes(cgroup: workload.cgroup) == [pid])
        #expect(!FileManager.default.fileExists(atPath: "\(LiveRuntime.memoryMount)/\(fleet.runtime.workloadCgroup(pop: "b", workload: "sleeper"))"))
        #expect(fleet.journal.result(command: 3) == result)
        #expect(dispatcher.execute(Self.move(3, "checkpoint_restart"), fleet: fleet) == result)
        #expect(fleet.journal.all.filter { $0.command == 3 && $0.step == "result" }.count == 1)
    }

    @Test("a real criu dump that fails hands a workload with the cooperative protocol to it",
          .enabled(if: criuInstalled && !CRIUSupport.detect().available, "needs a machine where criu is installed but its dump fails"))
    func realDumpFailsThenCooperative() throws {
        let scratch = try LiveRuntime.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        // Declares the protocol but does not implement it: python's default SIGUSR1 action ends
        // it without a checkpoint, so it is started again at the source.
        let checkpoint = CheckpointSpec(directoryArgument: "--checkpoint-dir", resumeArgument: "--resume", signal: SIGUSR1, timeoutSeconds: 1)
        let fleet = try Self.fleet(scratch: scratch, checkpoint: checkpoint)
        defer { fleet.tearDown() }
        let workload = try #require(fleet.workloads["sleeper"])
        let result = CommandDispatcher(criu: CRIUSupport(available: true, reason: "assumed for the test"))
            .execute(Self.move(4, "checkpoint_restart"), fleet: fleet)
        #expect(result.steps == ["criu", "criu_dump_failed", "signalled", "restarted_at_source"], "\(result.message)")
        #expect(fleet.journal.all.contains { $0.step == "criu_dump_failed" && $0.detail?.contains("criu dump exited") == true })
        #expect(workload.pop == "a" && workload.process?.isRunning == true)
    }

    @Test("with a criu double: images missing after the dump resume the stopped workload at the source")
    func imagesMissing() throws {
        let scratch = try LiveRuntime.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let calls = "\(scratch)/calls"
        let fleet = try Self.fleet(scratch: scratch, environment: ["CRIU_DOUBLE": "noimages", "CRIU_DOUBLE_CALLS": calls])
        defer { fleet.tearDown() }
        let workload = try #require(fleet.workloads["sleeper"])
        let pid = try #require(workload.process?.pid)
        let criu = CRIUSupport(available: true, reason: "test double", executable: try Self.double(in: scratch))
        let result = CommandDispatcher(criu: criu).execute(Self.move(5, "checkpoint_restart"), fleet: fleet)
        #expect(result.state == .failed)
        #expect(result.steps == ["criu"])
        #expect(result.message.contains("criu dump left no inventory.img, pstree.img, core-\(pid).img"), "\(result.message)")
        #expect(result.message.contains("keeps running at a"))
        #expect(workload.process?.pid == pid && workload.process?.isRunning == true)
        for _ in 0..<50 where Self.state(pid) == "T" { usleep(10_000) }
        #expect(Self.state(pid) != "T")  // SIGCONT
        #expect(try String(contentsOfFile: calls, encoding: .utf8) == "dump\n")
    }

    @Test("with a criu double: a live move pre-dumps until the dirty set stops shrinking; restores that fail at both POPs restart it at the source; replay is a no-op")
    func restoreFailsEverywhere() throws {
        let scratch = try LiveRuntime.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let calls = "\(scratch)/calls"
        let fleet = try Self.fleet(scratch: scratch, environment: ["CRIU_DOUBLE_CALLS": calls])
        defer { fleet.tearDown() }
        let workload = try #require(fleet.workloads["sleeper"])
        let pid = try #require(workload.process?.pid)
        let criu = CRIUSupport(available: true, reason: "test double", executable: try Self.double(in: scratch))
        let dispatcher = CommandDispatcher(criu: criu)
        let result = dispatcher.execute(Self.move(6, "live"), fleet: fleet)
        #expect(result.state == .failed)
        #expect(result.steps == ["criu_live", "pre_dumped", "pre_dumped", "dumped", "copied", "stopped_at_source",
                                 "restore_failed_at_target", "restore_failed_at_source", "restarted_at_source"])
        #expect(result.message.contains("restore refused by the test double"), "\(result.message)")
        #expect(result.message.contains("restarted at a from the beginning"))
        #expect(try String(contentsOfFile: calls, encoding: .utf8) == "pre-dump\npre-dump\ndump\nrestore\nrestore\n")
        let target = CRIUImages(stateDirectory: fleet.config.stateDirectory, pop: "b", workload: "sleeper", command: 6)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "\(target.path("final"))/parent") == "../2")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "\(target.path("2"))/parent") == "../1")
        #expect(CRIUImages.pageBytes(in: target.path("1")) == 8 << 20)
        // Running again at the source, as a new process in the source cgroup; the target cgroup is gone.
        let restarted = try #require(workload.process)
        #expect(restarted.pid != pid && restarted.isRunning && workload.pop == "a" && workload.state == .running)
        for _ in 0..<100 where fleet.runtime.processes(cgroup: workload.cgroup).isEmpty { usleep(10_000) }
        #expect(fleet.runtime.processes(cgroup: workload.cgroup) == [restarted.pid])
        #expect(!FileManager.default.fileExists(atPath: "\(LiveRuntime.memoryMount)/\(fleet.runtime.workloadCgroup(pop: "b", workload: "sleeper"))"))
        // Journaled step by step; the same command again changes nothing.
        #expect(fleet.journal.steps(command: 6) == result.steps)
        #expect(dispatcher.execute(Self.move(6, "live"), fleet: fleet) == result)
        #expect(try String(contentsOfFile: calls, encoding: .utf8).split(separator: "\n").count == 5)
        #expect(workload.process?.pid == restarted.pid)
    }
}
