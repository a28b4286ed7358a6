import Agent
import Foundation
import HeadroomTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Helpers for the tests that create real cgroups and processes (root on cgroup v1, as CI
/// and this machine run; skipped elsewhere).
enum LiveRuntime {
    static var repositoryRoot: URL { TestProcess.repositoryRoot }

    /// Whether real cgroup v1 POPs can be created here (root, memory and cpu mounted).
    static var available: Bool {
        guard geteuid() == 0, case let .v1(d)? = try? CgroupHierarchy.detect(), d.memory != nil, d.cpu != nil else { return false }
        return (try? binary("headroom-launch")) != nil
    }

    /// A built executable of this package (`TestProcess.executable`).
    static func binary(_ name: String) throws -> String { try TestProcess.executable(name) }

    static func runtime(prefix: String) throws -> any POPRuntime {
        try LocalRuntime.detect(prefix: prefix, launcherPath: try binary("headroom-launch"))
    }

    static func uniquePrefix() -> String { "headroom-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))" }

    static func scratch() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("headroom-rt-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The memory controller's mount (v1).
    static var memoryMount: String {
        if case let .v1(d)? = try? CgroupHierarchy.detect(), let memory = d.memory { return memory }
        return "/sys/fs/cgroup/memory"
    }

    /// Bitbrains VM files (`vms` × July and August) extracted into `directory`/bitbrains-rnd.
    static func inputs(into directory: String, vms: [String] = ["1", "6"]) throws -> String {
        try TestProcess.extractBitbrains(vms.compactMap { Int($0) }, into: URL(fileURLWithPath: directory))
        return "\(directory)/bitbrains-rnd"
    }

    /// A straight run of the example workload's output on `data` (the reference).
    static func straightOutput(data: String, scratch: String) throws -> Data {
        let output = "\(scratch)/straight.txt"
        let process = try ProcessSpawner.spawn([try binary("headroom-example-aggregate"), "--output", output, data],
                                               environment: ProcessInfo.processInfo.environment)
        #expect(process.wait() == .exited(0))
        return try #require(FileManager.default.contents(atPath: output))
    }
}
