import Foundation
import Testing
@testable import Agent

@Suite("Readers pointed at fixture trees")
struct ReaderFixtureTests {
    /// A copy of Fixtures/proc with the `ns/net` links /proc has (both processes in the
    /// init network namespace, as on the machine they came from).
    static func procTree() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("headroom-proc-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: Fixture.directory.appendingPathComponent("proc"), to: directory)
        for pid in ["31694", "32143"] {
            let ns = directory.appendingPathComponent("\(pid)/ns")
            try FileManager.default.createDirectory(at: ns, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: ns.appendingPathComponent("net").path, withDestinationPath: "net:[4026531840]")
        }
        return directory
    }

    @Test("ProcReader reads each file of a fixture /proc; an absent pid is processGone")
    func procReader() throws {
        let root = try Self.procTree()
        defer { try? FileManager.default.removeItem(at: root) }
        let reader = ProcReader(root: root.path, clockTicksPerSecond: 100, pageSizeBytes: 4096)
        #expect(try reader.stat(pid: 31694).command == "x) (y z")
        #expect(try reader.io(pid: 32143).writeBytes == 8413184)
        #expect(try reader.status(pid: 32143).residentBytes == 87312 * 1024)
        #expect(try reader.networkDevices(pid: 32143).receiveBytesExcludingLoopback == 406861736)
        #expect(try reader.networkNamespaceInode(pid: 32143) == 4026531840)
        #expect(try reader.systemCPU().userTicks == 1105151)
        #expect(Set(try reader.listPIDs()) == [31694, 32143])
        #expect(try reader.processTree(root: 32143).map(\.pid) == [32143])
        #expect(throws: SamplingError.processGone(pid: 999)) { try reader.stat(pid: 999) }
        #expect(throws: SamplingError.processGone(pid: 999)) { try reader.processTree(root: 999) }
    }

    @Test("ProcessTreeSource on the fixture: per-process counters in SI units, one shared namespace")
    func processSource() throws {
        let root = try Self.procTree()
        defer { try? FileManager.default.removeItem(at: root) }
        let reader = ProcReader(root: root.path, clockTicksPerSecond: 100, pageSizeBytes: 4096)
        var source = ProcessTreeSource(roots: [31694, 32143, 999], includeDescendants: false, reader: reader)
        let counters = try source.readCounters()
        #expect(counters.count == 3)
        let python = try #require(counters[.process(pid: 32143, startTimeTicks: 841160)])
        #expect(python == Counters(cpuSeconds: 0.59, residentBytes: 21790 * 4096, diskReadBytes: 8388608, diskWriteBytes: 8413184))
        let net = try #require(counters[.networkNamespace(inode: 4026531840)])
        #expect(net.networkReceiveBytes == 406861736 && net.networkTransmitBytes == 487609 && net.cpuSeconds == nil)
        var gone = ProcessTreeSource(roots: [999, 998], reader: reader)
        #expect(throws: SamplingError.processGone(pid: 999)) { try gone.readCounters() }
    }

    @Test("hierarchy detection: fixture v1, fixture v2, an empty directory, this machine")
    func detection() throws {
        let v1 = try CgroupHierarchy.detect(root: Fixture.path("cgroup-v1"))
        #expect(v1 == .v1(CgroupV1Directories(
            memory: Fixture.path("cgroup-v1/memory"), cpuacct: Fixture.path("cgroup-v1/cpuacct"),
            cpu: Fixture.path("cgroup-v1/cpu"), blkio: Fixture.path("cgroup-v1/blkio"))))
        #expect(try CgroupHierarchy.detect(root: Fixture.path("cgroup-v2")) == .v2(root: Fixture.path("cgroup-v2")))
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("headroom-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        #expect(throws: SamplingError.noCgroupHierarchy(root: empty.path)) { try CgroupHierarchy.detect(root: empty.path) }
        // This machine: v2 when /sys/fs/cgroup/cgroup.controllers exists, else v1 (and here a
        // hybrid with a controller-less `unified` tree).
        let real = try CgroupHierarchy.detect()
        if FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cgroup.controllers") {
            #expect(real == .v2(root: "/sys/fs/cgroup"))
        } else if case let .v1(directories) = real {
            #expect(directories.memory == "/sys/fs/cgroup/memory" || directories.memory == nil)
            let hasUnified = FileManager.default.fileExists(atPath: "/sys/fs/cgroup/unified/cgroup.controllers")
            #expect((directories.unified != nil) == hasUnified)
        } else {
            Issue.record("expected v1 on a machine without /sys/fs/cgroup/cgroup.controllers, got \(real)")
        }
    }

    @Test("CgroupReader on the v1 fixture: every counter of a real cgroup")
    func v1Reader() throws {
        let reader = try CgroupReader(root: Fixture.path("cgroup-v1"))
        let c = try reader.counters(cgroup: "/headroom-fixture")
        #expect(c == CgroupCounters(
            cpuUsageSeconds: 0.564930872, memoryUsageBytes: 84402176, memoryCacheBytes: 8388608,
            memoryLimitBytes: 536870912, memoryLimitHits: 0, oomKills: 0, diskReadBytes: 8388608,
            diskWriteBytes: 8396800, cpuQuota: CgroupCPUQuota(quotaMicroseconds: 50000, periodMicroseconds: 100000)))
        #expect(c.residentBytes == 84402176 - 8388608)
        #expect(try reader.processIDs(cgroup: "headroom-fixture") == [32143])
        let oom = try reader.counters(cgroup: "headroom-oom")
        #expect(oom.oomKills == 1 && oom.memoryLimitBytes == 33554432 && oom.cpuUsageSeconds == nil && oom.diskReadBytes == nil)
        #expect(throws: SamplingError.cgroupNotFound(path: "/nope")) { try reader.counters(cgroup: "/nope") }

        var source = CgroupSource(path: "headroom-fixture", reader: reader, procReader: nil)
        #expect(try source.readCounters() == [.cgroup(path: "headroom-fixture"): Counters(
            cpuSeconds: 0.564930872, residentBytes: 84402176 - 8388608, diskReadBytes: 8388608, diskWriteBytes: 8396800)])
    }

    @Test("CgroupReader on the v2 fixture; a controller not enabled leaves its fields nil")
    func v2Reader() throws {
        let reader = try CgroupReader(root: Fixture.path("cgroup-v2"))
        let c = try reader.counters(cgroup: "workload.slice")
        #expect(c == CgroupCounters(
            cpuUsageSeconds: 1.5, memoryUsageBytes: 270532608, memoryCacheBytes: 52428800, memoryLimitBytes: nil,
            memoryLimitHits: 0, oomKills: 0, diskReadBytes: 1459200 + 90430464, diskWriteBytes: 314773504 + 299008000,
            cpuQuota: CgroupCPUQuota(quotaMicroseconds: nil, periodMicroseconds: 100000)))
        #expect(c.residentBytes == 270532608 - 52428800)
        #expect(try reader.processIDs(cgroup: "workload.slice") == [4242, 4243])
        let limited = try reader.counters(cgroup: "/limited.slice")
        #expect(limited.memoryLimitBytes == 536870912 && limited.cpuQuota?.cores == 0.5 && limited.oomKills == 1)
        #expect(limited.memoryCacheBytes == nil && limited.residentBytes == 536866816 && limited.diskWriteBytes == nil)
        #expect(throws: SamplingError.cgroupNotFound(path: "gone.slice")) { try reader.counters(cgroup: "gone.slice") }
    }
}
