@testable import Agent
import Foundation
import Testing

/// The v2 runtime against a fixture directory laid out as a unified hierarchy (this host
/// mounts v1): what it writes, reads back and removes.
@Suite("Cgroup v2 runtime on a fixture tree")
struct CgroupV2RuntimeTests {
    @Test("create enables the controllers down the path and writes memory.max and cpu.max; resize rewrites them; destroy removes the tree")
    func createResizeDestroy() throws {
        let root = try LiveRuntime.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let files = CgroupFiles(plainFiles: true)
        let runtime = CgroupV2Runtime(root: root, prefix: "headroom", launcherPath: "/nonexistent", files: files)
        try runtime.create(cgroup: runtime.popCgroup("a"), limits: ResourceLimits(cpuCores: 2, memoryBytes: 1 << 30))
        let workload = runtime.workloadCgroup(pop: "a", workload: "w")
        try runtime.create(cgroup: workload, limits: ResourceLimits(cpuCores: 0.5, memoryBytes: 268_435_456))
        func text(_ path: String) -> String? { files.read("\(root)/\(path)")?.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(text("cgroup.subtree_control") == "+cpu +memory")
        #expect(text("headroom/cgroup.subtree_control") == "+cpu +memory")
        #expect(text("headroom/a/cgroup.subtree_control") == "+cpu +memory")
        #expect(text("headroom/a/memory.max") == "1073741824")
        #expect(text("headroom/a/cpu.max") == "200000 100000")
        #expect(text("headroom/a/w/memory.max") == "268435456")
        #expect(text("headroom/a/w/cpu.max") == "50000 100000")
        #expect(runtime.limits(cgroup: workload) == ResourceLimits(cpuCores: 0.5, memoryBytes: 268_435_456))

        try runtime.resize(cgroup: workload, limits: ResourceLimits(cpuCores: nil, memoryBytes: 536_870_912))
        #expect(text("headroom/a/w/memory.max") == "536870912")
        #expect(text("headroom/a/w/cpu.max") == "max 100000")

        try "low 0\nhigh 0\nmax 7\noom 2\noom_kill 2\n".write(toFile: "\(root)/headroom/a/w/memory.events", atomically: true, encoding: .utf8)
        #expect(runtime.oomKills(cgroup: workload) == 2)
        try "4242\n".write(toFile: "\(root)/headroom/a/w/cgroup.procs", atomically: true, encoding: .utf8)
        #expect(runtime.processes(cgroup: workload) == [4242])

        try runtime.removeLeftovers()
        #expect(!FileManager.default.fileExists(atPath: "\(root)/headroom"))
    }
}
