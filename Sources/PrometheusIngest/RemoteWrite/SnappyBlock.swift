import CSnappy

/// Snappy's block format (not the framed/stream format), as Prometheus remote write 1.0
/// compresses its bodies, through Debian's libsnappy (`snappy-c.h`).
///
/// The uncompressed length is read from the block's varint header *before* any memory is
/// allocated and refused above `maxBytes`, so a 30-byte body claiming 4 GiB costs nothing.
package enum SnappyBlock {
    /// Decompresses one snappy block.
    /// - Parameter maxBytes: the largest uncompressed size accepted (a decompression bomb
    ///   is refused, not allocated).
    /// - Throws: `RemoteWriteError.snappy` when the block is malformed, or
    ///   `.tooLarge` when it would exceed `maxBytes`.
    package static func decompress(_ compressed: [UInt8], maxBytes: Int) throws(RemoteWriteError) -> [UInt8] {
        var length = 0
        let status = compressed.withUnsafeBufferPointer { input in
            input.withMemoryRebound(to: CChar.self) { snappy_uncompressed_length($0.baseAddress, $0.count, &length) }
        }
        guard status == SNAPPY_OK else {
            throw .snappy("the body is not a snappy block (its length header is unreadable); expected Content-Encoding: snappy, block format")
        }
        guard length <= maxBytes else { throw .tooLarge(uncompressedBytes: length, limit: maxBytes) }
        guard length > 0 else { return [] }
        var output = [UInt8](repeating: 0, count: length)
        var written = length
        let result = compressed.withUnsafeBufferPointer { input in
            input.withMemoryRebound(to: CChar.self) { source in
                output.withUnsafeMutableBufferPointer { target in
                    target.withMemoryRebound(to: CChar.self) { snappy_uncompress(source.baseAddress, source.count, $0.baseAddress, &written) }
                }
            }
        }
        guard result == SNAPPY_OK, written == length else {
            throw .snappy("the snappy block is corrupt (its data does not decompress to the \(length) bytes its header announces)")
        }
        return output
    }

    /// Compresses `bytes` into one snappy block (what a remote-write sender does; used by the
    /// tests, the benchmark and the fuzz probe, which hands it arbitrary bytes).
    /// - Throws: `RemoteWriteError.snappy` when libsnappy refuses (it does only when the
    ///   output buffer is too small, and the buffer is sized by `snappy_max_compressed_length`;
    ///   still a typed error, since the probe's input reaches it).
    package static func compress(_ bytes: [UInt8]) throws(RemoteWriteError) -> [UInt8] {
        var capacity = snappy_max_compressed_length(bytes.count)
        var output = [UInt8](repeating: 0, count: max(capacity, 1))
        let status = bytes.withUnsafeBufferPointer { input in
            input.withMemoryRebound(to: CChar.self) { source in
                output.withUnsafeMutableBufferPointer { target in
                    target.withMemoryRebound(to: CChar.self) { snappy_compress(source.baseAddress, source.count, $0.baseAddress, &capacity) }
                }
            }
        }
        guard status == SNAPPY_OK else {
            throw .snappy("libsnappy could not compress \(bytes.count) bytes into \(output.count) (status \(status.rawValue))")
        }
        output.removeSubrange(capacity...)
        return output
    }
}
