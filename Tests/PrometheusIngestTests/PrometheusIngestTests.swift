import Foundation
@testable import PrometheusIngest
import Resources
import Testing

/// A series as a sender builds it: labels sorted by name, samples (milliseconds, value).
func series(_ name: String, _ labels: [String: String] = [:], _ samples: [(Int64, Double)]) -> Prometheus_TimeSeries {
    var ts = Prometheus_TimeSeries()
    var all = labels
    all["__name__"] = name
    ts.labels = all.sorted { $0.key < $1.key }.map { var l = Prometheus_Label(); l.name = $0.key; l.value = $0.value; return l }
    ts.samples = samples.map { var s = Prometheus_Sample(); s.timestamp = $0.0; s.value = $0.1; return s }
    return ts
}

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

@Suite struct SnappyAndProtobufTests {
    @Test func roundTripThroughLibsnappyAndSwiftProtobuf() throws {
        var request = Prometheus_WriteRequest()
        request.timeseries = [series("namedprocess_namegroup_memory_bytes", ["groupname": "db", "memtype": "resident"], [(1_700_000_000_000, 1e9)])]
        let body = try RemoteWriteDecoder.encode(request)
        let decoded = try RemoteWriteDecoder.decode(body: body, maxUncompressedBytes: 1 << 20)
        #expect(decoded == request)
    }

    @Test func aBodyClaimingMoreThanTheLimitIsRefusedBeforeAllocating() throws {
        let big = try SnappyBlock.compress([UInt8](repeating: 7, count: 1 << 20))
        #expect(throws: RemoteWriteError.tooLarge(uncompressedBytes: 1 << 20, limit: 1000)) {
            try SnappyBlock.decompress(big, maxBytes: 1000)
        }
    }

    @Test func garbageIsA400NotACrash() throws {
        for body: [UInt8] in [[], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff], Array("hello".utf8), [5, 0, 1, 2]] {
            #expect(throws: RemoteWriteError.self) { try RemoteWriteDecoder.decode(body: body, maxUncompressedBytes: 1 << 20) }
        }
        // Valid snappy holding bytes that are not a WriteRequest.
        let notProto = try SnappyBlock.compress([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])
        #expect(throws: RemoteWriteError.self) { try RemoteWriteDecoder.decode(body: notProto, maxUncompressedBytes: 1 << 20) }
    }

    @Test func headersFollowTheSpecification() throws {
        try RemoteWriteDecoder.checkHeaders(contentEncoding: "snappy", contentType: "application/x-protobuf", version: "0.1.0")
        #expect(throws: RemoteWriteError.self) { try RemoteWriteDecoder.checkHeaders(contentEncoding: nil, contentType: "application/x-protobuf", version: "0.1.0") }
        #expect(throws: RemoteWriteError.self) { try RemoteWriteDecoder.checkHeaders(contentEncoding: "gzip", contentType: nil, version: nil) }
        #expect(try RemoteWriteDecoder.checkHeaders(contentEncoding: "snappy", contentType: "application/x-protobuf;proto=io.prometheus.write.v2.Request",
                                                    version: "2.0.0") == .v2)
        do {
            try RemoteWriteDecoder.checkHeaders(contentEncoding: "snappy", contentType: "application/x-protobuf;proto=io.prometheus.write.v3.Request", version: "3.0.0")
            Issue.record("an unknown message was accepted")
        } catch {
            #expect(error.httpStatus == 415, "\(error)")
        }
        #expect(throws: RemoteWriteError.self) {
            try RemoteWriteDecoder.checkHeaders(contentEncoding: "snappy", contentType: "application/x-protobuf", version: "2.0.0")
        }
    }

    @Test func aVersion2RequestResolvesItsSymbolsIntoTheSameSeries() throws {
        var request = Io_Prometheus_Write_V2_Request()
        request.symbols = ["", "__name__", "namedprocess_namegroup_memory_bytes", "groupname", "db", "memtype", "resident"]
        var v2Series = Io_Prometheus_Write_V2_TimeSeries()
        v2Series.labelsRefs = [1, 2, 3, 4, 5, 6]
        var sample = Io_Prometheus_Write_V2_Sample()
        sample.timestamp = 1_700_000_000_000
        sample.value = 1e9
        v2Series.samples = [sample]
        request.timeseries = [v2Series]
        let decoded = try RemoteWriteDecoder.decode(body: try RemoteWriteDecoder.encode(request), maxUncompressedBytes: 1 << 20, version: .v2)
        let expected = series("namedprocess_namegroup_memory_bytes", ["groupname": "db", "memtype": "resident"], [(1_700_000_000_000, 1e9)])
        #expect(decoded.timeseries == [expected])
        request.timeseries[0].labelsRefs = [1, 2, 3, 40]
        do {
            _ = try RemoteWriteDecoder.decode(body: try RemoteWriteDecoder.encode(request), maxUncompressedBytes: 1 << 20, version: .v2)
            Issue.record("a reference past the symbols was accepted")
        } catch {
            #expect("\(error)" == "timeseries[0].labels_refs[3]: expected an index below the 7 symbols, found 40")
        }
        request.timeseries[0].labelsRefs = [1, 2, 3]
        #expect(throws: RemoteWriteError.self) {
            try RemoteWriteDecoder.decode(body: try RemoteWriteDecoder.encode(request), maxUncompressedBytes: 1 << 20, version: .v2)
        }
    }
}

@Suite struct MappingTests {
    @Test func theShippedMappingsRead() throws {
        for file in ["process-exporter", "node-exporter", "cadvisor"] {
            let mapping = try PrometheusMapping.load(path: repositoryRoot.appendingPathComponent("config/prometheus/\(file).toml").path)
            #expect(!mapping.rules.isEmpty)
        }
    }

    @Test func cadvisorNamesPodsAndLeavesThePodLevelCgroupOut() throws {
        let mapping = try PrometheusMapping.load(path: repositoryRoot.appendingPathComponent("config/prometheus/cadvisor.toml").path)
        let container = series("container_cpu_usage_seconds_total", ["namespace": "shop", "pod": "web-1", "container": "nginx"], [])
        guard case .rule(_, let workload, nil) = mapping.match(container.labels) else { Issue.record("not taken"); return }
        #expect(workload == "shop/web-1")
        let podLevel = series("container_cpu_usage_seconds_total", ["namespace": "shop", "pod": "web-1", "container": ""], [])
        #expect(mapping.match(podLevel.labels) == .unmatched(.noRule))
        let noPod = series("container_memory_working_set_bytes", ["namespace": "shop", "container": "x"], [])
        #expect(mapping.match(noPod.labels) == .unmatched(.missingLabel))
        #expect(mapping.match(series("up", [:], []).labels) == .unmatched(.noRule))
    }

    @Test(arguments: [
        ("[[metrics]]\nmetric = \"a\"\nresource = \"cpu\"\nkind = \"gauge\"\nworkload = \"{x}\"", "m.toml: metrics[0].resource: expected one of cpu_cores"),
        ("[[metrics]]\nmetric = \"a\"\nresource = \"cpu_cores\"\nkind = \"rate\"\nworkload = \"{x}\"", "m.toml: metrics[0].kind: expected \"counter\""),
        ("[[metrics]]\nmetric = \"a\"\nresource = \"cpu_cores\"\nkind = \"gauge\"", "m.toml: metrics[0].workload: expected a workload template"),
        ("[[metrics]]\nmetric = \"a\"\nresource = \"cpu_cores\"\nkind = \"gauge\"\nworkload = \"{x\"", "m.toml: metrics[0].workload: expected a label template"),
        ("[[metrics]]\nmetric = \"a\"\nresource = \"cpu_cores\"\nkind = \"gauge\"\nworkload = \"x\"\nscale = -1", "m.toml: metrics[0].scale: expected a finite number > 0"),
        ("[[metrics]]\nmetric = \"a\"\nresource = \"cpu_cores\"\nkind = \"gauge\"\nworkload = \"x\"\ncolour = 1", "m.toml: metrics[0].colour: expected one of the keys"),
        ("[workload]\nname = 3\n[[metrics]]\nmetric = \"a\"\nresource = \"cpu_cores\"\nkind = \"gauge\"", "m.toml: workload.name: expected a label template"),
        ("", "m.toml: metrics: expected at least one [[metrics]] rule"),
        ("[[metrics]]\nmetric = \"a\"\nresource = \"cpu_cores\"\nkind = \"gauge\"\nworkload = \"x\"\nrole = \"limit\"", "m.toml: metrics[0].role: expected \"usage\""),
        ("[[metrics]\n", "m.toml: line 1"),
    ])
    func strictErrorsNameFileKeyAndExpectation(text: String, prefix: String) {
        do {
            _ = try PrometheusMapping(toml: text, source: "m.toml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.hasPrefix(prefix), "\(error)")
        }
    }
}

@Suite struct SeriesAssemblerTests {
    let mapping = try! PrometheusMapping(toml: """
        [workload]
        name = "{groupname}"
        [[metrics]]
        metric = "cpu_seconds_total"
        resource = "cpu_cores"
        kind = "counter"
        [[metrics]]
        metric = "memory_bytes"
        labels = { memtype = "resident" }
        resource = "memory_bytes"
        kind = "gauge"
        [[metrics]]
        metric = "mem_kib"
        resource = "memory_bytes"
        kind = "gauge"
        scale = 1024
        """, source: "test")
    let t0: Int64 = 1_700_000_000_000

    @Test func countersBecomeRatesAndSeriesOfARowAreSummed() throws {
        var assembler = SeriesAssembler(mapping: mapping)
        let plan = try assembler.plan([
            series("cpu_seconds_total", ["groupname": "db", "mode": "user"], [(t0, 10), (t0 + 5000, 12), (t0 + 10000, 13)]),
            series("cpu_seconds_total", ["groupname": "db", "mode": "system"], [(t0, 1), (t0 + 5000, 2), (t0 + 10000, 2.5)]),
            series("memory_bytes", ["groupname": "db", "memtype": "resident"], [(t0 + 5000, 4e9), (t0 + 10000, 5e9)]),
            series("memory_bytes", ["groupname": "db", "memtype": "virtual"], [(t0 + 5000, 9e9)]),
            series("up", ["job": "x"], [(t0, 1)]),
        ], nowSeconds: nil)
        assembler.commit(plan)
        let rows = plan.rows.filter { $0.workload == "db" }
        #expect(rows.map(\.timestamp) == [1_700_000_005, 1_700_000_010])
        #expect(abs(rows[0].values[Resource.cpuCores.rawValue] - (2 + 1) / 5.0) < 1e-12)
        #expect(abs(rows[1].values[Resource.cpuCores.rawValue] - (1 + 0.5) / 5.0) < 1e-12)
        #expect(rows[0].values[Resource.memoryBytes.rawValue] == 4e9)
        #expect(plan.counts.counterBaselines == 2)
        #expect(plan.counts.unmatched[.noRule] == 2)
        // The first row became whole when the second arrived; the second waits for the next scrape.
        #expect(plan.closed.map(\.timestamp) == [1_700_000_005])
    }

    @Test func aShardedAssemblerKeepsItsOwnWorkloadsAndCountsTheOthersByOwner() throws {
        // Of these names, WorkloadShard puts some on each of two shards.
        let names = (0..<8).map { "app\($0)" }
        let mine = names.filter { WorkloadShard.index(of: $0, count: 2) == 1 }
        #expect(!mine.isEmpty && mine.count < names.count)
        var assembler = SeriesAssembler(mapping: mapping, shard: try WorkloadShard(index: 1, count: 2))
        let plan = try assembler.plan(names.map { series("memory_bytes", ["groupname": $0, "memtype": "resident"], [(t0, 1e9), (t0 + 5000, 2e9)]) },
                                      nowSeconds: nil)
        assembler.commit(plan)
        #expect(Set(plan.rows.map(\.workload)) == Set(mine))
        #expect(plan.counts.otherShards == [0: 2 * (names.count - mine.count)])
        #expect(plan.counts.taken == 2 * mine.count)
        #expect(assembler.seriesCount == mine.count, "no state is kept for another shard's series")
    }

    @Test func aScrapeSplitOverTwoRequestsSumsAndARetryCountsNothingTwice() throws {
        var assembler = SeriesAssembler(mapping: mapping)
        let a = series("mem_kib", ["groupname": "w", "id": "1"], [(t0, 100)])
        let b = series("mem_kib", ["groupname": "w", "id": "2"], [(t0, 50)])
        let first = try assembler.plan([a], nowSeconds: nil)
        assembler.commit(first)
        let second = try assembler.plan([b], nowSeconds: nil)
        assembler.commit(second)
        #expect(second.rows.map { $0.values[Resource.memoryBytes.rawValue] } == [150 * 1024])
        let retried = try assembler.plan([b], nowSeconds: nil)
        #expect(retried.rows.isEmpty)
        #expect(retried.counts.duplicates == 1)
    }

    @Test func aPlanNotCommittedLeavesNoTrace() throws {
        var assembler = SeriesAssembler(mapping: mapping)
        let s = series("cpu_seconds_total", ["groupname": "w"], [(t0, 1), (t0 + 1000, 2)])
        _ = try assembler.plan([s], nowSeconds: nil)   // the store failed: not committed
        let again = try assembler.plan([s], nowSeconds: nil)
        #expect(again.rows.map { $0.values[Resource.cpuCores.rawValue] } == [1])
        assembler.commit(again)
        #expect(assembler.seriesCount == 1)
    }

    @Test func labelSetsAreOneSeriesOnlyWhenEveryNameAndValueIsEqual() throws {
        func labels(_ pairs: [(String, String)]) -> [Prometheus_Label] {
            pairs.map { var l = Prometheus_Label(); l.name = $0.0; l.value = $0.1; return l }
        }
        let a = labels([("__name__", "mem_kib"), ("groupname", "w"), ("x", "1")])
        // A decoded request's labels find the packed key the assembler keeps, and agree on the hash.
        let key = SeriesKey(labels: a)
        #expect(key == key.packed && key.packed == key && key.hashValue == key.packed.hashValue)
        #expect(Set([key.packed]).contains(SeriesKey(labels: a)))
        for other in [labels([("__name__", "mem_kib"), ("groupname", "w"), ("x", "2")]),
                      labels([("__name__", "mem_kib"), ("groupname", "w")]),
                      labels([("__name__", "mem_kib"), ("groupname", "w"), ("x", "1"), ("y", "")]),
                      labels([("__name__", "mem_kib"), ("groupnam", "ew"), ("x", "1")])] {
            #expect(SeriesKey(labels: other) != key.packed && key.packed != SeriesKey(labels: other).packed && SeriesKey(labels: other) != key)
        }
        // Label text holding what a separator would be cannot make two label sets one series.
        var assembler = SeriesAssembler(mapping: mapping)
        let plan = try assembler.plan([
            series("mem_kib", ["groupname": "w", "x": "1\u{2}y\u{1}2"], [(t0, 1)]),
            series("mem_kib", ["groupname": "w", "x": "1", "y": "2"], [(t0, 1)]),
        ], nowSeconds: nil)
        assembler.commit(plan)
        #expect(plan.counts.taken == 2 && plan.counts.duplicates == 0)
        #expect(plan.rows.map { $0.values[Resource.memoryBytes.rawValue] } == [2 * 1024])
        #expect(assembler.seriesCount == 2)
    }

    @Test func aPlanCommittedAfterIdleSeriesWereForgottenKeepsEachSeriesOwnState() throws {
        var assembler = SeriesAssembler(mapping: mapping, forgetAfterMilliseconds: 60_000)
        let a = { (t: Int64) in series("mem_kib", ["groupname": "a"], [(t, 1)]) }
        let b = { (t: Int64) in series("mem_kib", ["groupname": "b"], [(t, 2)]) }
        assembler.commit(try assembler.plan([a(t0)], nowSeconds: nil))
        let late = try assembler.plan([a(t0 + 1000)], nowSeconds: nil)   // made before the sweep below
        // Ten minutes later only b reports: a is forgotten and the series are renumbered.
        assembler.commit(try assembler.plan([b(t0 + 600_000)], nowSeconds: nil))
        #expect(assembler.seriesCount == 1)
        assembler.commit(late)
        #expect(assembler.seriesCount == 2)
        // Each series kept its own last sample: a retry of either is a duplicate, a's next sample is not.
        #expect(try assembler.plan([b(t0 + 600_000)], nowSeconds: nil).counts.duplicates == 1)
        #expect(try assembler.plan([a(t0 + 1000)], nowSeconds: nil).counts.duplicates == 1)
        #expect(try assembler.plan([a(t0 + 2000)], nowSeconds: nil).counts.taken == 1)
    }

    @Test func allocationRulesGiveTheAllocationNotASample() throws {
        let mapping = try PrometheusMapping.load(path: repositoryRoot.appendingPathComponent("config/prometheus/cadvisor.toml").path)
        var assembler = SeriesAssembler(mapping: mapping)
        let pod = ["namespace": "shop", "pod": "web-1"]
        func c(_ name: String) -> [String: String] { pod.merging(["container": name]) { a, _ in a } }
        let plan = try assembler.plan([
            series("container_memory_working_set_bytes", c("app"), [(t0, 1e9), (t0 + 1000, 1.1e9)]),
            series("container_spec_memory_limit_bytes", c("app"), [(t0, 2e9), (t0 + 1000, 2e9)]),
            series("container_spec_memory_limit_bytes", c("sidecar"), [(t0, 5e8), (t0 + 1000, 5e8)]),
            series("container_spec_cpu_quota", c("app"), [(t0, 150_000), (t0 + 1000, 150_000)]),
            // Unlimited: cAdvisor's -1 quota and 0 memory limit are "none", not invalid samples.
            series("container_spec_cpu_quota", c("sidecar"), [(t0, -1), (t0 + 1000, -1)]),
            series("container_spec_memory_limit_bytes", c("debug"), [(t0, 0), (t0 + 1000, 0)]),
        ], nowSeconds: nil)
        #expect(plan.counts.noLimit == 4)
        assembler.commit(plan)
        #expect(plan.rows.map { $0.values[Resource.memoryBytes.rawValue] } == [1e9, 1.1e9])
        #expect(plan.closed.count == 1)
        let allocation = try #require(plan.allocations["shop/web-1"])
        #expect(allocation[Resource.memoryBytes.rawValue] == 2.5e9)
        #expect(abs(allocation[Resource.cpuCores.rawValue] - 1.5) < 1e-12)
        #expect(allocation[Resource.diskReadBytesPerSecond.rawValue].isNaN)
    }

    @Test func aCounterResetIsNotANegativeRate() throws {
        let assembler = SeriesAssembler(mapping: mapping)
        let plan = try assembler.plan([series("cpu_seconds_total", ["groupname": "w"], [(t0, 100), (t0 + 2000, 1)])], nowSeconds: nil)
        #expect(plan.rows.map { $0.values[Resource.cpuCores.rawValue] } == [0.5])
        #expect(plan.counts.counterResets == 1)
    }

    @Test func invalidSamplesNameTheSeriesAndFieldStaleMarkersAreSkipped() throws {
        let assembler = SeriesAssembler(mapping: mapping)
        #expect(throws: RemoteWriteError.self) {
            try assembler.plan([series("memory_bytes", ["groupname": "w", "memtype": "resident"], [(t0, -5)])], nowSeconds: nil)
        }
        do {
            _ = try assembler.plan([series("memory_bytes", ["groupname": "w", "memtype": "resident"], [(t0 * 1000, 5)])], nowSeconds: 1_700_000_000)
            Issue.record("a timestamp in microseconds was accepted")
        } catch {
            #expect(error.description.contains("timeseries[0] memory_bytes{groupname=\"w\",memtype=\"resident\"} samples[0].timestamp"), "\(error)")
        }
        // Unmatched series are never judged: a negative value there is just dropped.
        let plan = try assembler.plan([series("other", [:], [(t0, -5)]),
                                       series("memory_bytes", ["groupname": "w", "memtype": "resident"], [(t0, .nan)])], nowSeconds: nil)
        #expect(plan.rows.isEmpty)
        #expect(plan.counts.stale == 1)
    }
}

@Suite struct QueryRangeTests {
    @Test func aMatrixAnswerBecomesSeries() throws {
        let json = #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"m","groupname":"db"},"values":[[1700000000,"1.5"],[1700000005.5,"NaN"]]}]}}"#
        let decoded = try QueryRangeResponse.decode(Data(json.utf8))
        #expect(decoded.count == 1)
        #expect(decoded[0].labels.map(\.name) == ["__name__", "groupname"])
        #expect(decoded[0].samples.map(\.timestamp) == [1_700_000_000_000, 1_700_000_005_500])
        #expect(decoded[0].samples[1].value.isNaN)
    }

    @Test func errorsAreTyped() {
        #expect(throws: QueryRangeError.server(type: "bad_data", message: "parse error")) {
            try QueryRangeResponse.decode(Data(#"{"status":"error","errorType":"bad_data","error":"parse error"}"#.utf8))
        }
        #expect(throws: QueryRangeError.self) { try QueryRangeResponse.decode(Data("[1,2".utf8)) }
        #expect(throws: QueryRangeError.self) {
            try QueryRangeResponse.decode(Data(#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,2]]}]}}"#.utf8))
        }
    }

    @Test func chunksCoverTheRangeOnceWithABaselineStep() throws {
        let chunks = try QueryRangeChunks(from: 0, to: 3000, stepSeconds: 300, stepsPerChunk: 4)
        #expect(chunks.chunks.map(\.start) == [0, 1200, 2400])
        #expect(chunks.chunks.map(\.end) == [900, 2100, 3000])
        #expect(chunks.chunks.map(\.queryStart) == [-300, 900, 2100])
        #expect(throws: ChunkError.self) { try QueryRangeChunks(from: 10, to: 5, stepSeconds: 300) }
    }
}

@Suite struct RemoteWriteRobustnessTests {
    /// Bytes flipped, dropped and appended anywhere in a valid body (the compressed and the
    /// uncompressed form), through decode and the assembler: typed errors or rows, never a
    /// trap. Seeded, so a failure reproduces.
    @Test func mutatedBodiesNeverTrap() throws {
        let mapping = try PrometheusMapping.load(path: repositoryRoot.appendingPathComponent("config/prometheus/process-exporter.toml").path)
        var request = Prometheus_WriteRequest()
        for i in 0..<20 {
            let name = i % 2 == 0 ? "namedprocess_namegroup_cpu_seconds_total" : "namedprocess_namegroup_memory_bytes"
            let t: Int64 = 1_700_000_000_000 + Int64(i) * 1000
            let v = Double(i)
            request.timeseries.append(series(name, ["groupname": "g\(i % 3)", "memtype": "resident", "mode": "user"], [(t, v), (t + 1000, v + 0.5)]))
        }
        let plain = try request.serializedBytes() as [UInt8]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state }
        var decoded = 0
        for round in 0..<3000 {
            // Three in four rounds mutate the protobuf (most of those still decode and reach
            // the assembler), one in four the snappy block.
            let protobufRound = round % 4 != 0
            var bytes = protobufRound ? plain : try SnappyBlock.compress(plain)
            for _ in 0..<(1 + Int(next() % 2)) where !bytes.isEmpty {
                let at = Int(next() % UInt64(bytes.count))
                switch next() % 3 {
                case 0: bytes[at] ^= UInt8(truncatingIfNeeded: next() | 1)
                case 1: bytes.remove(at: at)
                default: bytes.insert(UInt8(truncatingIfNeeded: next()), at: at)
                }
            }
            let body = protobufRound ? try SnappyBlock.compress(bytes) : bytes
            guard let decodedRequest = try? RemoteWriteDecoder.decode(body: body, maxUncompressedBytes: 1 << 20) else { continue }
            decoded += 1
            var assembler = SeriesAssembler(mapping: mapping)
            if let plan = try? assembler.plan(decodedRequest.timeseries, nowSeconds: 1_700_000_100) { assembler.commit(plan) }
        }
        #expect(decoded > 150, "only \(decoded) mutated bodies decoded: the mutations exercise the assembler too little")
    }
}
