import Forecast
import Foundation
import Hummingbird
import HummingbirdTesting
import PrometheusIngest
@testable import Scorer
import Store
import Testing

/// `POST /api/v1/write` through the real router and service, without a Prometheus (that is
/// `PrometheusRemoteWriteTests`): the answers the remote write specification asks for, the
/// agent credential, one transaction per request, a scrape split over requests, a retry.
@Suite("Remote write route")
struct RemoteWriteRouteTests {
    static let operatorToken = "operator-token-0123456789"
    static let amsToken = "agent-ams1-token-0123456789"
    static let fraToken = "agent-fra1-token-0123456789"
    static let readerToken = "reader-token-0123456789abc"
    static let mappingText = """
        [workload]
        name = "{groupname}"
        pop = "ams1"
        [[metrics]]
        metric = "namedprocess_namegroup_cpu_seconds_total"
        resource = "cpu_cores"
        kind = "counter"
        [[metrics]]
        metric = "namedprocess_namegroup_memory_bytes"
        labels = { memtype = "resident" }
        resource = "memory_bytes"
        kind = "gauge"
        """

    static func harness(mapping: Bool = true) async throws -> ServiceHarness {
        var credentials = Credentials()
        try credentials.add(token: operatorToken, role: .operator, name: "operator")
        try credentials.add(token: amsToken, role: .agent(pops: ["ams1"]), name: "ams1 agent")
        try credentials.add(token: fraToken, role: .agent(pops: ["fra1"]), name: "fra1 agent")
        try credentials.add(token: readerToken, role: .reader, name: "reader")
        return try await ServiceHarness.make(dryRun: true, credentials: credentials, newWorkloadIntervalSeconds: 15,
                                             prometheusMapping: mapping ? try PrometheusMapping(toml: mappingText, source: "test") : nil)
    }

    static func series(_ name: String, _ labels: [String: String], _ samples: [(Int64, Double)]) -> Prometheus_TimeSeries {
        var ts = Prometheus_TimeSeries()
        var all = labels
        all["__name__"] = name
        ts.labels = all.sorted { $0.key < $1.key }.map { var l = Prometheus_Label(); l.name = $0.key; l.value = $0.value; return l }
        ts.samples = samples.map { var s = Prometheus_Sample(); s.timestamp = $0.0; s.value = $0.1; return s }
        return ts
    }

    static func body(_ series: [Prometheus_TimeSeries]) throws -> ByteBuffer {
        var request = Prometheus_WriteRequest()
        request.timeseries = series
        return ByteBuffer(bytes: try RemoteWriteDecoder.encode(request))
    }

    static func post(_ client: any TestClientProtocol, _ body: ByteBuffer, token: String? = amsToken, encoding: String? = "snappy",
                     type: String = "application/x-protobuf") async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: type, ScorerRoutes.versionHeader: "0.1.0"]
        if let encoding { headers[.contentEncoding] = encoding }
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await client.execute(uri: "/api/v1/write", method: .post, headers: headers, body: body)
    }

    static func stored(_ h: ServiceHarness, _ workload: String) throws -> [(Int64, Double?, Double?)] {
        guard try h.store.workload(named: workload) != nil else { return [] }
        let series = try h.store.samples(workloads: [workload], from: .min, to: .max)[0]
        func measured(_ v: Double) -> Double? { v.isNaN ? nil : v }
        return (0..<series.count).map { i in
            (series.timestamps[i], measured(series.value(i, .cpuCores)), measured(series.value(i, .memoryBytes)))
        }
    }

    @Test func answersFollowTheSpecificationAndNothingIsWrittenOnARefusal() async throws {
        let h = try await Self.harness()
        let t = (Int64(Date().timeIntervalSince1970) - 600) * 1000
        let memory = Self.series("namedprocess_namegroup_memory_bytes", ["groupname": "db", "memtype": "resident"], [(t, 1e9)])
        try await h.application().test(.router) { client in
            let good = try Self.body([memory])
            #expect(try await Self.post(client, good, token: nil).status == .unauthorized)
            #expect(try await Self.post(client, good, token: Self.readerToken).status == .forbidden)
            // The mapping places "db" at ams1: fra1's agent may not send it.
            let other = try await Self.post(client, good, token: Self.fraToken)
            #expect(other.status == .forbidden && String(buffer: other.body).contains("maps to POP \\\"ams1\\\""), "\(String(buffer: other.body))")
            #expect(try await Self.post(client, good, encoding: nil).status == .unsupportedMediaType)
            #expect(try await Self.post(client, good, type: "application/x-protobuf;proto=io.prometheus.write.v3.Request").status == .unsupportedMediaType)
            #expect(try await Self.post(client, ByteBuffer(string: "not snappy")).status == .badRequest)
            let negative = Self.series("namedprocess_namegroup_memory_bytes", ["groupname": "db", "memtype": "resident"], [(t + 15_000, -1)])
            let refused = try await Self.post(client, try Self.body([memory, negative]))
            #expect(refused.status == .badRequest, "\(String(buffer: refused.body))")
            #expect(String(buffer: refused.body).contains("samples[0].value"), "\(String(buffer: refused.body))")
            #expect(try Self.stored(h, "db").isEmpty, "a refused request wrote rows")
            let accepted = try await Self.post(client, good)
            #expect(accepted.status == .ok, "\(String(buffer: accepted.body))")
            #expect(try Self.stored(h, "db").map(\.2) == [1e9])
            #expect(accepted.headers[ScorerRoutes.samplesWrittenHeader] == nil, "1.0 answers carry no 2.0 headers")

            // Remote write 2.0: the same series as symbol references; the answer's headers.
            var v2 = Io_Prometheus_Write_V2_Request()
            v2.symbols = ["", "__name__", "namedprocess_namegroup_memory_bytes", "groupname", "db", "memtype", "resident"]
            var series = Io_Prometheus_Write_V2_TimeSeries()
            series.labelsRefs = [1, 2, 3, 4, 5, 6]
            var sample = Io_Prometheus_Write_V2_Sample()
            sample.timestamp = t + 15_000
            sample.value = 2e9
            series.samples = [sample]
            v2.timeseries = [series]
            var headers: HTTPFields = [.contentType: "application/x-protobuf;proto=io.prometheus.write.v2.Request", .contentEncoding: "snappy",
                                       ScorerRoutes.versionHeader: "2.0.0", .authorization: "Bearer \(Self.amsToken)"]
            let v2Answer = try await client.execute(uri: "/api/v1/write", method: .post, headers: headers,
                                                    body: ByteBuffer(bytes: try RemoteWriteDecoder.encode(v2)))
            #expect(v2Answer.status == .ok, "\(String(buffer: v2Answer.body))")
            #expect(v2Answer.headers[ScorerRoutes.samplesWrittenHeader] == "1" && v2Answer.headers[ScorerRoutes.histogramsWrittenHeader] == "0")
            #expect(try Self.stored(h, "db").map(\.2) == [1e9, 2e9])
            series.labelsRefs = [1, 2, 3, 99]
            v2.timeseries = [series]
            headers[ScorerRoutes.versionHeader] = "2.0.0"
            let badRef = try await client.execute(uri: "/api/v1/write", method: .post, headers: headers,
                                                  body: ByteBuffer(bytes: try RemoteWriteDecoder.encode(v2)))
            #expect(badRef.status == .badRequest && String(buffer: badRef.body).contains("labels_refs[3]"), "\(String(buffer: badRef.body))")
        }
        let off = try await Self.harness(mapping: false)
        try await off.application().test(.router) { client in
            let response = try await Self.post(client, try Self.body([memory]))
            #expect(response.status == .notFound, "\(String(buffer: response.body))")
        }
    }

    @Test func aScrapeSplitOverRequestsIsOneRowARetryChangesNothingAndWholeRowsAreScored() async throws {
        let h = try await Self.harness()
        let t0 = (Int64(Date().timeIntervalSince1970) - 3600) * 1000
        @Sendable func cpu(_ k: Int64, _ value: Double) -> Prometheus_TimeSeries {
            Self.series("namedprocess_namegroup_cpu_seconds_total", ["groupname": "web", "mode": "user"], [(t0 + k * 15_000, value)])
        }
        @Sendable func memory(_ k: Int64, _ value: Double) -> Prometheus_TimeSeries {
            Self.series("namedprocess_namegroup_memory_bytes", ["groupname": "web", "memtype": "resident"], [(t0 + k * 15_000, value)])
        }
        try await h.application().test(.router) { client in
            #expect(try await Self.post(client, try Self.body([cpu(0, 100), memory(0, 5e8)])).status == .ok)
            // Scrape 1 in two requests: CPU first, memory later (another shard).
            #expect(try await Self.post(client, try Self.body([cpu(1, 130)])).status == .ok)
            let second = try Self.body([memory(1, 6e8)])
            #expect(try await Self.post(client, second).status == .ok)
            let retried = try await Self.post(client, second)
            let answer = try ServiceHarness.json(retried)
            #expect((answer["dropped"] as? [String: Int])?["duplicate"] == 1, "\(answer)")
            let rows = try Self.stored(h, "web")
            #expect(rows.count == 2)
            #expect(rows[1].1 == 2.0 && rows[1].2 == 6e8, "scrape 1 is one row with both resources: \(rows)")
            // Rows are scored once whole: scrape 2 closes scrape 1.
            for k in Int64(2)...Int64(6) {
                #expect(try await Self.post(client, try Self.body([cpu(k, 130 + 30 * Double(k - 1)), memory(k, 6e8)])).status == .ok)
            }
            let risk = try await client.execute(uri: "/v1/workloads/web/risk", method: .get, headers: [.authorization: "Bearer \(Self.readerToken)"])
            #expect(risk.status == .ok, "\(String(buffer: risk.body))")
            #expect(await h.service.placement(workload: "web")?.pop == "ams1")
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains("headroom_prometheus_samples_dropped_total{reason=\"duplicate\"} 1"), "\(metrics)")
        }
    }

    @Test func perWorkloadMetricsKeepTheHighestRisksUnderTheCap() async throws {
        let h = try await ServiceHarness.make(dryRun: true, metricsMaxWorkloads: 2)
        // Scores for the fixture's four workloads (a batch each, continuing their history).
        for name in ["bb-1", "bb-6", "bb-11", "bb-22"] {
            _ = try await h.service.ingest(.init(pop: "ams1", samples: try h.continuation(of: name, count: 3)))
        }
        var risks: [(String, Double)] = []
        for name in ["bb-1", "bb-6", "bb-11", "bb-22"] {
            if let score = await h.service.score(workload: name) { risks.append((name, score.risk)) }
        }
        try #require(risks.count == 4)
        let kept = Set(risks.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(2).map(\.0))
        let text = await h.service.workloadMetricsText()
        let exported = Set(text.split(separator: "\n").filter { $0.hasPrefix("headroom_workload_risk{") }.compactMap { line in
            line.split(separator: "\"").dropFirst().first.map(String.init)
        })
        #expect(exported == kept, "exported \(exported), the two highest risks are \(kept) of \(risks)")
        #expect(text.contains("headroom_workload_metrics_exported 2\n") && text.contains("headroom_workload_metrics_dropped 2\n"), "\(text)")
        #expect(!text.contains("headroom_workload_allocation{workload=\"\(Set(risks.map(\.0)).subtracting(kept).first!)\""))
    }
}
