import Foundation
import Testing
@testable import Agent

#if canImport(Glibc)
import Glibc
#endif

/// The cgroup reader on a real v1 cgroup made for the test. Needs root and a v1
/// hierarchy with memory and cpuacct mounted; otherwise the test is skipped (see the
/// trait's comment in the test report).
@Suite("cgroup v1 sampling of a real cgroup", .serialized)
struct CgroupV1LiveTests {
    static let root = "/sys/fs/cgroup"

    /// True when this machine mounts v1 memory and cpuacct and we may create cgroups there.
    static var available: Bool {
        guard case let .v1(d)? = try? CgroupHierarchy.detect(root: root), let memory = d.memory, d.cpuacct != nil else {
            return false
        }
        let probe = "\(memory)/headroom-probe-\(getpid())-\(UUID().uuidString.prefix(8))"
        guard mkdir(probe, 0o755) == 0 else { return false }
        rmdir(probe)
        return true
    }

    @Test("a child moved into memory+cpuacct(+blkio) cgroups: 100 MiB resident, its CPU time, 32 MiB written",
          .enabled(if: available, "needs root and a writable cgroup v1 hierarchy with memory and cpuacct (this machine has none, or we are not root)"))
    func realCgroup() throws {
        guard case let .v1(d) = try CgroupHierarchy.detect(root: Self.root) else { return }
        let name = "headroom-test-\(UUID().uuidString)"
        var created: [String] = []
        defer {
            for directory in created.reversed() {
                for _ in 0..<20 where rmdir(directory) != 0 { usleep(50_000) }
            }
        }
        for base in [d.memory, d.cpuacct, d.blkio].compactMap({ $0 }) {
            let directory = "\(base)/\(name)"
            try #require(mkdir(directory, 0o755) == 0, "mkdir \(directory): errno \(errno)")
            created.append(directory)
        }
        let memoryDirectory = "\(d.memory!)/\(name)"
        try Self.write("\(256 << 20)", to: "\(memoryDirectory)/memory.limit_in_bytes")
        // blk-throttle counts bytes only once some throttle rule is active on the device
        // (CgroupV1BlkioServiceBytes): a 10 GB/s rule on /var/tmp's disk never binds.
        let device = try Self.blockDevice(of: "/var/tmp")
        let diskCounted = d.blkio != nil
            && (try? Self.write("\(device) 10000000000", to: "\(d.blkio!)/\(name)/blkio.throttle.write_bps_device")) != nil

        let path = "/var/tmp/headroom-cgroup-test-\(UUID().uuidString)"
        defer { unlink(path) }
        let child = try ChildProcess(python: """
            import os, sys, time
            print("ready"); sys.stdin.readline()
            start = time.process_time()
            block = b"\\x01" * (100 << 20)
            c0 = time.process_time()
            while time.process_time() - c0 < 0.5:
                pass
            chunk = os.urandom(1 << 20)
            with open(sys.argv[1], "wb") as f:
                for _ in range(32):
                    f.write(chunk)
                f.flush()
                os.fsync(f.fileno())
            print("done %.6f" % (time.process_time() - start)); sys.stdin.readline()
            """, arguments: [path])
        defer { child.stop() }
        #expect(child.expect("ready"))
        for directory in created { try Self.write("\(child.pid)", to: "\(directory)/cgroup.procs") }

        let reader = try CgroupReader(root: Self.root)
        #expect(try reader.processIDs(cgroup: name) == [child.pid])
        let before = try reader.counters(cgroup: name)
        #expect(before.memoryLimitBytes == 256 << 20)
        var sampler = Sampler(source: CgroupSource(path: name, reader: reader))
        _ = try sampler.sample(atMonotonicSeconds: MonotonicClock.seconds())
        let t0 = try #require(sampler.previous?.monotonicSeconds)
        child.send()
        let done = try #require(child.readLine()).split(separator: " ")
        #expect(done.first == "done")
        let childCPU = try #require(Double(done[1]))
        let after = try reader.counters(cgroup: name)
        let t1 = MonotonicClock.seconds()
        let v = try #require(try sampler.sample(atMonotonicSeconds: t1))

        let mebibyte = Double(1 << 20)
        let resident = Double(try #require(after.residentBytes)) - Double(try #require(before.residentBytes))
        #expect(resident >= 100 * mebibyte * 0.98 && resident <= 100 * mebibyte * 1.1, "resident grew \(resident / mebibyte) MiB")
        let cpu = try #require(after.cpuUsageSeconds) - (try #require(before.cpuUsageSeconds))
        // cpuacct counts what the child's own clock counts (0.5 s of busy loop plus the
        // page faults of 100 MiB and the 32 MiB of writes), up to the 10 ms tick of the
        // child's process_time and its reading of the stage line.
        #expect(cpu >= 0.5 && abs(cpu - childCPU) <= 0.03, "cpuacct grew \(cpu) s; the child counted \(childCPU) s")
        #expect(abs(v.cpuCores * (t1 - t0) - cpu) < 0.05)
        #expect(abs(v.memoryBytes - Double(after.residentBytes!)) < 4 * mebibyte)
        #expect(!v.networkReceiveBytesPerSecond.isNaN, "the cgroup's process gives its network namespace")
        #expect(after.oomKills == 0)
        if diskCounted {
            let written = Double(try #require(after.diskWriteBytes)) - Double(try #require(before.diskWriteBytes))
            #expect(written >= 32 * mebibyte && written <= 32 * mebibyte * 1.05, "blkio counted \(written / mebibyte) MiB written")
            #expect(abs(v.diskWriteBytesPerSecond * (t1 - t0) - written) < mebibyte)
        }
        child.stop()
    }

    static func write(_ text: String, to path: String) throws {
        guard let handle = FileHandle(forWritingAtPath: path) else { throw CocoaError(.fileNoSuchFile) }
        defer { try? handle.close() }
        try handle.write(contentsOf: Data(text.utf8))
    }

    /// `MAJ:MIN` of the whole disk holding `path` (`stat -c %d`, then the parent of a
    /// partition from /sys/dev/block).
    static func blockDevice(of path: String) throws -> String {
        var info = stat()
        guard stat(path, &info) == 0 else { throw CocoaError(.fileReadUnknown) }
        let dev = UInt64(info.st_dev)
        let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfff)
        let minor = (dev & 0xff) | ((dev >> 12) & ~0xff)
        let partition = "/sys/dev/block/\(major):\(minor)/partition"
        if FileManager.default.fileExists(atPath: partition),
           let parent = try? String(contentsOfFile: "/sys/dev/block/\(major):\(minor)/../dev", encoding: .utf8) {
            return parent.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return "\(major):\(minor)"
    }
}
