import Forecast
import Foundation
import Testing
@testable import Store

/// The defined behaviour for imperfect input (datasets/README.md, "Defined behaviour").
@Suite("Import behaviour on imperfect input")
struct ImportBehaviourTests {
    static let bitbrainsHeader = "Timestamp [ms];\tCPU cores;\tCPU capacity provisioned [MHZ];\tCPU usage [MHZ];\tCPU usage [%];\tMemory capacity provisioned [KB];\tMemory usage [KB];\tDisk read throughput [KB/s];\tDisk write throughput [KB/s];\tNetwork received throughput [KB/s];\tNetwork transmitted throughput [KB/s]\n"

    /// A Bitbrains row at `t` with CPU usage `mhz` on a 2-core 5000 MHz VM.
    static func row(_ t: Int, _ mhz: String, memory: String = "1000.0") -> String {
        "\(t);\t2;\t5000.0;\t\(mhz);\t1.0;\t8388608.0;\t\(memory);\t0.0;\t1.0;\t2.0;\t3.0\n"
    }

    @Test("duplicates, out-of-order rows, gaps, NaN and negative values", arguments: TestSupport.Kind.allCases)
    func definedBehaviour(_ kind: TestSupport.Kind) throws {
        let (store, directory) = try TestSupport.makeStore(kind)
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = Self.bitbrainsHeader
            + Self.row(0, "2500.0")
            + Self.row(300, "1000.0")
            + Self.row(300, "4000.0")            // duplicate timestamp: first kept
            + Self.row(900, "NaN")               // NaN CPU: not measured, row kept
            + Self.row(600, "500.0")             // out of order: stored
            + Self.row(1200, "-5.0")             // negative: not measured
            + Self.row(1500, "NaN", memory: "") // nothing but disk/network left: kept
            + Self.row(4500, "100.0")            // gap of 3000 s (median 300)
        let path = TestSupport.write(text, "7.csv", in: directory)
        let summary = try TestSupport.importer(store, .bitbrains).run(paths: [path])
        #expect(summary.rowsRead == 8)
        #expect(summary.samplesInserted == 7)
        #expect(summary.adjustments[ImportAdjustment.duplicateTimestamp.rawValue] == 1)
        #expect(summary.adjustments[ImportAdjustment.outOfOrder.rawValue] == 1)
        #expect(summary.adjustments[ImportAdjustment.negativeValue.rawValue] == 1)
        #expect(summary.adjustments[ImportAdjustment.missingValue.rawValue] == 3)
        #expect(summary.adjustments[ImportAdjustment.gap.rawValue] == 1)
        let series = try store.lastSamples(workload: "7", count: 100, until: nil)
        #expect(series.timestamps == [0, 300, 600, 900, 1200, 1500, 4500])
        #expect(series.value(0, .cpuCores) == 1.0)            // 2500 MHz × 2 cores / 5000 MHz
        #expect(series.value(1, .cpuCores) == 0.4)            // the first of the two rows at 300
        #expect(series.value(3, .cpuCores).isNaN)
        #expect(series.value(4, .cpuCores).isNaN)
        #expect(series.value(5, .memoryBytes).isNaN)
        #expect(series.value(5, .diskWriteBytesPerSecond) == 1024)
        #expect(try store.workload(named: "7")?.intervalSeconds == 300)
    }

    /// Bitbrains ships a VM's months as separate files, and one VM's July may be sampled every
    /// 150 s and its August every 300 s: the workload's interval is its newest file's.
    @Test("the interval is the newest data's: a later file's median replaces an older one's, an older file leaves it", arguments: TestSupport.Kind.allCases)
    func intervalFollowsTheNewestFile(_ kind: TestSupport.Kind) throws {
        let (store, directory) = try TestSupport.makeStore(kind)
        defer { try? FileManager.default.removeItem(at: directory) }
        // July: 0, 150, …, 1350 (median 150). August: 3000, 3300, …, 4200 (median 300).
        for month in ["2013-7", "2013-8"] {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent(month), withIntermediateDirectories: true)
        }
        let july = TestSupport.write(Self.bitbrainsHeader + stride(from: 0, to: 1500, by: 150).map { Self.row($0, "100.0") }.joined(), "2013-7/7.csv", in: directory)
        let august = TestSupport.write(Self.bitbrainsHeader + stride(from: 3000, to: 4500, by: 300).map { Self.row($0, "100.0") }.joined(), "2013-8/7.csv", in: directory)
        _ = try TestSupport.importer(store, .bitbrains).run(paths: [july])
        #expect(try store.workload(named: "7")?.intervalSeconds == 150)
        _ = try TestSupport.importer(store, .bitbrains).run(paths: [august])
        #expect(try store.workload(named: "7")?.intervalSeconds == 300, "the newer file sets it")
        // The other order, into another store: August first, then July (older) leaves 300.
        let (other, otherDirectory) = try TestSupport.makeStore(kind)
        defer { try? FileManager.default.removeItem(at: otherDirectory) }
        _ = try TestSupport.importer(other, .bitbrains).run(paths: [august])
        _ = try TestSupport.importer(other, .bitbrains).run(paths: [july])
        #expect(try other.workload(named: "7")?.intervalSeconds == 300, "an older file does not")
        // One run with both files, in either order on the command line: the newest data's.
        let (both, bothDirectory) = try TestSupport.makeStore(kind)
        defer { try? FileManager.default.removeItem(at: bothDirectory) }
        _ = try TestSupport.importer(both, .bitbrains).run(paths: [august, july])
        #expect(try both.workload(named: "7")?.intervalSeconds == 300)
    }

    @Test("a malformed row names file, line, column and expected form; that file rolls back, earlier ones stay",
          arguments: TestSupport.Kind.durable)
    func malformedRollsBackOneFile(_ kind: TestSupport.Kind) throws {
        let (store, directory) = try TestSupport.makeStore(kind)
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = TestSupport.write(Self.bitbrainsHeader + Self.row(0, "1.0") + Self.row(300, "2.0"), "1.csv", in: directory)
        let bad = TestSupport.write(Self.bitbrainsHeader + Self.row(0, "1.0") + Self.row(300, "2.0") + Self.row(600, "abc"), "2.csv", in: directory)
        let after = TestSupport.write(Self.bitbrainsHeader + Self.row(0, "1.0"), "3.csv", in: directory)
        var failure: ImportFailure?
        do {
            _ = try TestSupport.importer(store, .bitbrains).run(paths: [good, bad, after])
        } catch { failure = error }
        let error = try #require(failure)
        guard case .malformed(let file, let line, let column, let columnName, let expected, let found) = error.error else {
            Issue.record("expected .malformed, got \(error.error)")
            return
        }
        #expect(file == bad)
        #expect(line == 4)
        #expect(column == 4)
        #expect(columnName == "CPU usage [MHZ]")
        #expect(expected.contains("decimal number"))
        #expect(found == "abc")
        #expect(error.description.contains("\(bad):4: column 4 (CPU usage [MHZ])"))
        #expect(error.summary.filesImported == 1)
        // File 1 whole, file 2 absent (not even its workload), file 3 never reached.
        #expect(try store.workloads().map(\.name) == ["1"])
        #expect(try TestSupport.sampleCount(store) == 2)
        #expect(try store.importedFiles().filter { $0.member != "*" }.count == 1)

        // After fixing the file, a re-run imports 2 and 3 and skips 1.
        TestSupport.write(Self.bitbrainsHeader + Self.row(0, "1.0") + Self.row(300, "2.0") + Self.row(600, "3.0"), "2.csv", in: directory)
        let rerun = try TestSupport.importer(store, .bitbrains).run(paths: [good, bad, after])
        #expect(rerun.filesAlreadyImported == 1)
        #expect(rerun.filesImported == 2)
        #expect(try TestSupport.sampleCount(store) == 6)
    }

    @Test("--skip-invalid imports the rest and counts by reason")
    func skipInvalid() throws {
        let store = try HeadroomStore()
        let directory = TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = TestSupport.write(Self.bitbrainsHeader + Self.row(0, "1.0") + Self.row(300, "x1") + "600;\t2\n"
                                     + "garbage;\t2;\t5000.0;\t1.0;\t1.0;\t1.0;\t1.0;\t0.0;\t1.0;\t2.0;\t3.0\n" + Self.row(900, "2.0"),
                                     "9.csv", in: directory)
        let summary = try TestSupport.importer(store, .bitbrains, skipInvalid: true).run(paths: [path])
        #expect(summary.samplesInserted == 2)
        #expect(summary.invalidRowsSkipped.values.reduce(0, +) == 3)
        #expect(summary.invalidRowsSkipped.keys.contains { $0.contains("decimal number") })
        #expect(summary.invalidRowsSkipped.keys.contains { $0.contains("11 fields") })
        #expect(summary.invalidRowsSkipped.keys.contains { $0.contains("timestamp") })
    }

    @Test("the same bytes twice add nothing, under another name or compressed")
    func reimport() throws {
        let store = try HeadroomStore()
        let directory = TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = Self.bitbrainsHeader + Self.row(0, "1.0") + Self.row(300, "2.0")
        let path = TestSupport.write(text, "5.csv", in: directory)
        _ = try TestSupport.importer(store, .bitbrains).run(paths: [path])
        let again = try TestSupport.importer(store, .bitbrains).run(paths: [path])
        #expect(again.filesAlreadyImported == 1 && again.samplesInserted == 0)
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/sh")
        gzip.arguments = ["-c", "gzip -c '\(path)' > '\(directory.path)/5copy.csv.gz'"]
        try gzip.run()
        gzip.waitUntilExit()
        let compressed = try TestSupport.importer(store, .bitbrains).run(paths: [directory.path + "/5copy.csv.gz"])
        #expect(compressed.filesAlreadyImported == 1 && compressed.samplesInserted == 0)
        #expect(try store.workloads().count == 1)
        #expect(try TestSupport.sampleCount(store) == 2)
        // A different prefix is a different set of workloads: imported again on purpose.
        let prefixed = try TestSupport.importer(store, .bitbrains, prefix: "copy-").run(paths: [path])
        #expect(prefixed.samplesInserted == 2)
    }

    @Test("a truncated .tar.zst: members before the damage stay whole, the damaged one is absent", arguments: TestSupport.Kind.durable)
    func truncatedArchive(_ kind: TestSupport.Kind) throws {
        let (store, directory) = try TestSupport.makeStore(kind)
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = try Data(contentsOf: URL(fileURLWithPath: TestSupport.dataset("bitbrains-rnd-40vms-2013-07-08.tar.zst")))
        let truncated = directory.appendingPathComponent("cut.tar.zst")
        try source.prefix(source.count / 3).write(to: truncated)
        var failure: ImportFailure?
        do { _ = try TestSupport.importer(store, .bitbrains).run(paths: [truncated.path]) } catch { failure = error }
        let error = try #require(failure)
        #expect(error.description.contains("cut.tar.zst"))
        let ledger = try store.importedFiles()
        let (files, recordedSamples) = (ledger.count, Int(ledger.reduce(0) { $0 + $1.samples }))
        #expect(files > 0 && files < 80)
        #expect(recordedSamples == (try TestSupport.sampleCount(store)))
    }

    @Test("Alibaba container_usage: 11 fields, container id names the workload")
    func alibabaContainer() throws {
        let store = try HeadroomStore()
        let directory = TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Schema order (cluster-trace-v2018/schema.md): container_id, machine_id, time_stamp,
        // cpu_util_percent, mem_util_percent, cpi, mem_gps, mpki, net_in, net_out, disk_io_percent
        let path = TestSupport.write("""
            c_1,m_1,10,40,50,1.2,3.0,4,10.5,20.25,-1
            c_1,m_1,20,45,51,,,,10.5,20.25,101
            c_2,m_1,10,5,6,,,,,,3
            c_2,m_1,20,5,6,,,

            """, "container_usage.csv", in: directory)
        var failure: ImportFailure?
        do { _ = try TestSupport.importer(store, .alibabaContainer) { $0.cpuCapacityCores = 4 }.run(paths: [path]) } catch { failure = error }
        #expect(failure?.description.contains("container_usage.csv:4: column 9") == true, "\(String(describing: failure))")
        #expect(try store.workloads().isEmpty)

        let summary = try TestSupport.importer(store, .alibabaContainer, skipInvalid: true) { $0.cpuCapacityCores = 4 }.run(paths: [path])
        #expect(summary.workloads == ["c_1", "c_2"])
        #expect(summary.adjustments[ImportAdjustment.alibabaAnomaly.rawValue] == 2)
        let c1 = try store.lastSamples(workload: "c_1", count: 10, until: nil)
        #expect(c1.timestamps == [10, 20])
        #expect(c1.value(0, .cpuCores) == 1.6)
        #expect(c1.value(0, .memoryBytes) == 0.5)
        #expect(c1.value(0, .networkTransmitBytesPerSecond) == 0.2025)
    }

    @Test("generic long CSV: rows merge per (workload, timestamp); bad resource names are errors")
    func generic() throws {
        let store = try HeadroomStore()
        let directory = TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = TestSupport.write("""
            workload,timestamp,resource,value
            web-1,2024-05-01T00:05:00Z,cpu_cores,1.5
            web-1,2024-05-01T00:00:00Z,cpu_cores,1.25
            web-1,1714521600,memory_bytes,2147483648
            web-1,2024-05-01T00:00:00Z,cpu_cores,9
            db-1,2024-05-01T00:00:00Z,disk_write_bytes_per_second,1e6

            """, "long.csv", in: directory)
        let summary = try TestSupport.importer(store, .generic).run(paths: [path])
        #expect(summary.samplesInserted == 3)
        #expect(summary.adjustments[ImportAdjustment.duplicateTimestamp.rawValue] == 1)
        let web = try store.lastSamples(workload: "web-1", count: 10, until: nil)
        #expect(web.timestamps == [1_714_521_600, 1_714_521_900])
        #expect(web.value(0, .cpuCores) == 1.25)
        #expect(web.value(0, .memoryBytes) == 2_147_483_648)
        #expect(web.value(1, .memoryBytes).isNaN)

        let bad = TestSupport.write("workload,timestamp,resource,value\nw,0,cpu,1\n", "bad.csv", in: directory)
        #expect(throws: ImportFailure.self) { try TestSupport.importer(store, .generic).run(paths: [bad]) }
        do { _ = try TestSupport.importer(store, .generic).run(paths: [bad]) } catch {
            #expect(error.description.contains("bad.csv:2: column 3 (resource): expected one of cpu_cores"))
        }
        let headerless = TestSupport.write("w,0,cpu_cores,1\n", "noheader.csv", in: directory)
        do { _ = try TestSupport.importer(store, .generic).run(paths: [headerless]); Issue.record("accepted a file without header") } catch {
            #expect(error.description.contains("noheader.csv:1: column 1 (header)"))
        }
    }

    @Test("NAB files whose name does not tell the metric need --metric")
    func nabMetric() throws {
        let store = try HeadroomStore()
        let directory = TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = TestSupport.write("timestamp,value\n2014-02-14 14:30:00,10\n", "mystery.csv", in: directory)
        do { _ = try TestSupport.importer(store, .nab).run(paths: [path]); Issue.record("guessed a metric") } catch {
            #expect(error.description.contains("--metric"))
        }
        let summary = try TestSupport.importer(store, .nab) { $0.nabMetric = .diskReadBytes }.run(paths: [path])
        #expect(summary.samplesInserted == 1)
        #expect(try store.lastSamples(workload: "mystery", count: 1, until: nil).value(0, .diskReadBytesPerSecond) == 10.0 / 300)
    }

    @Test("missing inputs are named")
    func missingInput() throws {
        let store = try HeadroomStore()
        do { _ = try TestSupport.importer(store, .bitbrains).run(paths: ["/nonexistent/x.csv"]); Issue.record("no error") } catch {
            #expect(error.description.contains("/nonexistent/x.csv"))
        }
    }
}
