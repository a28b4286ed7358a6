import Testing
@testable import Agent

@Suite("/proc schedstat and statm parsers")
struct SchedStatStatmParserTests {
    @Test("schedstat: runtime, run delay and timeslices of the main thread; 0 0 0 is unusable")
    func schedStat() throws {
        let stat = try ProcessSchedStat(parsing: "40913361 1279318 112\n")
        #expect(stat == ProcessSchedStat(runNanoseconds: 40_913_361, waitNanoseconds: 1_279_318, timeslices: 112))
        #expect(stat.usable)
        #expect(!(try ProcessSchedStat(parsing: "0 0 0\n")).usable)
    }

    @Test("schedstat: a missing or non-numeric field is an error naming it", arguments: [
        ("40913361 1279318\n", "pcount (3)"), ("x 1 2\n", "sum_exec_runtime (1)"), ("", "sum_exec_runtime (1)"),
    ])
    func schedStatMalformed(text: String, field: String) {
        #expect(throws: SamplingError.self) { try ProcessSchedStat(parsing: text, file: "/proc/9/schedstat") }
        do { _ = try ProcessSchedStat(parsing: text, file: "/proc/9/schedstat") } catch {
            #expect(error.description.contains("/proc/9/schedstat") && error.description.contains(field), "\(error)")
        }
    }

    @Test("statm: the second field is the resident set in pages; fewer fields or a bad number is an error")
    func statm() throws {
        #expect(try ProcessStatm(parsing: "3951 2154 1610 13 0 339 0\n").residentPages == 2154)
        #expect(throws: SamplingError.self) { try ProcessStatm(parsing: "3951\n") }
        #expect(throws: SamplingError.self) { try ProcessStatm(parsing: "3951 -4 1\n") }
    }
}
