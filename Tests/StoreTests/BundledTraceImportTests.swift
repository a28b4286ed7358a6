import Forecast
import Foundation
import Testing
@testable import Store

/// Each importer on the committed real traces, with values checked against the raw rows.
@Suite("Importers on the bundled traces")
struct BundledTraceImportTests {
    @Test("Bitbrains .tar.zst: MHz → cores, KB → bytes, provisioned columns → limits; re-import adds nothing",
          arguments: TestSupport.Kind.durable)
    func bitbrains(_ kind: TestSupport.Kind) throws {
        let (store, directory) = try TestSupport.makeStore(kind)
        defer { try? FileManager.default.removeItem(at: directory) }
        let archive = TestSupport.dataset("bitbrains-rnd-40vms-2013-07-08.tar.zst")
        let summary = try TestSupport.importer(store, .bitbrains, prefix: "bb-").run(paths: [archive])
        #expect(summary.filesImported == 80)
        #expect(summary.workloads.count == 40)
        #expect(summary.workloads.contains("bb-1") && summary.workloads.contains("bb-244"))
        #expect(summary.samplesInserted == (try TestSupport.sampleCount(store)))
        #expect(summary.samplesInserted > 600_000)

        // datasets/…/2013-7/1.csv line 2:
        // 1372629804; 2; 5851.9989; 87.7799835; 1.5; 8218624.0; 1034592.8; 160.86666666666667; 21.733333333333334; 0.26666666666666666; 1.4666666666666666
        let first = try store.samples(workloads: ["bb-1"], from: 1_372_629_804, to: 1_372_629_805)[0]
        #expect(first.count == 1)
        #expect(abs(first.value(0, .cpuCores) - 87.7799835 * 2 / 5851.9989) < 1e-15)
        #expect(first.value(0, .memoryBytes) == 1034592.8 * 1024)
        #expect(first.value(0, .diskReadBytesPerSecond) == 160.86666666666667 * 1024)
        #expect(first.value(0, .diskWriteBytesPerSecond) == 21.733333333333334 * 1024)
        #expect(first.value(0, .networkReceiveBytesPerSecond) == 0.26666666666666666 * 1024)
        #expect(first.value(0, .networkTransmitBytesPerSecond) == 1.4666666666666666 * 1024)
        let workload = try #require(try store.workload(named: "bb-1"))
        #expect(workload.limits.cpuCores == 2)
        // The provisioned memory changes during July (8218624 KB on line 2, 8388608 KB at the
        // end): the limit is the latest value of the first file; August does not overwrite it.
        #expect(workload.limits.memoryBytes == 8388608 * 1024)
        #expect(workload.limits.diskReadBytesPerSecond.isNaN)
        #expect(workload.source == "bitbrains")
        #expect(workload.sourceFile?.hasSuffix(":bitbrains-rnd/2013-7/1.csv") == true)
        #expect(workload.intervalSeconds == 300)
        // Both months land in one workload, in time order.
        let all = try store.lastSamples(workload: "bb-1", count: 100_000, until: nil)
        #expect(all.timestamps.first == 1_372_629_804)
        #expect(TimestampParser.iso8601(all.timestamps.last!).hasPrefix("2013-08-3"))
        #expect(zip(all.timestamps, all.timestamps.dropFirst()).allSatisfy { $0 < $1 })

        let again = try TestSupport.importer(store, .bitbrains, prefix: "bb-").run(paths: [archive])
        #expect(again.samplesInserted == 0)
        #expect(again.filesAlreadyImported == 1)
        #expect(try TestSupport.sampleCount(store) == summary.samplesInserted)
    }

    @Test("Alibaba machine_usage .csv.gz: percent → fraction of capacity, -1/101 anomalies counted")
    func alibabaMachine() throws {
        let store = try HeadroomStore()
        let summary = try TestSupport.importer(store, .alibabaMachine, prefix: "ali-") { $0.cpuCapacityCores = 96 }
            .run(paths: [TestSupport.dataset("alibaba2018-machine-usage-m1932-m1939.csv.gz")])
        #expect(summary.workloads == (1932...1939).map { "ali-m_\($0)" })
        #expect(summary.rowsRead == 51_362)
        #expect(summary.adjustments[ImportAdjustment.alibabaAnomaly.rawValue] == 11)   // 7 × 101, 4 × -1 in disk_io_percent
        #expect(summary.adjustments[ImportAdjustment.outOfOrder.rawValue] == nil)   // each machine's rows are in order
        // Raw row: m_1933,140,5,91,,,22.79,18.12,1
        let row = try store.samples(workloads: ["ali-m_1933"], from: 140, to: 141)[0]
        #expect(row.count == 1)
        #expect(abs(row.value(0, .cpuCores) - 0.05 * 96) < 1e-12)
        #expect(abs(row.value(0, .memoryBytes) - 0.91) < 1e-12)
        #expect(abs(row.value(0, .networkReceiveBytesPerSecond) - 0.2279) < 1e-12)
        #expect(abs(row.value(0, .networkTransmitBytesPerSecond) - 0.1812) < 1e-12)
        #expect(row.value(0, .diskReadBytesPerSecond).isNaN)
        let limits = try #require(try store.workload(named: "ali-m_1933")).limits
        #expect(limits.cpuCores == 96 && limits.memoryBytes == 1)
    }

    @Test("Azure V1 wide .csv.gz: one workload per column, row index → time")
    func azure() throws {
        let store = try HeadroomStore()
        let epoch = try #require(TimestampParser.parse("2016-11-16T00:00:00Z"))
        let summary = try TestSupport.importer(store, .azureV1, prefix: "az-") { $0.epoch = epoch }
            .run(paths: [TestSupport.dataset("azure-v1-cpu-avg-20vms.csv.gz")])
        #expect(summary.workloads.count == 20)
        #expect(summary.samplesInserted == 20 * 8004)
        #expect(summary.firstTimestamp == epoch)
        #expect(summary.lastTimestamp == epoch + 8003 * 300)
        // Header column 2 is VM 1633748; row "1,44.459092,…"
        let series = try store.lastSamples(workload: "az-1633748", count: 8004, until: nil)
        #expect(series.count == 8004)
        #expect(series.timestamps[0] == epoch)
        #expect(abs(series.value(0, .cpuCores) - 0.44459092) < 1e-15)
    }

    @Test("Google 2011 per-job .tar.zst: row k at epoch + k × 300 s")
    func google() throws {
        let store = try HeadroomStore()
        let summary = try TestSupport.importer(store, .googleGCD, prefix: "g-")
            .run(paths: [TestSupport.dataset("google2011-gcd-20jobs.tar.zst")])
        #expect(summary.workloads.count == 20)
        #expect(summary.samplesInserted == 20 * 288)
        let series = try store.lastSamples(workload: summary.workloads[0], count: 1000, until: nil)
        #expect(series.count == 288)
        #expect(series.timestamps == (0..<288).map { Int64($0 * 300) })
        #expect(series.column(.cpuCores).allSatisfy { $0 >= 0.05 && $0 <= 0.9 })   // pre-filtered to 5–90 %
    }

    @Test("NAB/CloudWatch directory: metric from the file name, byte sums → bytes/s")
    func nab() throws {
        let store = try HeadroomStore()
        let summary = try TestSupport.importer(store, .nab, prefix: "nab-").run(paths: [TestSupport.dataset("nab-aws")])
        #expect(summary.filesImported == 4)
        #expect(summary.workloads.count == 4)
        // ec2_network_in_257a54.csv: "2014-04-10 00:04:00,251643.0"
        let net = try store.lastSamples(workload: "nab-ec2_network_in_257a54", count: 100_000, until: nil)
        #expect(net.timestamps[0] == TimestampParser.parse("2014-04-10T00:04:00Z"))
        #expect(net.value(0, .networkReceiveBytesPerSecond) == 251643.0 / 300)
        #expect(net.value(0, .cpuCores).isNaN)
        // ec2_cpu_utilization_24ae8d.csv: "2014-02-14 14:30:00,0.132"
        let cpu = try store.lastSamples(workload: "nab-ec2_cpu_utilization_24ae8d", count: 1, until: 1_392_388_200)
        #expect(abs(cpu.value(0, .cpuCores) - 0.00132) < 1e-15)
    }
}
