import PostgresNIO

/// One column of a row-major matrix (or a whole contiguous array) bound as a
/// one-dimensional PostgreSQL array parameter, written straight from the source in the
/// binary array format: no per-column copy and no per-element generic encoding (binding
/// `[Double]` through PostgresNIO's generic `Array` encoding was most of an import's
/// client time). The bulk writes `unnest` these.
///
/// Binary array format: dimensions (1, or 0 when empty), has-NULLs flag (0: NaN stands
/// for NULL and the SQL turns it into one), element type OID, then per dimension its
/// length and lower bound (1), then each element as a 4-byte length and its bytes.
struct Float8Column: PostgresNonThrowingEncodable {
    let storage: [Double]
    let offset: Int
    let stride: Int
    let count: Int

    /// Elements `offset`, `offset + stride`, … (`count` of them) of `storage`; the caller
    /// keeps them in bounds.
    init(_ storage: [Double], offset: Int = 0, stride: Int = 1, count: Int? = nil) {
        self.storage = storage
        self.offset = offset
        self.stride = stride
        self.count = count ?? storage.count
    }

    static var psqlType: PostgresDataType { .float8Array }
    static var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        writeArrayHeader(into: &buffer, element: .float8, count: count)
        storage.withUnsafeBufferPointer { values in
            writeElements(into: &buffer, count: count) { values[offset + $0 * stride].bitPattern }
        }
    }
}

/// `Float8Column` for `int8[]` from a contiguous `[Int64]`.
struct Int8Column: PostgresNonThrowingEncodable {
    let storage: [Int64]

    init(_ storage: [Int64]) { self.storage = storage }

    static var psqlType: PostgresDataType { .int8Array }
    static var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        writeArrayHeader(into: &buffer, element: .int8, count: storage.count)
        storage.withUnsafeBufferPointer { values in
            writeElements(into: &buffer, count: values.count) { UInt64(bitPattern: values[$0]) }
        }
    }
}

private func writeArrayHeader(into buffer: inout ByteBuffer, element: PostgresDataType, count: Int) {
    buffer.writeInteger(Int32(count == 0 ? 0 : 1))
    buffer.writeInteger(Int32(0))
    buffer.writeInteger(element.rawValue)
    guard count > 0 else { return }
    buffer.writeInteger(Int32(count))
    buffer.writeInteger(Int32(1))
}

/// `count` 8-byte elements, each a 4-byte length (8) and its big-endian bits from
/// `element(i)`, stored in one pass over the buffer's memory (element by element through
/// `ByteBuffer.writeInteger` costs several generic calls each in a debug build).
@inline(__always)
private func writeElements(into buffer: inout ByteBuffer, count: Int, _ element: (Int) -> UInt64) {
    guard count > 0 else { return }
    buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count * 12) { raw in
        for i in 0..<count {
            raw.storeBytes(of: UInt32(8).bigEndian, toByteOffset: i * 12, as: UInt32.self)
            raw.storeBytes(of: element(i).bigEndian, toByteOffset: i * 12 + 4, as: UInt64.self)
        }
        return count * 12
    }
}

/// Reads a one-dimensional `float8[]` or `int8[]` result column in the binary array format
/// straight into `Double`s or `Int64`s (the sample reads' `array_agg` columns), validating
/// the header and every element's length; the inverse of the columns above.
enum PostgresArrayReader {
    /// The array in `cell` (element type `element`), each element passed to `store` with
    /// its index; returns the element count, or nil for SQL NULL.
    /// - Throws: `StoreError.invalidArgument` naming the column when the bytes are not such an array.
    static func read(_ cell: PostgresCell, element: PostgresDataType, _ store: (Int, UInt64) -> Void) throws -> Int? {
        guard var bytes = cell.bytes else { return nil }
        func malformed(_ why: String) -> StoreError {
            .invalidArgument("column \(cell.columnName) is not a one-dimensional \(element) array: \(why)")
        }
        guard cell.format == .binary else { throw malformed("it arrived in text format") }
        guard let dimensions = bytes.readInteger(as: Int32.self), let flags = bytes.readInteger(as: Int32.self),
              let type = bytes.readInteger(as: UInt32.self) else { throw malformed("truncated header") }
        guard dimensions == 0 || dimensions == 1 else { throw malformed("\(dimensions) dimensions") }
        guard type == element.rawValue else { throw malformed("element type \(type)") }
        guard flags == 0 || flags == 1 else { throw malformed("flags \(flags)") }
        if dimensions == 0 { return 0 }
        guard let length = bytes.readInteger(as: Int32.self), bytes.readInteger(as: Int32.self) != nil, length >= 0 else {
            throw malformed("truncated dimension")
        }
        let count = Int(length)
        guard bytes.readableBytes == count * 12 else { throw malformed("\(bytes.readableBytes) bytes for \(count) elements (a NULL element?)") }
        try bytes.withUnsafeReadableBytes { raw in
            for i in 0..<count {
                guard UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: i * 12, as: UInt32.self)) == 8 else {
                    throw malformed("element \(i) is not 8 bytes")
                }
                store(i, UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: i * 12 + 4, as: UInt64.self)))
            }
        }
        return count
    }
}
