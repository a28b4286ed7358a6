import Crypto
import Foundation

/// The safetensors file format (huggingface/safetensors), bytes in, bytes out:
///
/// ```
/// [8 bytes: little-endian UInt64 N][N bytes: JSON header, space-padded to a multiple of 8][tensor data]
/// header = {"__metadata__": {string: string}, "<name>": {"dtype": "F64", "shape": [..], "data_offsets": [begin, end]}, …}
/// ```
///
/// Offsets are relative to the start of the data section; tensors are laid out in name
/// order, contiguous. Headroom adds `__metadata__["sha256"]`: the hex SHA-256 of the whole
/// data section, checked on decode, so a corrupt or truncated file is refused.
public enum Safetensors {
    /// Metadata key of the data checksum.
    public static let checksumKey = "sha256"
    /// Largest header accepted (100 MB, as the reference implementation).
    static let maximumHeaderBytes = 100_000_000

    /// Encodes `bundle`; `metadata["sha256"]` is computed and overwritten.
    public static func encode(_ bundle: TensorBundle) -> [UInt8] {
        var data: [UInt8] = []
        var header: [String: Any] = [:]
        for name in bundle.tensors.keys.sorted() {
            let tensor = bundle.tensors[name]!
            let begin = data.count
            data += tensor.bytes
            header[name] = ["dtype": tensor.dtype.rawValue, "shape": tensor.shape, "data_offsets": [begin, data.count]] as [String: Any]
        }
        var metadata = bundle.metadata
        metadata[checksumKey] = hexDigest(data)
        header["__metadata__"] = metadata
        var json = try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var out: [UInt8] = []
        out.reserveCapacity(8 + json.count + data.count)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out += $0 }
        out += json
        out += data
        return out
    }

    /// Decodes and verifies a file's bytes.
    /// - Throws: `SafetensorsError` naming what is wrong (truncated, bad header, checksum).
    public static func decode(_ bytes: [UInt8]) throws(SafetensorsError) -> TensorBundle {
        guard bytes.count >= 8 else { throw .truncated("file is \(bytes.count) bytes, shorter than the 8-byte header length") }
        let headerLength = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(maximumHeaderBytes), 8 + Int(headerLength) <= bytes.count else {
            throw .truncated("header length \(headerLength) exceeds the file (\(bytes.count) bytes)")
        }
        let headerEnd = 8 + Int(headerLength)
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes[8..<headerEnd])),
              let header = object as? [String: Any] else { throw .badHeader("the header is not a JSON object") }
        let data = bytes[headerEnd...]
        var bundle = TensorBundle()
        if let metadata = header["__metadata__"] {
            guard let strings = metadata as? [String: String] else { throw .badHeader("__metadata__ must map strings to strings") }
            bundle.metadata = strings
        }
        if let expected = bundle.metadata[checksumKey] {
            let actual = hexDigest(Array(data))
            guard actual == expected else { throw .checksumMismatch(expected: expected, actual: actual) }
        }
        for (name, value) in header where name != "__metadata__" {
            guard let info = value as? [String: Any], let dtypeName = info["dtype"] as? String,
                  let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int], offsets.count == 2 else {
                throw .badHeader("tensor \"\(name)\" lacks dtype, shape or data_offsets")
            }
            guard let dtype = TensorBundle.DType(rawValue: dtypeName) else {
                throw .badHeader("tensor \"\(name)\" has dtype \(dtypeName); Headroom reads F32, F64, I64")
            }
            let begin = offsets[0], end = offsets[1]
            // The element count in checked arithmetic: a header shape such as
            // [4294967296, 4294967296] overflows Int, which would trap.
            var byteCount: Int? = dtype.byteCount
            for dimension in shape {
                guard let count = byteCount, dimension >= 0 else { byteCount = nil; break }
                let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
                byteCount = overflow ? nil : product
            }
            guard begin >= 0, begin <= end, end <= data.count, let byteCount, end - begin == byteCount else {
                throw .badHeader("tensor \"\(name)\" offsets [\(begin), \(end)] do not fit its shape \(shape) or the file")
            }
            bundle.set(name, TensorBundle.Tensor(dtype: dtype, shape: shape,
                                                 bytes: Array(data[(data.startIndex + begin)..<(data.startIndex + end)])))
        }
        return bundle
    }

    /// Hex SHA-256 of `bytes`.
    public static func hexDigest(_ bytes: some Collection<UInt8>) -> String {
        let digest = SHA256.hash(data: Array(bytes))
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in digest { out.append(hex[Int(byte >> 4)]); out.append(hex[Int(byte & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Why a model file was refused.
public enum SafetensorsError: Error, Equatable, CustomStringConvertible {
    case truncated(String)
    case badHeader(String)
    case checksumMismatch(expected: String, actual: String)

    public var description: String {
        switch self {
        case .truncated(let why): "truncated model file: \(why)"
        case .badHeader(let why): "malformed model file header: \(why)"
        case .checksumMismatch(let expected, let actual):
            "model file checksum mismatch (metadata says \(expected.prefix(12))…, data hashes to \(actual.prefix(12))…): the file is corrupt"
        }
    }
}
