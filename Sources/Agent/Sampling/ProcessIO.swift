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
        var values: (UInt64?, UInt64?, UInt64?, UInt64?, UInt64?) = (nil, nil, nil, nil, 0)
        var lastLine = 0
        try text.forEachLine { (line) throws(SamplingError) in
            lastLine = line.number
            guard let colon = line.firstIndex(of: TextBytes.colon) else {
                if line.isBlank { return }
                throw line.malformed(field: "key", "no \":\" in \"\(line.text)\"")
            }
            var keys = line.prefix(upTo: colon).tokenIterator()
            guard let key = keys.next(), keys.next() == nil else {
                throw line.malformed(field: "key", "\"\(line.text)\" has no single key")
            }
            let slot: Int
            if key.equals("rchar") { slot = 0 }
            else if key.equals("wchar") { slot = 1 }
            else if key.equals("read_bytes") { slot = 2 }
            else if key.equals("write_bytes") { slot = 3 }
            else if key.equals("cancelled_write_bytes") { slot = 4 }
            else { return }
            var rest = line.suffix(after: colon).tokenIterator()
            guard let token = rest.next(), let value = token.unsigned else {
                throw line.malformed(field: key.text, "no unsigned decimal after \":\"")
            }
            switch slot {
            case 0: values.0 = value
            case 1: values.1 = value
            case 2: values.2 = value
            case 3: values.3 = value
            default: values.4 = value
            }
        }
        guard let rchar = values.0 else { throw text.malformed(line: lastLine, field: "rchar", "missing from the file") }
        guard let wchar = values.1 else { throw text.malformed(line: lastLine, field: "wchar", "missing from the file") }
        guard let read = values.2 else { throw text.malformed(line: lastLine, field: "read_bytes", "missing from the file") }
        guard let write = values.3 else { throw text.malformed(line: lastLine, field: "write_bytes", "missing from the file") }
        self.init(readCharacters: rchar, writtenCharacters: wchar, readBytes: read, writeBytes: write,
                  cancelledWriteBytes: values.4 ?? 0)
    }
}
