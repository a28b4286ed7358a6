/// The memory lines of `/proc/<pid>/status` (proc(5), "/proc/pid/status").
///
/// `VmRSS` and `VmHWM` are absent for kernel threads and zombies, so both are optional.
/// The file states them in kB (1024 bytes); the values here are bytes.
public struct ProcessStatus: Sendable, Hashable {
    /// `VmRSS`: resident set size, bytes.
    public var residentBytes: UInt64?
    /// `VmHWM`: peak resident set size ("high water mark"), bytes.
    public var peakResidentBytes: UInt64?

    public init(residentBytes: UInt64?, peakResidentBytes: UInt64?) {
        self.residentBytes = residentBytes
        self.peakResidentBytes = peakResidentBytes
    }

    /// Parses the text of a `/proc/<pid>/status` file; `file` names it in errors.
    public init(parsing text: String, file: String = "/proc/<pid>/status") throws(SamplingError) {
        self = try parseText(text, file: file) { (t) throws(SamplingError) in try ProcessStatus(t) }
    }

    init(_ text: TextBytes) throws(SamplingError) {
        var rss: UInt64?
        var hwm: UInt64?
        try text.forEachLine { (line) throws(SamplingError) in
            guard let colon = line.firstIndex(of: TextBytes.colon) else { return }
            let key = line.prefix(upTo: colon).tokens()
            guard key.count == 1 else { return }
            let isRSS = key[0].equals("VmRSS")
            guard isRSS || key[0].equals("VmHWM") else { return }
            let value = line.suffix(after: colon)
            let tokens = value.tokens()
            let field = isRSS ? "VmRSS" : "VmHWM"
            guard tokens.count == 2, tokens[1].equals("kB") else {
                throw value.malformed(field: field, "expected \"<number> kB\"")
            }
            let kilobytes = try value.unsigned(tokens, 0, field: field)
            guard kilobytes <= UInt64.max / 1024 else { throw value.malformed(field: field, "\(kilobytes) kB overflows") }
            if isRSS { rss = kilobytes * 1024 } else { hwm = kilobytes * 1024 }
        }
        self.init(residentBytes: rss, peakResidentBytes: hwm)
    }
}
