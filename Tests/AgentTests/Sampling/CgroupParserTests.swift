import Testing
@testable import Agent

@Suite("cgroup v1 and v2 parsers")
struct CgroupParserTests {
    static let v1 = "cgroup-v1"
    static let v1Memory = "cgroup-v1/memory/headroom-fixture"

    @Test("v1 memory files of a real cgroup (python3 with 64 MiB + 8 MiB of page cache)")
    func v1Memory() throws {
        #expect(try CgroupValue.unsigned(parsing: Fixture.text("\(Self.v1Memory)/memory.usage_in_bytes"), file: "u") == 84402176)
        #expect(try CgroupValue.v1Limit(parsing: Fixture.text("\(Self.v1Memory)/memory.limit_in_bytes"), file: "l") == 536870912)
        // The root cgroup's "no limit" is PAGE_COUNTER_MAX × 4096.
        #expect(try CgroupValue.v1Limit(parsing: "9223372036854771712\n", file: "l") == nil)
        let stat = try CgroupV1MemoryStat(parsing: Fixture.text("\(Self.v1Memory)/memory.stat"))
        #expect(stat.rssBytes == 75493376 && stat.cacheBytes == 8388608)
        #expect(stat.totalRSSBytes == 75493376 && stat.totalCacheBytes == 8388608)
        #expect(stat.totalInactiveFileBytes == 8388608)
        #expect(try CgroupValue.unsigned(parsing: Fixture.text("\(Self.v1Memory)/memory.failcnt"), file: "f") == 0)
        let oom = try CgroupV1OOMControl(parsing: Fixture.text("\(Self.v1Memory)/memory.oom_control"))
        #expect(oom == CgroupV1OOMControl(oomKillDisabled: false, underOOM: false, oomKillCount: 0))
        let killed = try CgroupV1OOMControl(parsing: Fixture.text("cgroup-v1/memory/headroom-oom/memory.oom_control"))
        #expect(killed.oomKillCount == 1)
        let old = try CgroupV1OOMControl(parsing: "oom_kill_disable 1\nunder_oom 0\n")
        #expect(old.oomKillDisabled && old.oomKillCount == nil)
    }

    @Test("v1 cpuacct, cfs quota and blkio of the same cgroup")
    func v1CPUAndBlkio() throws {
        #expect(try CgroupValue.unsigned(parsing: Fixture.text("\(Self.v1)/cpuacct/headroom-fixture/cpuacct.usage"), file: "c") == 564930872)
        let quota = try CgroupCPUQuota(
            v1QuotaText: Fixture.text("\(Self.v1)/cpu/headroom-fixture/cpu.cfs_quota_us"),
            v1PeriodText: Fixture.text("\(Self.v1)/cpu/headroom-fixture/cpu.cfs_period_us"))
        #expect(quota.cores == 0.5)
        let unlimited = try CgroupCPUQuota(v1QuotaText: "-1\n", v1PeriodText: "100000\n")
        #expect(unlimited.quotaMicroseconds == nil && unlimited.cores == nil)
        let blkio = try CgroupV1BlkioServiceBytes(parsing: Fixture.text("\(Self.v1)/blkio/headroom-fixture/blkio.throttle.io_service_bytes"))
        #expect(blkio == CgroupV1BlkioServiceBytes(readBytes: 8388608, writeBytes: 8396800))
        let inactive = try CgroupV1BlkioServiceBytes(parsing: "Total 0\n")
        #expect(inactive == CgroupV1BlkioServiceBytes(readBytes: 0, writeBytes: 0))
        let twoDevices = try CgroupV1BlkioServiceBytes(parsing: "8:0 Read 10\n8:0 Write 20\n8:0 Total 30\n8:16 Read 1\n8:16 Write 2\n8:16 Total 3\nTotal 33\n")
        #expect(twoDevices == CgroupV1BlkioServiceBytes(readBytes: 11, writeBytes: 22))
    }

    @Test("v2 files in the documented format")
    func v2() throws {
        let cpu = try CgroupV2CPUStat(parsing: Fixture.text("cgroup-v2/workload.slice/cpu.stat"))
        #expect(cpu == CgroupV2CPUStat(usageMicroseconds: 1500000, userMicroseconds: 1200000, systemMicroseconds: 300000,
                                       throttledPeriods: 3, throttledMicroseconds: 25000))
        let hybrid = try CgroupV2CPUStat(parsing: Fixture.text("cgroup-v2-hybrid-unified/cpu.stat"))
        #expect(hybrid.usageMicroseconds == 12734982080 && hybrid.throttledPeriods == nil)
        #expect(try CgroupValue.unsigned(parsing: Fixture.text("cgroup-v2/workload.slice/memory.current"), file: "m") == 270532608)
        #expect(try CgroupValue.v2Limit(parsing: "max\n", file: "memory.max") == nil)
        #expect(try CgroupValue.v2Limit(parsing: "536870912\n", file: "memory.max") == 536870912)
        let memory = try CgroupV2MemoryStat(parsing: Fixture.text("cgroup-v2/workload.slice/memory.stat"))
        #expect(memory == CgroupV2MemoryStat(anonBytes: 209715200, fileBytes: 52428800, shmemBytes: 4194304))
        let io = try CgroupV2IOStat(parsing: Fixture.text("cgroup-v2/workload.slice/io.stat"))
        #expect(io == CgroupV2IOStat(readBytes: 1459200 + 90430464, writeBytes: 314773504 + 299008000))
        #expect(try CgroupCPUQuota(v2CPUMaxText: "max 100000\n").cores == nil)
        #expect(try CgroupCPUQuota(v2CPUMaxText: "150000 100000\n").cores == 1.5)
        let events = try CgroupV2MemoryEvents(parsing: Fixture.text("cgroup-v2/limited.slice/memory.events"))
        #expect(events == CgroupV2MemoryEvents(high: 0, max: 57, oom: 2, oomKill: 1))
    }

    @Test("malformed cgroup texts are errors naming the field", arguments: [
        ("memory.current", "abc\n"), ("memory.current", ""), ("memory.current", "1 2\n"), ("memory.max", "unlimited\n"),
        ("cpu.max", "max\n"), ("cpu.max", "max 0\n"), ("cpu.max", "-5 100000\n"), ("cpu.stat", "user_usec 1\n"),
        ("cpu.stat", "usage_usec\n"), ("io.stat", "8:0 rbytes=x wbytes=1\n"), ("io.stat", "sda rbytes=1\n"),
        ("io.stat", "8:0 rbytes\n"), ("memory.stat", "anon 1\n"), ("memory.events", "oom 1\n"),
        ("v1 memory.stat", "rss 1\n"), ("v1 memory.stat", "rss 1\ncache -1\n"), ("oom_control", "under_oom 0\n"),
        ("blkio", "8:0 Read\n"), ("blkio", "Read 5 6\n"), ("cfs_quota_us", "-2\n"),
    ])
    func malformed(kind: String, text: String) {
        #expect(throws: SamplingError.self) {
            switch kind {
            case "memory.current": _ = try CgroupValue.unsigned(parsing: text, file: kind)
            case "memory.max": _ = try CgroupValue.v2Limit(parsing: text, file: kind)
            case "cpu.max": _ = try CgroupCPUQuota(v2CPUMaxText: text)
            case "cpu.stat": _ = try CgroupV2CPUStat(parsing: text)
            case "io.stat": _ = try CgroupV2IOStat(parsing: text)
            case "memory.stat": _ = try CgroupV2MemoryStat(parsing: text)
            case "memory.events": _ = try CgroupV2MemoryEvents(parsing: text)
            case "v1 memory.stat": _ = try CgroupV1MemoryStat(parsing: text)
            case "oom_control": _ = try CgroupV1OOMControl(parsing: text)
            case "blkio": _ = try CgroupV1BlkioServiceBytes(parsing: text)
            case "cfs_quota_us": _ = try CgroupCPUQuota(v1QuotaText: text, v1PeriodText: "100000\n")
            default: Issue.record("unknown kind \(kind)")
            }
        }
    }

    @Test("a malformed value names file, line and field")
    func errorLocation() {
        #expect(throws: SamplingError.malformed(file: "/sys/fs/cgroup/x/io.stat", line: 2, field: "8:16 wbytes",
                                                reason: "\"wbytes=1x\" has no unsigned value")) {
            try CgroupV2IOStat(parsing: "8:0 rbytes=1 wbytes=2\n8:16 rbytes=1 wbytes=1x\n", file: "/sys/fs/cgroup/x/io.stat")
        }
    }
}
