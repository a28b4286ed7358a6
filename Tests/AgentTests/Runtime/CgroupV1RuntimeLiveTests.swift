@testable import Agent
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The v1 runtime on the real /sys/fs/cgroup with real processes (root only).
@Suite("Cgroup v1 runtime, live", .serialized, .enabled(if: LiveRuntime.available, "needs root, cgroup v1 and headroom-launch"))
struct CgroupV1RuntimeLiveTests {
    @Test("a launched process is in its cgroup from its first instruction; resize rewrites memory.limit_in_bytes; destroy kills and removes")
    func launchResizeDestroy() throws {
        let prefix = LiveRuntime.uniquePrefix()
        let runtime = try LiveRuntime.runtime(prefix: prefix)
        defer { try? runtime.removeLeftovers() }
        try runtime.create(cgroup: runtime.popCgroup("a"), limits: ResourceLimits(cpuCores: 1, memoryBytes: 512 << 20))
        let cgroup = runtime.workloadCgroup(pop: "a", workload: "w")
        try runtime.create(cgroup: cgroup, limits: ResourceLimits(cpuCores: 0.5, memoryBytes: 128 << 20))
        let memory = "\(LiveRuntime.memoryMount)/\(cgroup)"
        #expect(CgroupFiles().read("\(memory)/memory.limit_in_bytes")?.hasPrefix("134217728") == true)

        // The child reads its own /proc/self/cgroup: what it sees is what its first instruction saw.
        let scratch = try LiveRuntime.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let log = "\(scratch)/log"
        let process = try runtime.launch(LaunchRequest(argv: ["/bin/sh", "-c", "cat /proc/self/cgroup; exec sleep 30"], environment: ["PATH": "/usr/bin:/bin"],
                                                       cgroup: cgroup, logPath: log))
        usleep(300_000)
        #expect(runtime.processes(cgroup: cgroup) == [process.pid])
        let seen = try String(contentsOfFile: log, encoding: .utf8)
        #expect(seen.contains(":memory:/\(cgroup)"), "\(seen)")
        #expect(seen.contains("cpu") && seen.contains("/\(cgroup)"))

        try runtime.resize(cgroup: cgroup, limits: ResourceLimits(cpuCores: 0.25, memoryBytes: 256 << 20))
        #expect(CgroupFiles().read("\(memory)/memory.limit_in_bytes")?.hasPrefix("268435456") == true)
        #expect(runtime.limits(cgroup: cgroup) == ResourceLimits(cpuCores: 0.25, memoryBytes: 256 << 20))

        try runtime.destroy(cgroup: runtime.popCgroup("a"))
        #expect(process.wait(timeoutSeconds: 5) == .signalled(SIGKILL))
        #expect(!FileManager.default.fileExists(atPath: memory))
    }

    @Test("a process outgrowing its memory limit is OOM-killed and counted")
    func oomKillCounted() throws {
        let prefix = LiveRuntime.uniquePrefix()
        let runtime = try LiveRuntime.runtime(prefix: prefix)
        defer { try? runtime.removeLeftovers() }
        try runtime.create(cgroup: runtime.popCgroup("a"), limits: .unlimited)
        let cgroup = runtime.workloadCgroup(pop: "a", workload: "hog")
        try runtime.create(cgroup: cgroup, limits: ResourceLimits(memoryBytes: 64 << 20))
        let process = try runtime.launch(LaunchRequest(
            argv: ["/usr/bin/python3", "-c", "b = [bytearray(1 << 20) for _ in range(400)]"], environment: [:], cgroup: cgroup))
        #expect(process.wait(timeoutSeconds: 30) == .signalled(SIGKILL))
        #expect(runtime.oomKills(cgroup: cgroup) >= 1)
    }

    @Test("with a network namespace the process sees the POP's namespace, not the agent's")
    func networkNamespace() throws {
        let prefix = LiveRuntime.uniquePrefix()
        let runtime = try LiveRuntime.runtime(prefix: prefix)
        let namespace = NetworkNamespace(name: "\(prefix)-ns")
        defer {
            try? runtime.removeLeftovers()
            try? namespace.delete()
        }
        try namespace.create()
        let cgroup = runtime.workloadCgroup(pop: "a", workload: "n")
        try runtime.create(cgroup: cgroup, limits: .unlimited)
        let scratch = try LiveRuntime.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let log = "\(scratch)/log"
        let process = try runtime.launch(LaunchRequest(argv: ["/usr/bin/readlink", "/proc/self/ns/net"], environment: [:], cgroup: cgroup,
                                                       networkNamespacePath: namespace.path, logPath: log))
        #expect(process.wait(timeoutSeconds: 10) == .exited(0))
        let inside = try String(contentsOfFile: log, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let outside = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")
        #expect(inside.hasPrefix("net:["))
        #expect(inside != outside)
        try namespace.delete()
        #expect(!FileManager.default.fileExists(atPath: namespace.path))
    }
}
