import SwiftProtobuf

/// Decodes a Prometheus remote write request: 1.0 (https://prometheus.io/docs/specs/prw/remote_write_spec/)
/// — headers `Content-Encoding: snappy`, `Content-Type: application/x-protobuf`,
/// `X-Prometheus-Remote-Write-Version: 0.1.0`, the body a snappy *block* holding a protobuf
/// `prometheus.WriteRequest` (`Proto/remote_write.proto`) — and 2.0
/// (https://prometheus.io/docs/specs/prw/remote_write_spec_2_0/): `Content-Type:
/// application/x-protobuf;proto=io.prometheus.write.v2.Request`, version `2.0.0`, an
/// `io.prometheus.write.v2.Request` whose labels are references into a symbol table
/// (`Proto/remote_write_v2.proto`), turned here into the 1.0 messages so that one assembler
/// reads both. 2.0's native histograms and exemplars are not read.
package enum RemoteWriteDecoder {
    /// The version header a 1.0 sender sends.
    package static let version = "0.1.0"

    /// The message a request carries.
    package enum Version: Sendable, Equatable {
        /// `prometheus.WriteRequest`.
        case v1
        /// `io.prometheus.write.v2.Request`.
        case v2
    }

    /// Checks the headers the specifications name (case-insensitive names; absent
    /// `Content-Type` and version headers are read as 1.0, as older senders omitted them).
    /// - Returns: which message the body holds.
    /// - Throws: `RemoteWriteError.header` naming the header, what was expected and found
    ///   (415 for a content type or encoding not read here: a 2.0 sender then falls back).
    @discardableResult
    package static func checkHeaders(contentEncoding: String?, contentType: String?, version: String?) throws(RemoteWriteError) -> Version {
        guard let encoding = contentEncoding?.trimmingSpaces.lowercased(), encoding == "snappy" else {
            throw .header(name: "Content-Encoding", expected: "snappy", found: contentEncoding.map { "\"\($0)\"" } ?? "none")
        }
        var message = Version.v1
        if let contentType {
            let parts = contentType.split(separator: ";").map { String($0).trimmingSpaces.lowercased() }
            let proto = parts.dropFirst().first { $0.hasPrefix("proto=") }.map { String($0.dropFirst(6)) }
            switch (parts.first, proto) {
            case ("application/x-protobuf", nil), ("application/x-protobuf", "prometheus.writerequest"): message = .v1
            case ("application/x-protobuf", "io.prometheus.write.v2.request"): message = .v2
            default:
                throw .header(name: "Content-Type",
                              expected: "application/x-protobuf (remote write 1.0) or application/x-protobuf;proto=io.prometheus.write.v2.Request (2.0)",
                              found: "\"\(contentType)\"")
            }
        }
        if let version, !version.trimmingSpaces.hasPrefix(message == .v1 ? "0.1." : "2.0.") {
            throw .header(name: "X-Prometheus-Remote-Write-Version", expected: message == .v1 ? "0.1.x (remote write 1.0)" : "2.0.x (remote write 2.0)",
                          found: "\"\(version)\"")
        }
        return message
    }

    /// Decompresses and decodes a body (a 2.0 request turned into 1.0 messages).
    /// - Parameter maxUncompressedBytes: the largest decompressed body accepted.
    /// - Throws: `RemoteWriteError` (.snappy, .tooLarge, .protobuf; .invalidSample for a 2.0
    ///   label reference outside the symbol table).
    package static func decode(body: [UInt8], maxUncompressedBytes: Int, version: Version = .v1) throws(RemoteWriteError) -> Prometheus_WriteRequest {
        let bytes = try SnappyBlock.decompress(body, maxBytes: maxUncompressedBytes)
        switch version {
        case .v1:
            do { return try Prometheus_WriteRequest(serializedBytes: bytes) } catch { throw .protobuf("\(error)") }
        case .v2:
            let request: Io_Prometheus_Write_V2_Request
            do { request = try Io_Prometheus_Write_V2_Request(serializedBytes: bytes) } catch {
                throw .protobuf("not an io.prometheus.write.v2.Request: \(error)")
            }
            return try v1(request)
        }
    }

    /// A 2.0 request as 1.0 messages: each series' label references resolved in the symbol
    /// table; samples as they are.
    /// - Throws: `RemoteWriteError.invalidSample` for an odd number of references or one
    ///   outside the table (naming `timeseries[i].labels_refs[k]`).
    static func v1(_ request: Io_Prometheus_Write_V2_Request) throws(RemoteWriteError) -> Prometheus_WriteRequest {
        var out = Prometheus_WriteRequest()
        out.timeseries.reserveCapacity(request.timeseries.count)
        let symbols = request.symbols
        for (i, series) in request.timeseries.enumerated() {
            let refs = series.labelsRefs
            guard refs.count % 2 == 0 else {
                throw .invalidSample(field: "timeseries[\(i)].labels_refs", expected: "pairs of symbol indices (an even count)", found: "\(refs.count)")
            }
            var converted = Prometheus_TimeSeries()
            converted.labels.reserveCapacity(refs.count / 2)
            for k in stride(from: 0, to: refs.count, by: 2) {
                for j in [k, k + 1] where Int(refs[j]) >= symbols.count {
                    throw .invalidSample(field: "timeseries[\(i)].labels_refs[\(j)]", expected: "an index below the \(symbols.count) symbols",
                                         found: "\(refs[j])")
                }
                var label = Prometheus_Label()
                label.name = symbols[Int(refs[k])]
                label.value = symbols[Int(refs[k + 1])]
                converted.labels.append(label)
            }
            converted.samples = series.samples.map { sample in
                var s = Prometheus_Sample()
                s.timestamp = sample.timestamp
                s.value = sample.value
                return s
            }
            out.timeseries.append(converted)
        }
        return out
    }

    /// The body a 1.0 sender would post for `request` (tests, benchmark).
    package static func encode(_ request: Prometheus_WriteRequest) throws -> [UInt8] {
        try SnappyBlock.compress(try request.serializedBytes())
    }

    /// The body a 2.0 sender would post for `request` (tests).
    package static func encode(_ request: Io_Prometheus_Write_V2_Request) throws -> [UInt8] {
        try SnappyBlock.compress(try request.serializedBytes())
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
