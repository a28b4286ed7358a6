/// `/proc/<pid>/schedstat` (the scheduler's `Documentation/scheduler/sched-stats.rst`):
/// `sum_exec_runtime run_delay pcount` of the process's *main thread* only — nanoseconds on
/// a CPU, nanoseconds waiting for one, and timeslices run.
///
/// The sampler uses it as a cheap "has it run since?" test (about a fifth of the kernel
/// time of `stat`): a single-threaded process whose runtime and timeslices are unchanged
/// has not run, so its CPU time and I/O counters are unchanged too. A kernel without
/// scheduler statistics writes `0 0 0`, which `usable` rejects.
public struct ProcessSchedStat: Sendable, Hashable {
    public var runNanoseconds: UInt64
    public var waitNanoseconds: UInt64
    public var timeslices: UInt64

    public init(runNanoseconds: UInt64, waitNanoseconds: UInt64, timeslices: UInt64) {
        self.runNanoseconds = runNanoseconds
        self.waitNanoseconds = waitNanoseconds
        self.timeslices = timeslices
    }

    /// False for the `0 0 0` of a kernel without scheduler statistics (a thread that
    /// exists has run at least once).
    public var usable: Bool { runNanoseconds != 0 || timeslices != 0 }

    /// Parses the text of a `/proc/<pid>/schedstat` file.
    public init(parsing text: String, file: String = "/proc/<pid>/schedstat") throws(SamplingError) {
        self = try parseText(text, file: file) { (t) throws(SamplingError) in try ProcessSchedStat(t) }
    }

    init(_ text: TextBytes) throws(SamplingError) {
        let line = text.firstLine
        var tokens = line.tokenIterator()
        func next(_ field: StaticString) throws(SamplingError) -> UInt64 {
            guard let token = tokens.next() else { throw line.malformed(field: "\(field)", "missing; expected three decimals") }
            guard let value = token.unsigned else { throw line.malformed(field: "\(field)", "\"\(token.text)\" is not an unsigned decimal") }
            return value
        }
        let values = (try next("sum_exec_runtime (1)"), try next("run_delay (2)"), try next("pcount (3)"))
        self.init(runNanoseconds: values.0, waitNanoseconds: values.1, timeslices: values.2)
    }
}
