/// `/proc/<pid>/io` (proc(5), "/proc/pid/io"): the I/O counters of a whole thread group.
///
/// `rchar`/`wchar` count bytes passed to `read(2)`/`write(2)`-like calls (page cache hits,
/// pipes and sockets included). `read_bytes` counts bytes the process caused to be fetched
/// from the storage layer; `write_bytes` counts bytes it caused to be sent to the storage
/// layer, charged when a page is dirtied. Filesystems without block devices (tmpfs) show 0
/// for both. `cancelled_write_bytes` are dirtied bytes later truncated away before
/// writeback. Reading another user's file needs ptrace access (root does).
public struct ProcessIO: Sendable, Hashable {
    public var readCharacters: UInt64
    public var writtenCharacters: UInt64
    public var readBytes: UInt64
    public var writeBytes: UInt64
    public var cancelledWriteBytes: UInt64

    public init(readCharacters: UInt64, writtenCharacters: UInt64, readBytes: UInt64, writeBytes: UInt64, cancelledWriteBytes: UInt64) {
        self.readCharacters = readCharacters
        self.writtenCharacters = writtenCharacters
        self.readBytes = readBytes
        self.writeBytes = writeBytes
        self.cancelledWriteBytes = cancelledWriteBytes
    }

    /// Parses the text of a `/proc/<pid>/io` file; every one of `rchar`, `wchar`,
    /// `read_bytes`, `write_bytes` must be present (`cancelled_write_bytes` defaults to 0).
    public init(parsing text: String, file: String = "/proc/<pid>/io") throws(SamplingError) {
        self = try parseText(text, file: file) { (t) throws(SamplingError) in try ProcessIO(t) }
    }

    init(_ text: TextBytes) throws(SamplingError) {
        var values: [UInt64?] = [nil, nil, nil, nil, 0]
        var lastLine = 0
        try text.forEachLine { (line) throws(SamplingError) in
            lastLine = line.number
            guard let colon = line.firstIndex(of: TextBytes.colon) else {
                if line.isBlank { return }
                throw line.malformed(field: "key", "no \":\" in \"\(line.text)\"")
            }
            let key = line.prefix(upTo: colon).tokens()
            guard key.count == 1 else { throw line.malformed(field: "key", "\"\(line.text)\" has no single key") }
            let slot: Int
            if key[0].equals("rchar") { slot = 0 }
            else if key[0].equals("wchar") { slot = 1 }
            else if key[0].equals("read_bytes") { slot = 2 }
            else if key[0].equals("write_bytes") { slot = 3 }
            else if key[0].equals("cancelled_write_bytes") { slot = 4 }
            else { return }
            let value = line.suffix(after: colon)
            values[slot] = try value.unsigned(value.tokens(), 0, field: key[0].text)
        }
        let names = ["rchar", "wchar", "read_bytes", "write_bytes"]
        for (slot, name) in names.enumerated() where values[slot] == nil {
            throw text.malformed(line: lastLine, field: name, "missing from the file")
        }
        self.init(
            readCharacters: values[0]!, writtenCharacters: values[1]!, readBytes: values[2]!,
            writeBytes: values[3]!, cancelledWriteBytes: values[4]!)
    }
}
