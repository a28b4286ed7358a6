import Testing
@testable import Agent

@Suite("/proc parsers on real file texts")
struct ProcParserTests {
    @Test("stat: a command name with spaces and parentheses is split at the last \")\"")
    func statWithHostileCommand() throws {
        let stat = try ProcessStat(parsing: Fixture.text("proc/31694/stat"))
        #expect(stat.pid == 31694)
        #expect(stat.command == "x) (y z")
        #expect(stat.state == "S")
        #expect(stat.parentPID == 31690)
        #expect(stat.userTicks == 0 && stat.systemTicks == 0)
        #expect(stat.threadCount == 1)
        #expect(stat.startTimeTicks == 840300)
        #expect(stat.residentPages == 391)
    }

    @Test("stat: a python3 that did work (utime 18, stime 41, rss 21790 pages)")
    func statOfBusyProcess() throws {
        let stat = try ProcessStat(parsing: Fixture.text("proc/32143/stat"))
        #expect(stat.command == "python3")
        #expect(stat.parentPID == 32137)
        #expect(stat.userTicks == 18)
        #expect(stat.systemTicks == 41)
        #expect(stat.cpuTicks == 59)
        #expect(stat.startTimeTicks == 841160)
        #expect(stat.residentPages == 21790)
        // VmRSS of the same instant is 87312 kB; stat's rss (lazily summed) is within 1%.
        let status = try ProcessStatus(parsing: Fixture.text("proc/32143/status"))
        #expect(status.residentBytes == 87312 * 1024)
        #expect(status.peakResidentBytes == 87312 * 1024)
        let fromStat = Double(stat.residentPages * 4096)
        #expect(abs(fromStat - Double(status.residentBytes!)) / fromStat < 0.01)
    }

    @Test("stat: malformed texts are errors naming the file and field", arguments: [
        ("", "comm"),
        ("123 python3 S 1", "comm"),
        ("123 (python3 S 1 2 3", "comm"),
        ("abc (sh) S 1 1 1 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 100 0 10", "pid (1)"),
        ("12 (sh) S 1 1 1 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 100 0", "rss (24)"),
        ("12 (sh) S 1 1 1 0 -1 0 0 0 0 0 x 2 0 0 20 0 1 0 100 0 10", "utime (14)"),
        ("12 (sh) S 1 1 1 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 -100 0 10", "starttime (22)"),
        ("12 (sh) S 1 1 1 0 -1 0 0 0 0 0 99999999999999999999999 2 0 0 20 0 1 0 100 0 10", "utime (14)"),
    ])
    func statMalformed(text: String, field: String) {
        #expect(throws: SamplingError.self) { try ProcessStat(parsing: text, file: "/proc/12/stat") }
        do {
            _ = try ProcessStat(parsing: text, file: "/proc/12/stat")
        } catch let .malformed(file, line, f, _) {
            #expect(file == "/proc/12/stat")
            #expect(line == 1)
            #expect(f == field)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("status: kernel threads have no VmRSS; a bad unit is an error")
    func status() throws {
        let kernelThread = try ProcessStatus(parsing: "Name:\tkthreadd\nState:\tS (sleeping)\nPPid:\t0\n")
        #expect(kernelThread.residentBytes == nil && kernelThread.peakResidentBytes == nil)
        #expect(throws: SamplingError.self) { try ProcessStatus(parsing: "VmRSS:\t 12 MB\n") }
        #expect(throws: SamplingError.self) { try ProcessStatus(parsing: "VmHWM:\t lots kB\n") }
    }

    @Test("io: the four counters; a missing or non-numeric one is an error")
    func io() throws {
        let io = try ProcessIO(parsing: Fixture.text("proc/32143/io"))
        #expect(io.readCharacters == 10074448)
        #expect(io.writtenCharacters == 8390333)
        #expect(io.readBytes == 8388608)
        #expect(io.writeBytes == 8413184)
        #expect(io.cancelledWriteBytes == 0)
        let idle = try ProcessIO(parsing: Fixture.text("proc/31694/io"))
        #expect(idle.readBytes == 0 && idle.writeBytes == 0 && idle.readCharacters == 6976)
        #expect(throws: SamplingError.malformed(file: "io", line: 3, field: "write_bytes", reason: "missing from the file")) {
            try ProcessIO(parsing: "rchar: 1\nwchar: 2\nread_bytes: 3\n", file: "io")
        }
        #expect(throws: SamplingError.self) { try ProcessIO(parsing: "rchar: 1\nwchar: -2\nread_bytes: 3\nwrite_bytes: 4\n") }
        #expect(throws: SamplingError.self) { try ProcessIO(parsing: "") }
    }

    @Test("net/dev: per-interface bytes; totals leave out lo")
    func netDev() throws {
        let net = try NetworkDeviceCounters(parsing: Fixture.text("proc/32143/net/dev"))
        #expect(net.interfaces.map(\.name) == ["lo", "ifb0", "ifb1", "eth0"])
        #expect(net.interfaces[0].receiveBytes == 31819)
        #expect(net.receiveBytesExcludingLoopback == 406861736)
        #expect(net.transmitBytesExcludingLoopback == 487609)
        // Old kernels print no space after the colon when the number is wide.
        let header = "Inter-|   Receive\n face |bytes    packets\n"
        let packed = try NetworkDeviceCounters(parsing: header + "  eth0:4068617360    8674    0    0    0     0          0         0   487609    5803    0    0    0     0       0          0\n")
        #expect(packed.receiveBytesExcludingLoopback == 4068617360)
        #expect(throws: SamplingError.self) { try NetworkDeviceCounters(parsing: "") }
        #expect(throws: SamplingError.self) { try NetworkDeviceCounters(parsing: header + "  eth0: 1 2 3\n") }
        #expect(throws: SamplingError.self) { try NetworkDeviceCounters(parsing: header + "  eth0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n") }
    }

    @Test("/proc/stat: the aggregate cpu line")
    func systemStat() throws {
        let cpu = try SystemCPUStat(parsing: Fixture.text("proc/stat"))
        #expect(cpu.userTicks == 1105151 && cpu.niceTicks == 2 && cpu.systemTicks == 89278)
        #expect(cpu.idleTicks == 478141 && cpu.ioWaitTicks == 3892 && cpu.softIRQTicks == 1020 && cpu.stealTicks == 198)
        #expect(cpu.busyTicks == 1105151 + 2 + 89278 + 0 + 1020 + 198)
        #expect(cpu.totalTicks == cpu.busyTicks + 478141 + 3892)
        #expect(throws: SamplingError.self) { try SystemCPUStat(parsing: "intr 1 2 3\n") }
        #expect(throws: SamplingError.self) { try SystemCPUStat(parsing: "cpu  1 2\n") }
    }
}
