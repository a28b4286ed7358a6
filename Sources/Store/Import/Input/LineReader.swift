import Foundation
import Crypto

/// Splits a `ByteSource` into lines (LF or CRLF; a last line without LF counts) and
/// hashes every byte it reads with SHA-256, so an importer learns the content digest of
/// the file it has just parsed without a second pass.
///
/// A returned line is valid until the next call (it points into the reader's buffer).
final class LineReader {
    private let source: ByteSource
    private var buffer: UnsafeMutableRawBufferPointer
    private var start = 0      // first unread byte
    private var end = 0        // one past the last valid byte
    private var atEnd = false
    private var hasher = SHA256()
    private(set) var bytesRead = 0
    /// 1-based number of the line most recently returned.
    private(set) var lineNumber = 0

    /// - Parameter capacity: buffer size in bytes (1 MiB); a line longer than that grows it.
    init(source: ByteSource, capacity: Int = 1 << 20) {
        self.source = source
        buffer = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// The next line without its terminator, or nil at the end of input.
    func nextLine() throws -> UnsafeBufferPointer<UInt8>? {
        while true {
            if start < end, let base = buffer.baseAddress {
                let from = base + start
                if let newline = memchr(from, 0x0A, end - start) {
                    let length = newline - from
                    start += length + 1
                    return line(from, length)
                }
            }
            if atEnd {
                guard start < end, let base = buffer.baseAddress else { return nil }
                let length = end - start
                start = end
                return line(base + start - length, length)
            }
            try refill()
        }
    }

    /// Hex SHA-256 of every byte read so far (call after the last line).
    func finalizeDigest() throws -> String {
        // Drain anything unread so the digest covers the whole input.
        while !atEnd { start = end; try refill() }
        return hasher.finalize().map { byte in
            let hex = Array("0123456789abcdef".utf8)
            return String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
        }.joined()
    }

    private func line(_ from: UnsafeMutableRawPointer, _ length: Int) -> UnsafeBufferPointer<UInt8> {
        lineNumber += 1
        var n = length
        let bytes = from.assumingMemoryBound(to: UInt8.self)
        if n > 0, bytes[n - 1] == 0x0D { n -= 1 }
        // A UTF-8 byte-order mark before the first line is not part of its first field
        // (an Alibaba file starting with one made a workload "\u{FEFF}m_1"); the digest
        // still covers it.
        if lineNumber == 1, n >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            return UnsafeBufferPointer(start: bytes + 3, count: n - 3)
        }
        return UnsafeBufferPointer(start: bytes, count: n)
    }

    private func refill() throws {
        // Move the partial line to the front; grow when it fills the buffer.
        let pending = end - start
        if start > 0, pending > 0, let base = buffer.baseAddress {
            base.copyMemory(from: base + start, byteCount: pending)
        }
        start = 0
        end = pending
        if end == buffer.count {
            let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
            bigger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: end)
            buffer.deallocate()
            buffer = bigger
        }
        let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end...]))
        if n == 0 { atEnd = true; return }
        hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[end..<(end + n)]))
        bytesRead += n
        end += n
    }
}
