import Resources
import Testing
@testable import Agent

@Suite("Rates from two counter snapshots")
struct CounterSnapshotTests {
    static func process(_ pid: Int32, start: UInt64 = 1) -> CounterKey { .process(pid: pid, startTimeTicks: start) }

    @Test("per-key deltas over Δt; memory is the current sum")
    func rates() throws {
        let before = CounterSnapshot(monotonicSeconds: 100, counters: [
            Self.process(1): Counters(cpuSeconds: 10, residentBytes: 1000, diskReadBytes: 0, diskWriteBytes: 500),
            Self.process(2): Counters(cpuSeconds: 5, residentBytes: 2000, diskReadBytes: 100, diskWriteBytes: 0),
            .networkNamespace(inode: 7): Counters(networkReceiveBytes: 1_000, networkTransmitBytes: 10),
        ])
        let after = CounterSnapshot(monotonicSeconds: 102, counters: [
            Self.process(1): Counters(cpuSeconds: 11.5, residentBytes: 1500, diskReadBytes: 0, diskWriteBytes: 4500),
            Self.process(2): Counters(cpuSeconds: 6.5, residentBytes: 2000, diskReadBytes: 300, diskWriteBytes: 0),
            .networkNamespace(inode: 7): Counters(networkReceiveBytes: 5_000, networkTransmitBytes: 30),
        ])
        let v = try after.rates(since: before)
        #expect(v == ResourceVector(cpuCores: 1.5, memoryBytes: 3500, diskReadBytesPerSecond: 100,
                                    diskWriteBytesPerSecond: 2000, networkReceiveBytesPerSecond: 2000,
                                    networkTransmitBytesPerSecond: 10))
    }

    @Test("an exited child drops out, a new one starts counting next interval, a reused pid is a new key")
    func churn() throws {
        let before = CounterSnapshot(monotonicSeconds: 0, counters: [
            Self.process(1): Counters(cpuSeconds: 10, residentBytes: 100),
            Self.process(2): Counters(cpuSeconds: 50, residentBytes: 900),   // exits
            Self.process(3, start: 5): Counters(cpuSeconds: 40, residentBytes: 50),  // pid 3 reused
        ])
        let after = CounterSnapshot(monotonicSeconds: 1, counters: [
            Self.process(1): Counters(cpuSeconds: 10.25, residentBytes: 100),
            Self.process(3, start: 9): Counters(cpuSeconds: 0.5, residentBytes: 60),
            Self.process(4): Counters(cpuSeconds: 3, residentBytes: 10),     // new
        ])
        let v = try after.rates(since: before)
        #expect(v.cpuCores == 0.25)
        #expect(v.memoryBytes == 170)
        #expect(v.diskReadBytesPerSecond.isNaN && v.networkReceiveBytesPerSecond.isNaN)
    }

    @Test("a counter that went backwards for the same key contributes 0, never a negative rate")
    func backwards() throws {
        let before = CounterSnapshot(monotonicSeconds: 0, counters: [.cgroup(path: "/a"): Counters(cpuSeconds: 100, diskWriteBytes: 1e9)])
        let after = CounterSnapshot(monotonicSeconds: 1, counters: [.cgroup(path: "/a"): Counters(cpuSeconds: 2, diskWriteBytes: 1e9 + 10)])
        let v = try after.rates(since: before)
        #expect(v.cpuCores == 0)
        #expect(v.diskWriteBytesPerSecond == 10)
        #expect(v.memoryBytes.isNaN)
    }

    @Test("no time elapsed is an error; a sampler's first call only sets the baseline")
    func clock() throws {
        let s = CounterSnapshot(monotonicSeconds: 5, counters: [:])
        #expect(throws: SamplingError.clockDidNotAdvance(previousSeconds: 5, currentSeconds: 5)) { try s.rates(since: s) }

        struct Scripted: CounterSource {
            var cpu = 0.0
            mutating func readCounters() throws(SamplingError) -> [CounterKey: Counters] {
                cpu += 0.5
                return [.cgroup(path: "/x"): Counters(cpuSeconds: cpu, residentBytes: 42)]
            }
        }
        var sampler = Sampler(source: Scripted())
        #expect(try sampler.sample(atMonotonicSeconds: 10) == nil)
        let v = try #require(try sampler.sample(atMonotonicSeconds: 10.25))
        #expect(v.cpuCores == 2)
        #expect(v.memoryBytes == 42)
        #expect(sampler.configuration.intervalSeconds == 1)
    }
}
