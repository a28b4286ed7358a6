/// The fields of `/proc/<pid>/stat` the agent uses (proc(5), "/proc/pid/stat").
///
/// The line is `pid (comm) state ppid …`. `comm` is the executable's name (at most 15
/// bytes) and may itself contain spaces and parentheses, so the parser splits at the
/// *last* `)` of the line: everything after it is the space-separated fields 3 onwards.
/// Field numbers below are proc(5)'s (1-based).
public struct ProcessStat: Sendable, Hashable {
    /// Field 1.
    public var pid: Int32
    /// Field 2 without its parentheses; may contain spaces and `)`.
    public var command: String
    /// Field 3: `R` running, `S` sleeping, `D` disk sleep, `Z` zombie, `T` stopped, …
    public var state: Character
    /// Field 4: the parent's pid (0 for pid 1 and kernel threads' parent).
    public var parentPID: Int32
    /// Field 14: time scheduled in user mode, in clock ticks (`sysconf(_SC_CLK_TCK)`, usually 100 per second).
    public var userTicks: UInt64
    /// Field 15: time scheduled in kernel mode, in clock ticks.
    public var systemTicks: UInt64
    /// Field 20: number of threads.
    public var threadCount: Int
    /// Field 22: start time after boot, in clock ticks. With `pid` it identifies a
    /// process across pid reuse.
    public var startTimeTicks: UInt64
    /// Field 24: resident set size in pages (`sysconf(_SC_PAGESIZE)` bytes each). The
    /// kernel sums per-CPU counters lazily, so it can lag the truth by a few pages per CPU.
    public var residentPages: Int64

    public init(
        pid: Int32, command: String, state: Character, parentPID: Int32, userTicks: UInt64,
        systemTicks: UInt64, threadCount: Int, startTimeTicks: UInt64, residentPages: Int64
    ) {
        self.pid = pid
        self.command = command
        self.state = state
        self.parentPID = parentPID
        self.userTicks = userTicks
        self.systemTicks = systemTicks
        self.threadCount = threadCount
        self.startTimeTicks = startTimeTicks
        self.residentPages = residentPages
    }

    /// User plus system time, in clock ticks.
    public var cpuTicks: UInt64 { userTicks &+ systemTicks }

    /// Parses the text of a `/proc/<pid>/stat` file; `file` names it in errors.
    public init(parsing text: String, file: String = "/proc/<pid>/stat") throws(SamplingError) {
        self = try parseText(text, file: file) { (t) throws(SamplingError) in try ProcessStat(t) }
    }

    init(_ text: TextBytes) throws(SamplingError) {
        let line = text.firstLine
        guard let open = line.firstIndex(of: UInt8(ascii: "(")) else {
            throw line.malformed(field: "comm", "no \"(\" opening the command name")
        }
        guard let close = line.lastIndex(of: UInt8(ascii: ")")), close > open else {
            throw line.malformed(field: "comm", "no \")\" closing the command name")
        }
        let head = line.prefix(upTo: open).tokens()
        guard head.count == 1, let pid = head[0].signed, let pid32 = Int32(exactly: pid), pid32 > 0 else {
            throw line.malformed(field: "pid (1)", "expected one positive integer before \"(\"")
        }
        let name = Line(bytes: line.bytes, range: (open + 1)..<close, number: 1, file: line.file).text
        let rest = line.suffix(after: close)
        // Fields 3…24, in order; only these are kept (index = field number − 3).
        var fields = [Token?](repeating: nil, count: 22)
        var tokens = rest.tokenIterator()
        var count = 0
        while count < 22, let token = tokens.next() {
            fields[count] = token
            count += 1
        }
        guard count == 22 else {
            throw rest.malformed(field: "rss (24)", "only \(count + 2) fields; proc(5) has at least 24")
        }
        func unsigned(_ i: Int, _ field: String) throws(SamplingError) -> UInt64 {
            guard let v = fields[i]!.unsigned else { throw rest.malformed(field: field, "\"\(fields[i]!.text)\" is not an unsigned decimal") }
            return v
        }
        func signed(_ i: Int, _ field: String) throws(SamplingError) -> Int64 {
            guard let v = fields[i]!.signed else { throw rest.malformed(field: field, "\"\(fields[i]!.text)\" is not a decimal integer") }
            return v
        }
        let state = fields[0]!
        guard state.range.count == 1 else { throw rest.malformed(field: "state (3)", "\"\(state.text)\" is not one character") }
        let ppid = try signed(1, "ppid (4)")
        guard let parent = Int32(exactly: ppid), parent >= 0 else {
            throw rest.malformed(field: "ppid (4)", "\(ppid) is not a pid")
        }
        let threads = try signed(17, "num_threads (20)")
        self.init(
            pid: pid32, command: name, state: Character(Unicode.Scalar(state.bytes[state.range.lowerBound])),
            parentPID: parent,
            userTicks: try unsigned(11, "utime (14)"),
            systemTicks: try unsigned(12, "stime (15)"),
            threadCount: Int(threads),
            startTimeTicks: try unsigned(19, "starttime (22)"),
            residentPages: try signed(21, "rss (24)"))
    }
}
