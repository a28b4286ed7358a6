import Forecast
import Foundation
import Testing
@testable import Store

/// `TraceImporter.parse`, the store-less entry the fuzz targets drive (Fuzz/, RELIABILITY.md):
/// it must parse exactly as `run` does, so a crash found through it is a crash of `import`.
@Suite("Import parse without a store (the fuzz entry)")
struct ImportParseTests {
    static let generic = """
        workload,timestamp,resource,value
        w,2014-02-14 14:30:00,cpu_cores,1.5
        w,2014-02-14 14:30:00,memory_bytes,2e9
        w,1392388500,cpu_cores,-1
        w,1392388500,memory_bytes,3e9
        v,1392388200,network_receive_bytes_per_second,NaN
        v,1392388500,disk_read_bytes_per_second,7

        """

    @Test("parse gives the samples run stores")
    func parseMatchesRun() throws {
        let files = try TraceImporter.parse(Array(Self.generic.utf8), name: "g.csv", format: .generic, options: ImportOptions())
        #expect(files.count == 1)
        let samples = try #require(files.first).samples
        #expect(samples.map(\.workload) == ["w", "w", "v"])
        #expect(samples.map(\.timestamp) == [1_392_388_200, 1_392_388_500, 1_392_388_500])
        #expect(samples[0].usage.cpuCores == 1.5 && samples[0].usage.memoryBytes == 2e9)
        #expect(samples[1].usage.cpuCores.isNaN && samples[1].usage.memoryBytes == 3e9)   // negative: not measured
        #expect(samples[2].usage.diskReadBytesPerSecond == 7)

        let (store, directory) = try TestSupport.makeStore(.file)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = TestSupport.write(Self.generic, "g.csv", in: directory)
        let summary = try TestSupport.importer(store, .generic).run(paths: [path])
        #expect(summary.samplesInserted == samples.count)
        #expect(summary.rowsRead == files[0].rows)
    }

    @Test("parse refuses what run refuses, with the same error")
    func parseRefusesLikeRun() throws {
        let text = "workload,timestamp,resource,value\nw,1e300,cpu_cores,1\n"
        #expect(throws: ImportError.self) {
            try TraceImporter.parse(Array(text.utf8), name: "t.csv", format: .generic, options: ImportOptions())
        }
        var options = ImportOptions()
        options.intervalSeconds = 0
        let violation = try #require(options.violation())
        #expect(throws: ImportError.configuration(violation)) {
            try TraceImporter.parse([], name: "t.csv", format: .googleGCD, options: options)
        }
        #expect(throws: ImportError.self) {
            try TraceImporter.parse(Array(text.utf8), name: "t.csv.gz", format: .generic, options: ImportOptions())
        }
    }
}
