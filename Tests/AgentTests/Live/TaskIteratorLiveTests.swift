import Foundation
import Testing
@testable import Agent

/// The eBPF task iterator against `/proc` for real processes: the same identity, CPU time,
/// storage bytes and resident pages as the files the procfs path reads. Needs root (or
/// CAP_BPF + CAP_PERFMON) and a kernel with BTF; this machine has both, so the suite fails
/// rather than skips when the iterator cannot load here.
@Suite("eBPF task iterator against /proc", .serialized)
struct TaskIteratorLiveTests {
    static let available = geteuid() == 0

    @Test("loads on this machine", .enabled(if: available))
    func loads() throws {
        do { _ = try TaskIterator() } catch { Issue.record("\(error)") }
    }

    @Test("a child that allocates, writes and spins: pid, parent, start time, threads, CPU, I/O and RSS match /proc",
          .enabled(if: available))
    func matchesProc() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("task-iterator-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let child = try ChildProcess(python: """
            import os, sys, threading, time
            block = bytearray(b"\\x01" * (48 << 20))
            x = sum(range(2_000_000))
            with open(sys.argv[1], "wb") as f:
                f.write(b"\\x02" * (8 << 20)); f.flush(); os.fsync(f.fileno())
            spun, done = threading.Event(), threading.Event()
            def spin():
                y = sum(range(1_000_000)); spun.set(); done.wait()
            threading.Thread(target=spin, daemon=True).start()
            spun.wait()
            print("ready"); sys.stdin.readline()
            """, arguments: [directory.appendingPathComponent("out").path])
        defer { child.stop() }
        #expect(child.expect("ready"))
        usleep(200_000)
        let iterator = try TaskIterator()
        let seen = try #require(try iterator.processes()[child.pid], "the child is not among the iterator's processes")
        let reader = ProcReader()
        let stat = try reader.stat(pid: child.pid)
        let statm = try reader.statm(pid: child.pid)
        let io = try reader.io(pid: child.pid)
        #expect(seen.parentPID == getpid())
        #expect(seen.startTimeTicks == stat.startTimeTicks)
        #expect(seen.threadCount == stat.threadCount && seen.threadCount == 2)
        #expect(seen.residentPages == Int64(statm.residentPages), "RSS: iterator \(String(describing: seen.residentPages)), statm \(statm.residentPages)")
        #expect((seen.residentPages ?? 0) * Int64(reader.pageSizeBytes) >= 48 << 20)
        #expect(seen.readBytes == io.readBytes && seen.writeBytes == io.writeBytes, "I/O: iterator \(seen.readBytes)/\(seen.writeBytes), /proc \(io.readBytes)/\(io.writeBytes)")
        #expect(seen.writeBytes >= 8 << 20)
        // stat's utime + stime are the same total in 10 ms ticks (rounded down per field).
        let statSeconds = Double(stat.cpuTicks) / reader.clockTicksPerSecond
        let ours = Double(seen.cpuNanoseconds) / 1e9
        #expect(ours >= statSeconds - 0.001 && ours <= statSeconds + 0.03, "CPU: iterator \(ours) s, stat \(statSeconds) s")
        #expect(ours > 0.05)
        #expect(!seen.isKernelThread)
    }

    @Test("our own process is there and an exited child is not", .enabled(if: available))
    func exitedChild() throws {
        let iterator = try TaskIterator()
        let child = try ChildProcess(python: "print('ready')")
        #expect(child.expect("ready"))
        child.stop()
        let all = try iterator.processes()
        #expect(all[getpid()] != nil)
        #expect(all[child.pid] == nil)
        #expect(all[getpid()]?.parentPID == getppid())
        // Kernel threads (kthreadd is pid 2 in the initial namespace) have no address space.
        if let kthreadd = all[2] { #expect(kthreadd.isKernelThread && kthreadd.residentPages == nil) }
    }
}
