import Foundation
import Testing
@testable import Agent

/// The list mode's memo (`ProcessMemo`) against real children: a process that has not run
/// is answered from its memo and `statm`, and gives the counters a full read gives.
@Suite("Listed processes: the memo of a process that has not run", .serialized)
struct ProcessMemoLiveTests {
    @Test("an idle child is answered from its memo with the counters of a full read; once it runs it is read in full")
    func idleThenBusy() throws {
        let child = try ChildProcess(python: """
            import sys
            print("ready"); sys.stdin.readline()
            block = b"\\x01" * (64 << 20)
            x = sum(range(3_000_000))
            print("worked"); sys.stdin.readline()
            """)
        defer { child.stop() }
        #expect(child.expect("ready"))
        usleep(100_000)  // let it block in readline
        var source = ProcessTreeSource(roots: [child.pid], includeDescendants: false, taskIterator: nil)
        let first = try source.readCounters()
        let memo = try #require(source.memos[child.pid])
        #expect(memo.threadCount == 1)
        #expect(memo.schedule?.usable == true, "this kernel's schedstat is not usable; the memo path cannot run")
        // Process keys only: the namespace's network counters move with other traffic.
        func processes(_ counters: [CounterKey: Counters]) -> [CounterKey: Counters] {
            counters.filter { if case .process = $0.key { true } else { false } }
        }
        let idle = try source.readCounters()
        #expect(processes(idle) == processes(first), "an idle process's counters from the memo differ from its full read")
        var fresh = ProcessTreeSource(roots: [child.pid], includeDescendants: false, taskIterator: nil)
        #expect(processes(try fresh.readCounters()) == processes(idle))
        #expect(source.reader.openDescriptorCount == 3)  // schedstat, statm and net/dev: stat and io were not read

        child.send()
        #expect(child.expect("worked"))
        let busy = try source.readCounters()
        let key = try #require(busy.keys.first { if case .process = $0 { true } else { false } })
        let before = try #require(first[key]), after = try #require(busy[key])
        #expect((after.cpuSeconds ?? 0) > (before.cpuSeconds ?? 0), "the work was not seen: \(before) → \(after)")
        #expect((after.residentBytes ?? 0) >= (before.residentBytes ?? 0) + Double(60 << 20))
        #expect(source.memos[child.pid]?.cpuTicks != memo.cpuTicks)
        // It ran: the next 3 samples read it in full without schedstat (kept open); the 4th
        // compares with the baseline taken before the busy read and answers from the memo.
        #expect(source.memos[child.pid]?.probeIn == ProcessMemo.probeBackoffSamples)
        for _ in 0..<Int(ProcessMemo.probeBackoffSamples) {
            #expect(processes(try source.readCounters()) == processes(busy))
            #expect(source.reader.openDescriptorCount == 5)
        }
        #expect(processes(try source.readCounters()) == processes(busy))
        #expect(source.reader.openDescriptorCount == 3)
    }

    @Test("a multi-threaded process is always read in full (its schedstat covers the main thread only)")
    func multiThreaded() throws {
        let child = try ChildProcess(python: """
            import sys, threading, time
            threading.Thread(target=lambda: time.sleep(60), daemon=True).start()
            print("ready"); sys.stdin.readline()
            """)
        defer { child.stop() }
        #expect(child.expect("ready"))
        var source = ProcessTreeSource(roots: [child.pid], includeDescendants: false, taskIterator: nil)
        _ = try source.readCounters()
        let memo = try #require(source.memos[child.pid])
        #expect(memo.threadCount == 2 && memo.schedule == nil)
    }
}
