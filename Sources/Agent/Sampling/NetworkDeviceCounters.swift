/// `/proc/<pid>/net/dev` (proc(5), "/proc/net/dev"): byte counters per network interface.
///
/// The file describes the **network namespace** of process `<pid>`, not the process: every
/// process in a namespace sees the same numbers. A workload's network rate is therefore
/// the rate of its namespace, and is only the workload's own when the namespace is its own
/// (a container, a POP's network namespace). `lo` is excluded from the totals: loopback
/// traffic never leaves the namespace and would be counted once as sent and once as received.
///
/// Format: two header lines, then `name: rx_bytes rx_packets rx_errs rx_drop rx_fifo
/// rx_frame rx_compressed rx_multicast tx_bytes tx_packets …` (8 receive, 8 transmit columns).
public struct NetworkDeviceCounters: Sendable, Hashable {
    public struct Interface: Sendable, Hashable {
        public var name: String
        public var receiveBytes: UInt64
        public var transmitBytes: UInt64

        public init(name: String, receiveBytes: UInt64, transmitBytes: UInt64) {
            self.name = name
            self.receiveBytes = receiveBytes
            self.transmitBytes = transmitBytes
        }
    }

    /// The interfaces in file order, `lo` included.
    public var interfaces: [Interface]

    public init(interfaces: [Interface]) { self.interfaces = interfaces }

    /// Received bytes summed over every interface but `lo`.
    public var receiveBytesExcludingLoopback: UInt64 {
        interfaces.reduce(0) { $1.name == "lo" ? $0 : $0 &+ $1.receiveBytes }
    }

    /// Transmitted bytes summed over every interface but `lo`.
    public var transmitBytesExcludingLoopback: UInt64 {
        interfaces.reduce(0) { $1.name == "lo" ? $0 : $0 &+ $1.transmitBytes }
    }

    /// Parses the text of a `/proc/<pid>/net/dev` file.
    public init(parsing text: String, file: String = "/proc/<pid>/net/dev") throws(SamplingError) {
        self = try parseText(text, file: file) { (t) throws(SamplingError) in try NetworkDeviceCounters(t) }
    }

    init(_ text: TextBytes) throws(SamplingError) {
        var interfaces: [Interface] = []
        var sawHeader = false
        try text.forEachLine { (line) throws(SamplingError) in
            if line.number <= 2 {
                // "Inter-|   Receive …" and " face |bytes    packets …"
                guard line.firstIndex(of: UInt8(ascii: "|")) != nil else {
                    throw line.malformed(field: "header", "expected the two \"|\"-separated header lines")
                }
                sawHeader = true
                return
            }
            if line.isBlank { return }
            guard let colon = line.firstIndex(of: TextBytes.colon) else {
                throw line.malformed(field: "interface", "no \":\" after the interface name")
            }
            let name = line.prefix(upTo: colon).tokens()
            guard name.count == 1 else { throw line.malformed(field: "interface", "no single interface name") }
            let counters = line.suffix(after: colon)
            let f = counters.tokens()
            guard f.count >= 16 else {
                throw counters.malformed(field: "\(name[0].text) counters", "\(f.count) columns; expected 16")
            }
            interfaces.append(Interface(
                name: name[0].text,
                receiveBytes: try counters.unsigned(f, 0, field: "\(name[0].text) receive bytes"),
                transmitBytes: try counters.unsigned(f, 8, field: "\(name[0].text) transmit bytes")))
        }
        guard sawHeader else { throw text.malformed(line: 1, field: "header", "the file is empty") }
        self.init(interfaces: interfaces)
    }
}
