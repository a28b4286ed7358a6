import SwiftProtobuf

/// Decodes a Prometheus remote write 1.0 request (https://prometheus.io/docs/specs/prw/remote_write_spec/):
/// headers `Content-Encoding: snappy`, `Content-Type: application/x-protobuf`,
/// `X-Prometheus-Remote-Write-Version: 0.1.0`; the body a snappy *block* holding a protobuf
/// `prometheus.WriteRequest` (`Proto/remote_write.proto`).
///
/// Version 2.0 (`Content-Type: application/x-protobuf;proto=io.prometheus.write.v2.Request`)
/// is refused with 415, which the 2.0 specification tells a sender to take as "fall back to 1.0".
package enum RemoteWriteDecoder {
    /// The version header a 1.0 sender sends.
    package static let version = "0.1.0"

    /// Checks the three headers the specification names (case-insensitive names; absent
    /// `Content-Type` and version headers are tolerated, as older senders omitted them).
    /// - Throws: `RemoteWriteError.header` naming the header, what was expected and found.
    package static func checkHeaders(contentEncoding: String?, contentType: String?, version: String?) throws(RemoteWriteError) {
        guard let encoding = contentEncoding?.trimmingSpaces.lowercased(), encoding == "snappy" else {
            throw .header(name: "Content-Encoding", expected: "snappy", found: contentEncoding.map { "\"\($0)\"" } ?? "none")
        }
        if let contentType {
            let parts = contentType.split(separator: ";").map { String($0).trimmingSpaces.lowercased() }
            let proto = parts.dropFirst().first { $0.hasPrefix("proto=") }.map { String($0.dropFirst(6)) }
            guard parts.first == "application/x-protobuf", proto == nil || proto == "prometheus.writerequest" else {
                throw .header(name: "Content-Type", expected: "application/x-protobuf (remote write 1.0; 2.0 is not read here)",
                              found: "\"\(contentType)\"")
            }
        }
        if let version, !version.trimmingSpaces.hasPrefix("0.1.") {
            throw .header(name: "X-Prometheus-Remote-Write-Version", expected: "0.1.x (remote write 1.0)", found: "\"\(version)\"")
        }
    }

    /// Decompresses and decodes a body.
    /// - Parameter maxUncompressedBytes: the largest decompressed body accepted.
    /// - Throws: `RemoteWriteError` (.snappy, .tooLarge, .protobuf).
    package static func decode(body: [UInt8], maxUncompressedBytes: Int) throws(RemoteWriteError) -> Prometheus_WriteRequest {
        let bytes = try SnappyBlock.decompress(body, maxBytes: maxUncompressedBytes)
        do {
            return try Prometheus_WriteRequest(serializedBytes: bytes)
        } catch {
            throw .protobuf("\(error)")
        }
    }

    /// The body a sender would post for `request` (tests, benchmark).
    package static func encode(_ request: Prometheus_WriteRequest) throws -> [UInt8] {
        SnappyBlock.compress(try request.serializedBytes())
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return String(s)
    }
}
