import Resources
import Foundation
import Testing
@testable import Agent

#if canImport(Glibc)
import Glibc
#endif

/// The process-tree sampler against real children doing known work on this machine's
/// /proc. Serialized so the children do not compete with each other for the two cores.
@Suite("Process-tree sampling of real children", .serialized)
struct ProcessTreeLiveTests {
    static let mebibyte = 1 << 20

    /// Where the counters come from: `/proc` files, or the eBPF task iterator (root only;
    /// on this machine it loads, and a failure to load fails the test).
    enum Backend: String, CaseIterable, CustomTestStringConvertible {
        case procfs, taskIterator
        var testDescription: String { rawValue }
    }

    static var backends: [Backend] { geteuid() == 0 ? Backend.allCases : [.procfs] }

    /// A sampler over the tree rooted at `pid`, reading the real /proc; `listed`: `pid` alone
    /// (the list mode, where a process that has not run is answered from its memo).
    static func sampler(_ pid: Int32, listed: Bool = false, _ backend: Backend) throws -> Sampler<ProcessTreeSource> {
        let iterator: TaskIterator?
        switch backend {
        case .procfs: iterator = nil
        case .taskIterator: iterator = try TaskIterator.load(for: ProcReader()).get()
        }
        return Sampler(source: ProcessTreeSource(roots: [pid], includeDescendants: !listed, taskIterator: iterator))
    }

    @Test("memory: a child that touches 200 MiB raises the sampled resident memory by 200 MiB (−2 %, +5 %)", arguments: [false, true], backends)
    func memory(listed: Bool, backend: Backend) throws {
        let child = try ChildProcess(python: """
            import sys
            print("ready"); sys.stdin.readline()
            block = b"\\x01" * (200 << 20)   # malloc + memset: every page is touched
            print("allocated"); sys.stdin.readline()
            """)
        defer { child.stop() }
        #expect(child.expect("ready"))
        var sampler = try Self.sampler(child.pid, listed: listed, backend)
        _ = try sampler.sample(atMonotonicSeconds: MonotonicClock.seconds())
        let before = try #require(try sampler.sample(atMonotonicSeconds: MonotonicClock.seconds() + 1e-6))
        child.send()
        #expect(child.expect("allocated"))
        let after = try #require(try sampler.sample(atMonotonicSeconds: MonotonicClock.seconds()))
        let grown = after.memoryBytes - before.memoryBytes
        let expected = Double(200 * Self.mebibyte)
        #expect(grown >= expected * 0.98 && grown <= expected * 1.05, "resident memory grew by \(grown / Double(Self.mebibyte)) MiB")
        // The resident memory the sampler uses agrees with the kernel's VmRSS within 1 %.
        let status = try ProcReader().status(pid: child.pid)
        let vmRSS = Double(try #require(status.residentBytes))
        #expect(abs(after.memoryBytes - vmRSS) / vmRSS < 0.01)
        // Exactly `statm` (the per-CPU counters summed), on both backends and in both modes:
        // the child is blocked in readline, so its RSS holds still.
        let statm = try ProcReader().statm(pid: child.pid)
        #expect(after.memoryBytes == Double(statm.residentPages) * Double(sysconf(Int32(_SC_PAGESIZE))),
                "sampled \(after.memoryBytes) B, statm \(statm.residentPages) pages")
    }

    @Test("disk: 64 MiB written with fsync and read back uncached show as ≥ 64 MiB written (≤ +2 %) and read (−2 %, +5 %)",
          arguments: [false, true], backends)
    func disk(listed: Bool, backend: Backend) throws {
        let directory = "/var/tmp"
        let filesystem = try Self.filesystemType(directory)
        try #require(filesystem != "tmpfs", "\(directory) is tmpfs: /proc/<pid>/io write_bytes would stay 0")
        let path = "\(directory)/headroom-agent-test-\(UUID().uuidString)"
        defer { unlink(path) }
        let child = try ChildProcess(python: """
            import os, sys
            path = sys.argv[1]
            print("ready"); sys.stdin.readline()
            chunk = os.urandom(1 << 20)
            with open(path, "wb") as f:
                for _ in range(64):
                    f.write(chunk)
                f.flush()
                os.fsync(f.fileno())
            fd = os.open(path, os.O_RDONLY)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)   # drop the clean pages: the read goes to disk
            os.close(fd)
            print("written"); sys.stdin.readline()
            fd = os.open(path, os.O_RDONLY)
            while os.read(fd, 1 << 20):
                pass
            os.close(fd)
            print("read"); sys.stdin.readline()
            """, arguments: [path])
        defer { child.stop() }
        #expect(child.expect("ready"))
        var sampler = try Self.sampler(child.pid, listed: listed, backend)
        _ = try sampler.sample(atMonotonicSeconds: MonotonicClock.seconds())
        let t0 = try #require(sampler.previous?.monotonicSeconds)
        child.send()
        #expect(child.expect("written"))
        let t1 = MonotonicClock.seconds()
        let writing = try #require(try sampler.sample(atMonotonicSeconds: t1))
        child.send()
        #expect(child.expect("read"))
        let t2 = MonotonicClock.seconds()
        let reading = try #require(try sampler.sample(atMonotonicSeconds: t2))
        let expected = Double(64 * Self.mebibyte)
        let written = writing.diskWriteBytesPerSecond * (t1 - t0)
        let read = reading.diskReadBytesPerSecond * (t2 - t1)
        #expect(written >= expected * 0.999 && written <= expected * 1.02, "wrote \(written / Double(Self.mebibyte)) MiB")
        #expect(read >= expected * 0.98 && read <= expected * 1.05, "read \(read / Double(Self.mebibyte)) MiB")
        #expect(writing.diskReadBytesPerSecond * (t1 - t0) < expected * 0.02)
    }

    @Test("cpu: a child that burns 1.0 CPU-second is sampled as 1.0 ± 0.06 CPU-seconds, and as ≈ 1 core while it runs",
          arguments: [false, true], backends)
    func cpu(listed: Bool, backend: Backend) throws {
        let child = try ChildProcess(python: """
            import sys, time
            print("ready"); sys.stdin.readline()
            c0, w0 = time.process_time(), time.monotonic()
            while time.process_time() - c0 < 1.0:
                pass
            print("done %.6f %.6f" % (time.process_time() - c0, time.monotonic() - w0)); sys.stdin.readline()
            """)
        defer { child.stop() }
        #expect(child.expect("ready"))
        var sampler = try Self.sampler(child.pid, listed: listed, backend)
        _ = try sampler.sample(atMonotonicSeconds: MonotonicClock.seconds())
        let t0 = try #require(sampler.previous?.monotonicSeconds)
        child.send()
        let done = try #require(child.readLine()).split(separator: " ")
        let t1 = MonotonicClock.seconds()
        let v = try #require(try sampler.sample(atMonotonicSeconds: t1))
        let cpuSeconds = v.cpuCores * (t1 - t0)
        #expect(abs(cpuSeconds - 1.0) <= 0.06, "sampled \(cpuSeconds) CPU-seconds")
        // The child's own share of a core over its loop (its process time / its wall time);
        // on an idle machine this is ≈ 1, on a loaded one it is what the scheduler gave it.
        let childShare = try #require(Double(done[1])) / (try #require(Double(done[2])))
        #expect(v.cpuCores <= 1.05, "a single-threaded child cannot use more than one core: \(v.cpuCores)")
        #expect(abs(v.cpuCores - childShare) <= 0.1, "sampled \(v.cpuCores) cores; the child measured \(childShare)")
        #expect(childShare < 0.9 || v.cpuCores >= 0.85, "uncontended child but only \(v.cpuCores) cores sampled")
    }

    @Test("the tree includes descendants; a child that exits between samples drops out without an error", arguments: backends)
    func exitBetweenSamples(backend: Backend) throws {
        let parent = try ChildProcess(python: """
            import subprocess, sys
            kids = [subprocess.Popen(["/usr/bin/sleep", "60"]) for _ in range(3)]
            print(" ".join(str(k.pid) for k in kids)); sys.stdin.readline()
            kids[0].kill(); kids[0].wait()
            print("reaped"); sys.stdin.readline()
            for k in kids[1:]:
                k.kill()
            """)
        defer { parent.stop() }
        let kids = try #require(parent.readLine()).split(separator: " ").compactMap { Int32($0) }
        #expect(kids.count == 3)
        let tree = try ProcReader().processTree(root: parent.pid)
        #expect(Set(tree.map(\.pid)) == Set([parent.pid] + kids))
        var sampler = try Self.sampler(parent.pid, backend)
        _ = try sampler.sample(atMonotonicSeconds: MonotonicClock.seconds())
        #expect(Self.processKeys(sampler.previous) == Set([parent.pid] + kids))
        parent.send()
        #expect(parent.expect("reaped"))
        let v = try #require(try sampler.sample(atMonotonicSeconds: MonotonicClock.seconds()))
        #expect(Self.processKeys(sampler.previous) == Set([parent.pid] + kids.dropFirst()))
        #expect(v.cpuCores >= 0 && v.cpuCores.isFinite && v.memoryBytes > 0)
        #expect(v.diskReadBytesPerSecond >= 0 && v.networkReceiveBytesPerSecond >= 0)
        #expect(throws: SamplingError.processGone(pid: kids[0])) { try ProcReader().stat(pid: kids[0]) }
        #expect(throws: SamplingError.processGone(pid: kids[0])) { try ProcReader().io(pid: kids[0]) }
    }

    @Test("children that start and exit while sampling at 50 Hz never make a sample throw or go negative", arguments: backends)
    func churn(backend: Backend) throws {
        let parent = try ChildProcess(python: """
            import subprocess, sys, time
            print("ready")
            end = time.monotonic() + 2.0
            while time.monotonic() < end:
                subprocess.Popen(["/usr/bin/sleep", "0.0%d" % (int(time.monotonic() * 1000) % 9 + 1)])
                time.sleep(0.005)
            print("done"); sys.stdin.readline()
            """)
        defer { parent.stop() }
        #expect(parent.expect("ready"))
        var sampler = try Self.sampler(parent.pid, backend)
        var vectors: [ResourceVector] = []
        var sizes = Set<Int>()
        let end = MonotonicClock.seconds() + 2.0
        while MonotonicClock.seconds() < end {
            if let v = try sampler.sample(atMonotonicSeconds: MonotonicClock.seconds()) { vectors.append(v) }
            sizes.insert(Self.processKeys(sampler.previous).count)
            usleep(20_000)
        }
        #expect(vectors.count >= 20)
        #expect(sizes.count > 1, "the tree should have changed size while children came and went")
        for v in vectors {
            #expect(v.cpuCores >= 0 && v.cpuCores < 4 && v.memoryBytes > 0)
            #expect(v.diskWriteBytesPerSecond >= 0 && v.networkTransmitBytesPerSecond >= 0)
        }
    }

    /// `stat -f -c %T`: the filesystem type name of `path` ("ext2/ext3", "tmpfs", …).
    static func filesystemType(_ path: String) throws -> String {
        let stat = Process()
        let output = Pipe()
        stat.executableURL = URL(fileURLWithPath: "/usr/bin/stat")
        stat.arguments = ["-f", "-c", "%T", path]
        stat.standardOutput = output
        try stat.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        stat.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func processKeys(_ snapshot: CounterSnapshot?) -> Set<Int32> {
        Set(snapshot?.counters.keys.compactMap { key -> Int32? in
            if case let .process(pid, _) = key { return pid }
            return nil
        } ?? [])
    }
}

@Suite("Descriptors kept open between samples")
struct KeptDescriptorTests {
    @Test("a kept stat descriptor of a reaped process reports it gone (never stale data) and is closed")
    func reaped() throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/usr/bin/sleep")
        child.arguments = ["60"]
        try child.run()
        let pid = child.processIdentifier
        let reader = ProcReader()
        // Until the child has exec'd `sleep` and gone to sleep, its stat still changes
        // (command, state, CPU ticks): wait for it (at most 5 s).
        var first = try reader.stat(pid: pid)
        let deadline = Date().addingTimeInterval(5)
        while (first.command != "sleep" || first.state != "S") && Date() < deadline {
            usleep(10_000)
            first = try reader.stat(pid: pid)
        }
        _ = try reader.io(pid: pid)
        #expect(reader.openDescriptorCount == 2)
        // Re-read through the kept descriptor: the same process, the same (sleeping) state.
        let again = try reader.stat(pid: pid)
        #expect(again.pid == pid && again.startTimeTicks == first.startTimeTicks && again.command == "sleep")
        reader.finishSample()   // both were read in this sample: both stay open
        #expect(reader.openDescriptorCount == 2)
        kill(pid, SIGKILL)
        child.waitUntilExit()
        #expect(throws: SamplingError.processGone(pid: pid)) { try reader.stat(pid: pid) }
        #expect(reader.openDescriptorCount == 1)
        reader.finishSample()   // io was not read since the last call: closed
        #expect(reader.openDescriptorCount == 0)
    }
}
