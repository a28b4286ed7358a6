/// v2 `io.stat` (Documentation/admin-guide/cgroup-v2.rst, "IO Interface Files"): one line
/// per device, `MAJ:MIN rbytes=… wbytes=… rios=… wios=… dbytes=… dios=…`, keys in any
/// order. Read and written bytes are summed over devices; other keys are ignored.
public struct CgroupV2IOStat: Sendable, Hashable {
    public var readBytes: UInt64
    public var writeBytes: UInt64

    public init(readBytes: UInt64, writeBytes: UInt64) {
        self.readBytes = readBytes
        self.writeBytes = writeBytes
    }

    public init(parsing text: String, file: String = "io.stat") throws(SamplingError) {
        self = try parseText(text, file: file) { (t) throws(SamplingError) in
            var read: UInt64 = 0, write: UInt64 = 0
            try t.forEachLine { (line) throws(SamplingError) in
                let f = line.tokens()
                if f.isEmpty { return }
                guard f[0].range.contains(where: { f[0].bytes[$0] == TextBytes.colon }) else {
                    throw line.malformed(field: "device", "\"\(f[0].text)\" is not MAJ:MIN")
                }
                for token in f.dropFirst() {
                    guard let equals = token.range.first(where: { token.bytes[$0] == UInt8(ascii: "=") }) else {
                        throw line.malformed(field: token.text, "expected key=value")
                    }
                    let key = Token(bytes: token.bytes, range: token.range.lowerBound..<equals)
                    let isRead = key.equals("rbytes")
                    guard isRead || key.equals("wbytes") else { continue }
                    guard let value = Token.parseUnsigned(token.bytes, (equals + 1)..<token.range.upperBound) else {
                        throw line.malformed(field: "\(f[0].text) \(key.text)", "\"\(token.text)\" has no unsigned value")
                    }
                    if isRead { read &+= value } else { write &+= value }
                }
            }
            return CgroupV2IOStat(readBytes: read, writeBytes: write)
        }
    }
}
