/// Streams the regular-file members of a POSIX/ustar/GNU tar archive from a `ByteSource`
/// without extracting it. Directories, links and pax/GNU metadata records are skipped
/// (long names from GNU `L` and pax `path` records are honoured).
///
/// Layout (POSIX.1-1988 ustar): 512-byte header blocks — name at 0 (100 bytes), size at
/// 124 (12 octal digits), type flag at 156, prefix at 345 (155 bytes) — each member's data
/// padded to a multiple of 512; the archive ends with two zero blocks.
final class TarReader {
    let path: String
    private let source: ByteSource
    private var pendingLongName: String?
    /// Bytes of the current member not yet consumed by its `TarMemberSource`, plus padding.
    private var remainingInMember: Int = 0
    private var paddingAfterMember: Int = 0

    init(path: String, source: ByteSource) {
        self.path = path
        self.source = source
    }

    /// The next regular file's name and a source over its bytes, or nil at the end.
    /// The previous member's unread bytes are skipped.
    func nextMember() throws -> (name: String, size: Int, source: ByteSource)? {
        try skip(remainingInMember + paddingAfterMember)
        remainingInMember = 0
        paddingAfterMember = 0
        var header = [UInt8](repeating: 0, count: 512)
        while true {
            guard try readFully(&header) else { return nil }
            if header.allSatisfy({ $0 == 0 }) { return nil }
            try verifyChecksum(header)
            let size = try octal(header, 124, 12)
            let type = header[156]
            var name = string(header, 0, 100)
            if header[257..<262].elementsEqual(Array("ustar".utf8)) {
                let prefix = string(header, 345, 155)
                if !prefix.isEmpty { name = prefix + "/" + name }
            }
            if let long = pendingLongName { name = long; pendingLongName = nil }
            let padding = (512 - size % 512) % 512
            switch type {
            case UInt8(ascii: "0"), 0, UInt8(ascii: "7"):
                remainingInMember = size
                paddingAfterMember = padding
                return (name, size, TarMemberSource(reader: self))
            case UInt8(ascii: "L"), UInt8(ascii: "x"):
                // A long name or pax record of more than 1 MiB is not a name: refused
                // before allocating it.
                guard size <= 1 << 20 else {
                    throw InputError.corruptArchive(path: path, reason: "metadata record of \(size) bytes (at most 1 MiB)")
                }
                var data = [UInt8](repeating: 0, count: size)
                guard try readFully(&data) else { throw InputError.corruptArchive(path: path, reason: "truncated metadata record") }
                try skip(padding)
                if type == UInt8(ascii: "L") {
                    pendingLongName = String(decoding: data.prefix { $0 != 0 }, as: UTF8.self)
                } else if let value = Self.paxPath(data) {
                    pendingLongName = value
                }
            default:
                try skip(size + padding)
            }
        }
    }

    fileprivate func readMember(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard remainingInMember > 0 else { return 0 }
        let want = min(buffer.count, remainingInMember)
        let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]))
        guard n > 0 else { throw InputError.corruptArchive(path: path, reason: "member data truncated") }
        remainingInMember -= n
        return n
    }

    private func readFully(_ bytes: inout [UInt8]) throws -> Bool {
        var filled = 0
        while filled < bytes.count {
            let n = try bytes.withUnsafeMutableBytes { raw in
                try source.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[filled...]))
            }
            if n == 0 {
                if filled == 0 { return false }
                throw InputError.corruptArchive(path: path, reason: "archive truncated inside a block")
            }
            filled += n
        }
        return true
    }

    private func skip(_ count: Int) throws {
        var left = count
        var scratch = [UInt8](repeating: 0, count: min(max(count, 1), 1 << 16))
        while left > 0 {
            let n = try scratch.withUnsafeMutableBytes { raw in
                try source.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<min(left, raw.count)]))
            }
            guard n > 0 else { throw InputError.corruptArchive(path: path, reason: "archive truncated") }
            left -= n
        }
    }

    private func string(_ h: [UInt8], _ offset: Int, _ length: Int) -> String {
        String(decoding: h[offset..<(offset + length)].prefix { $0 != 0 }, as: UTF8.self)
    }

    private func octal(_ h: [UInt8], _ offset: Int, _ length: Int) throws -> Int {
        if h[offset] & 0x80 != 0 {   // GNU base-256 for sizes ≥ 8 GiB
            var value = 0
            // 2⁵⁵ bytes is more than any disk holds; the check keeps the shifts from
            // overflowing into a negative size.
            for k in (offset + 1)..<(offset + length) {
                guard value < 1 << 47 else { throw InputError.corruptArchive(path: path, reason: "member size beyond 2^55 bytes in header") }
                value = value << 8 | Int(h[k])
            }
            return value
        }
        var value = 0
        for k in offset..<(offset + length) {
            let c = h[k]
            if c == 0 || c == UInt8(ascii: " ") { if value > 0 { break } else { continue } }
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "7") else {
                throw InputError.corruptArchive(path: path, reason: "bad octal field in header")
            }
            value = value * 8 + Int(c - UInt8(ascii: "0"))
        }
        return value
    }

    private func verifyChecksum(_ h: [UInt8]) throws {
        let stored = try octal(h, 148, 8)
        var sum = 0
        for (k, byte) in h.enumerated() { sum += (148..<156).contains(k) ? 32 : Int(byte) }
        guard sum == stored else { throw InputError.corruptArchive(path: path, reason: "header checksum mismatch") }
    }

    /// The `path=` value of a pax extended header ("LEN path=VALUE\n" records).
    private static func paxPath(_ data: [UInt8]) -> String? {
        let text = String(decoding: data, as: UTF8.self)
        for record in text.split(separator: "\n") {
            guard let space = record.firstIndex(of: " ") else { continue }
            let keyValue = record[record.index(after: space)...]
            if keyValue.hasPrefix("path=") { return String(keyValue.dropFirst(5)) }
        }
        return nil
    }
}

/// The bytes of the tar member most recently returned by `TarReader.nextMember()`.
final class TarMemberSource: ByteSource {
    private let reader: TarReader
    init(reader: TarReader) { self.reader = reader }
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int { try reader.readMember(into: buffer) }
}
