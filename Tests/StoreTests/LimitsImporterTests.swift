import Forecast
import Foundation
import Testing
@testable import Store

@Suite("Limits CSV")
struct LimitsImporterTests {
    static let header = "workload,cpu_cores,memory_bytes,disk_read_bytes_per_second,disk_write_bytes_per_second,network_receive_bytes_per_second,network_transmit_bytes_per_second\n"

    func storeWithWorkloads() throws -> HeadroomStore {
        let store = try HeadroomStore()
        try store.writer.write { db in
            for name in ["a", "b"] {
                var w = WorkloadRecord(name: name, source: "test", limits: ResourceVector(cpuCores: 8, memoryBytes: 1), createdAt: 0)
                try w.insert(db)
            }
        }
        return store
    }

    @Test("sets limits; an empty field means no limit")
    func apply() throws {
        let store = try storeWithWorkloads()
        let directory = TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = TestSupport.write(Self.header + "a,2,4294967296,,1e8,,125000000\n", "limits.csv", in: directory)
        #expect(try LimitsImporter.apply(file: path, to: store) == 1)
        let a = try #require(try store.workload(named: "a")).limits
        #expect(a == ResourceVector(cpuCores: 2, memoryBytes: 4_294_967_296, diskWriteBytesPerSecond: 1e8,
                                    networkTransmitBytesPerSecond: 125_000_000))
        #expect(try store.workload(named: "b")?.limits.cpuCores == 8)
    }

    @Test("an unknown workload or a bad value changes nothing and names line and column")
    func errors() throws {
        let store = try storeWithWorkloads()
        let directory = TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let unknown = TestSupport.write(Self.header + "a,1,,,,,\nzzz,1,,,,,\n", "u.csv", in: directory)
        do { _ = try LimitsImporter.apply(file: unknown, to: store); Issue.record("accepted an unknown workload") } catch {
            #expect("\(error)".contains("u.csv:3: column 1 (workload)"))
        }
        #expect(try store.workload(named: "a")?.limits.cpuCores == 8)   // rolled back
        let negative = TestSupport.write(Self.header + "a,-1,,,,,\n", "n.csv", in: directory)
        do { _ = try LimitsImporter.apply(file: negative, to: store); Issue.record("accepted a negative limit") } catch {
            #expect("\(error)".contains("n.csv:2: column 2 (cpu_cores)"))
        }
        let wrongHeader = TestSupport.write("name,cpu\na,1\n", "h.csv", in: directory)
        #expect(throws: ImportError.self) { try LimitsImporter.apply(file: wrongHeader, to: store) }
    }
}
