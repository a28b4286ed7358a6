/// Why a remote-write request was refused; each maps to the HTTP status the remote write
/// 1.0 specification asks for (`httpStatus`): malformed or invalid data is a 4xx, which a
/// sender must not retry, because sending the same bytes again can never succeed.
package enum RemoteWriteError: Error, Equatable, CustomStringConvertible {
    /// A header says the body is something this receiver does not read.
    case header(name: String, expected: String, found: String)
    /// The body is not a snappy block.
    case snappy(String)
    /// The uncompressed body is over the limit.
    case tooLarge(uncompressedBytes: Int, limit: Int)
    /// The uncompressed body is not a protobuf `prometheus.WriteRequest`.
    case protobuf(String)
    /// A series or sample that can never be stored: `field` names it (`timeseries[3].samples[0].timestamp`).
    case invalidSample(field: String, expected: String, found: String)

    /// 415 for a content type or encoding not read here (a 2.0 sender falls back to 1.0 on
    /// it), 413 for a body over the limit, 400 otherwise.
    package var httpStatus: Int {
        switch self {
        case .header(let name, _, _): name.lowercased() == "x-prometheus-remote-write-version" ? 400 : 415
        case .tooLarge: 413
        default: 400
        }
    }

    package var description: String {
        switch self {
        case .header(let name, let expected, let found): "header \(name): expected \(expected), found \(found)"
        case .snappy(let message): message
        case .tooLarge(let size, let limit):
            "the body decompresses to \(size) bytes, over the limit of \(limit); lower the sender's max_samples_per_send"
        case .protobuf(let message): "the body is not the remote-write message its Content-Type names: \(message)"
        case .invalidSample(let field, let expected, let found): "\(field): expected \(expected), found \(found)"
        }
    }
}
