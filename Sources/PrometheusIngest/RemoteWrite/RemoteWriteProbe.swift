/// What `POST /api/v1/write` runs on a body before the store — decode, then plan and commit
/// twice (the second plan sees the first's state, as a retried or next request does) — as
/// one public call, so that the fuzz targets (Fuzz/, a separate package that sees only
/// public API) reach the decoder and the assembler without making their types public.
public enum RemoteWriteProbe {
    /// A mapping made from `toml`, for `run`.
    public struct Mapping: Sendable {
        let mapping: PrometheusMapping

        /// - Throws: the mapping's error (`file: key: expected …`).
        public init(toml: String) throws {
            mapping = try PrometheusMapping(toml: toml, source: "probe")
        }
    }

    /// Runs `body` (a snappy block, or the protobuf bytes themselves when `compressFirst`; a
    /// 2.0 `io.prometheus.write.v2.Request` when `version2`) through decoding and two plans; returns the rows the first plan would store.
    /// - Throws: what the route would answer with a 4xx (`RemoteWriteError`).
    @discardableResult
    public static func run(_ body: [UInt8], compressFirst: Bool, version2: Bool = false, mapping: Mapping, nowSeconds: Int64) throws -> Int {
        let request = try RemoteWriteDecoder.decode(body: compressFirst ? try SnappyBlock.compress(body) : body, maxUncompressedBytes: 1 << 20,
                                                    version: version2 ? .v2 : .v1)
        var assembler = SeriesAssembler(mapping: mapping.mapping)
        let plan = try assembler.plan(request.timeseries, nowSeconds: nowSeconds)
        assembler.commit(plan)
        _ = try assembler.plan(request.timeseries, nowSeconds: nowSeconds)
        return plan.rows.count
    }
}
