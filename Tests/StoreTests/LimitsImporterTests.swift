import Forecast
import Foundation
import Testing
@testable import Store

@Suite("Limits CSV")
struct LimitsImporterTests {
    static let header = "workload,cpu_cores,memory_bytes,disk_read_bytes_per_second,disk_write_bytes_per_second,network_receive_bytes_per_second,network_transmit_bytes_per_second\n"

    func storeWithWorkloads(_ kind: TestSupport.Kind) throws -> (HeadroomStore, URL) {
        let (store, directory) = try TestSupport.makeStore(kind)
        _ = try store.append(samples: ["a", "b"].map { IncomingSample(workload: $0, timestamp: 0, values: [1, 1, 1, 1, 1, 1]) },
                             source: "test", now: 0)
        try store.setLimits([(1, "a", ResourceVector(cpuCores: 8, memoryBytes: 1)), (2, "b", ResourceVector(cpuCores: 8, memoryBytes: 1))],
                            file: "setup")
        return (store, directory)
    }

    @Test("sets limits; an empty field means no limit", arguments: TestSupport.Kind.allCases)
    func apply(_ kind: TestSupport.Kind) throws {
        let (store, directory) = try storeWithWorkloads(kind)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = TestSupport.write(Self.header + "a,2,4294967296,,1e8,,125000000\n", "limits.csv", in: directory)
        #expect(try LimitsImporter.apply(file: path, to: store) == 1)
        let a = try #require(try store.workload(named: "a")).limits
        #expect(a == ResourceVector(cpuCores: 2, memoryBytes: 4_294_967_296, diskWriteBytesPerSecond: 1e8,
                                    networkTransmitBytesPerSecond: 125_000_000))
        #expect(try store.workload(named: "b")?.limits.cpuCores == 8)
    }

    @Test("an unknown workload or a bad value changes nothing and names line and column", arguments: TestSupport.Kind.allCases)
    func errors(_ kind: TestSupport.Kind) throws {
        let (store, directory) = try storeWithWorkloads(kind)
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
