import Foundation
import Testing
@testable import Agent

#if canImport(Glibc)
import Glibc
#endif

/// Kernel-visible state: the parsers on captured fixtures (Fixtures/kernel-state/README.md),
/// the symbol rule, and the sampler on real children.
@Suite("Kernel state symbols")
struct KernelStateTests {
    static func state(_ directory: String) throws -> KernelState {
        let base = "kernel-state/\(directory)/"
        let stat = try ProcessStat(parsing: Fixture.text(base + "stat"))
        return KernelState(state: stat.state, syscall: try KernelSyscall(parsing: Fixture.text(base + "syscall")),
                           waitChannel: KernelWaitChannel.parse(try Fixture.text(base + "wchan")))
    }

    @Test("captured files: sleep → S:clock_nanosleep, busy loop → R, Event.wait → S:futex, disk wait → D:io_schedule")
    func fixtures() throws {
        let sleeping = try Self.state("sleeping")
        #expect(sleeping.state == "S")
        #expect(sleeping.syscall == .blocked(number: 230))
        #expect(sleeping.waitChannel == "hrtimer_nanosleep")
        let running = try Self.state("running")
        #expect(running.syscall == .running)
        #expect(running.waitChannel == nil)
        #if arch(x86_64)
        #expect(sleeping.symbol == "S:clock_nanosleep")
        #expect(try Self.state("futex").symbol == "S:futex")
        #endif
        #expect(running.symbol == "R")
        #expect(try Self.state("disk").symbol == "D:io_schedule")
    }

    @Test("syscall file: running, -1, numbers; anything else is a typed error naming the file and field")
    func syscallParser() throws {
        #expect(try KernelSyscall(parsing: "running\n") == .running)
        #expect(try KernelSyscall(parsing: "-1 0x7ffd2a080758 0x7f4246736503\n") == .notInSyscall)
        #expect(try KernelSyscall(parsing: "0 0x3 0x0") == .blocked(number: 0))
        for bad in ["", "\n", "sleeping", "-2 0x0", "0x3 0x0"] {
            #expect(throws: SamplingError.self) { try KernelSyscall(parsing: bad, file: "/proc/9/syscall") }
        }
        do {
            _ = try KernelSyscall(parsing: "busy 0x0", file: "/proc/9/syscall")
        } catch {
            #expect(error == .malformed(file: "/proc/9/syscall", line: 1, field: "syscall number (1)",
                                        reason: "\"busy\" is not running, -1 or a syscall number"))
        }
    }

    @Test("wchan: 0, empty and non-identifiers are nil")
    func waitChannel() {
        #expect(KernelWaitChannel.parse("0") == nil)
        #expect(KernelWaitChannel.parse("") == nil)
        #expect(KernelWaitChannel.parse("ep_poll\n") == "ep_poll")
        #expect(KernelWaitChannel.parse("do_sys_poll.constprop.0") == "do_sys_poll.constprop.0")
        #expect(KernelWaitChannel.parse("evil name") == nil)
    }

    @Test("symbol rule for every branch")
    func symbolRule() {
        #if arch(x86_64)
        let futex = 202, unnamed = 99
        #else
        let futex = 98, unnamed = 99
        #endif
        #expect(KernelState(state: "S", syscall: .blocked(number: futex), waitChannel: "futex_do_wait").symbol == "S:futex")
        #expect(KernelState(state: "S", syscall: .blocked(number: unnamed), waitChannel: "pipe_read").symbol == "S:pipe_read")
        #expect(KernelState(state: "S", syscall: .blocked(number: unnamed), waitChannel: nil).symbol == "S:other")
        #expect(KernelState(state: "S", syscall: nil, waitChannel: "ep_poll").symbol == "S:ep_poll")
        #expect(KernelState(state: "S", syscall: nil, waitChannel: nil).symbol == "S")
        #expect(KernelState(state: "D", syscall: .blocked(number: futex), waitChannel: "io_schedule").symbol == "D:io_schedule")
        #expect(KernelState(state: "D", syscall: .notInSyscall, waitChannel: nil).symbol == "D")
        #expect(KernelState(state: "D", syscall: .blocked(number: futex), waitChannel: nil).symbol == "D:futex")
        for letter: Character in ["Z", "T", "t", "I", "X"] {
            #expect(KernelState(state: letter, syscall: .notInSyscall, waitChannel: "x").symbol == String(letter))
        }
    }

    @Test("a real sleeping child is S in (clock_)nanosleep, a busy one is R, an exited one is gone")
    func liveChildren() throws {
        let sampler = KernelStateSampler()
        let sleeper = try ChildProcess(python: "import time\nprint('ready')\ntime.sleep(60)")
        defer { sleeper.stop() }
        #expect(sleeper.expect("ready"))
        var symbol = ""
        for _ in 0..<50 {  // until it is inside the sleep call (up to 1 s)
            symbol = try sampler.sample(pid: sleeper.pid).symbol
            if symbol != "R" { break }
            usleep(20_000)
        }
        #expect(symbol == "S:clock_nanosleep" || symbol == "S:nanosleep", "got \(symbol)")
        let state = try sampler.sample(pid: sleeper.pid)
        #expect(state.syscall != nil, "as root /proc/<pid>/syscall is readable (denied \(sampler.syscallDeniedCount) times)")

        let spinner = try ChildProcess(python: "print('ready')\nwhile True: pass")
        defer { spinner.stop() }
        #expect(spinner.expect("ready"))
        // On two shared cores the spinner may wait for a CPU, but waiting runnable is R too.
        let symbols = try (0..<20).map { _ in
            usleep(10_000)
            return try sampler.sample(pid: spinner.pid).symbol
        }
        #expect(symbols.filter { $0 == "R" }.count >= 18, "\(symbols)")
        let event = try sampler.event(pid: spinner.pid, workload: "spin", timestampSeconds: 1)
        #expect(event.kind == .state && event.workload == "spin")
        #expect(event.attributesJSON?.contains("\"syscall\":\"running\"") == true || event.name != "R")

        let pid = spinner.pid
        spinner.stop()
        #expect(throws: SamplingError.processGone(pid: pid)) { try sampler.sample(pid: pid) }
    }

    @Test("a process we may not ptrace: state without its syscall (pid 1 here is in another namespace)",
          .enabled(if: (try? String(contentsOfFile: "/proc/1/syscall", encoding: .utf8)) == nil
                        && FileManager.default.fileExists(atPath: "/proc/1/stat"),
                   "pid 1's syscall file is readable on this machine"))
    func deniedSyscall() throws {
        let sampler = KernelStateSampler()
        let state = try sampler.sample(pid: 1)
        #expect(state.syscall == nil)
        #expect(sampler.syscallDeniedCount == 1)
        #expect(!state.symbol.isEmpty)
    }
}
