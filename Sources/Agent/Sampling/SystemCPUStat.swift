/// The aggregate `cpu` line of `/proc/stat` (proc(5), "/proc/stat"): time the whole
/// machine spent in each state, in clock ticks summed over CPUs.
///
/// Columns: user nice system idle iowait irq softirq steal guest guest_nice. `guest` and
/// `guest_nice` are already included in `user` and `nice`, so they are not added again.
/// Older kernels print fewer columns; the missing ones read as 0 (at least 4 are required).
public struct SystemCPUStat: Sendable, Hashable {
    public var userTicks: UInt64
    public var niceTicks: UInt64
    public var systemTicks: UInt64
    public var idleTicks: UInt64
    public var ioWaitTicks: UInt64
    public var irqTicks: UInt64
    public var softIRQTicks: UInt64
    public var stealTicks: UInt64

    public init(userTicks: UInt64, niceTicks: UInt64, systemTicks: UInt64, idleTicks: UInt64,
                ioWaitTicks: UInt64 = 0, irqTicks: UInt64 = 0, softIRQTicks: UInt64 = 0, stealTicks: UInt64 = 0) {
        self.userTicks = userTicks
        self.niceTicks = niceTicks
        self.systemTicks = systemTicks
        self.idleTicks = idleTicks
        self.ioWaitTicks = ioWaitTicks
        self.irqTicks = irqTicks
        self.softIRQTicks = softIRQTicks
        self.stealTicks = stealTicks
    }

    /// Ticks not idle: user + nice + system + irq + softirq + steal.
    public var busyTicks: UInt64 { userTicks &+ niceTicks &+ systemTicks &+ irqTicks &+ softIRQTicks &+ stealTicks }
    /// Every tick: busy + idle + iowait.
    public var totalTicks: UInt64 { busyTicks &+ idleTicks &+ ioWaitTicks }

    /// Parses the text of `/proc/stat` (only its `cpu ` line is read).
    public init(parsing text: String, file: String = "/proc/stat") throws(SamplingError) {
        self = try parseText(text, file: file) { (t) throws(SamplingError) in try SystemCPUStat(t) }
    }

    init(_ text: TextBytes) throws(SamplingError) {
        var found: SystemCPUStat?
        try text.forEachLine { (line) throws(SamplingError) in
            guard found == nil else { return }
            let f = line.tokens()
            guard let first = f.first, first.equals("cpu") else { return }
            guard f.count >= 5 else { throw line.malformed(field: "cpu", "\(f.count - 1) columns; expected at least 4") }
            var v = [UInt64](repeating: 0, count: 8)
            let names = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"]
            for i in 0..<min(8, f.count - 1) { v[i] = try line.unsigned(f, i + 1, field: "cpu \(names[i])") }
            found = SystemCPUStat(userTicks: v[0], niceTicks: v[1], systemTicks: v[2], idleTicks: v[3],
                                  ioWaitTicks: v[4], irqTicks: v[5], softIRQTicks: v[6], stealTicks: v[7])
        }
        guard let found else { throw text.malformed(line: 1, field: "cpu", "no aggregate \"cpu \" line") }
        self = found
    }
}
