import Models
import ArgumentParser
import Foundation
import Store

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Imports trace files (.csv, .csv.gz, .tar.zst, directories) into the store.",
        discussion: """
            One transaction per file (or archive member): a malformed row stops the import with an error \
            naming file, line and column, rolls that file back and keeps the files before it. Importing \
            the same bytes again (same format and prefix) adds nothing. Workloads are named PREFIX + the \
            file stem, or PREFIX + the trace's own id for multi-workload files (Alibaba, Azure V1).
            """)

    @OptionGroup var store: StoreOptions

    @Option(help: "Trace format: \(TraceFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: TraceFormat

    @Option(help: "Prefix for every workload name.")
    var prefix: String = ""

    @Flag(help: "Skip malformed rows (counted by reason) instead of failing the file.")
    var skipInvalid = false

    @Option(help: "Time zero of relative or index-based traces (Alibaba, Azure V1, Google GCD): ISO-8601 or Unix seconds.")
    var epoch: String = "0"

    @Option(help: "Seconds per row for traces without timestamps; NAB byte sums are divided by it.")
    var interval: Int64 = 300

    @Option(help: "Cores that 100 % CPU means in percentage traces (default 1: fractions of the machine).")
    var cpuCores: Double = 1

    @Option(help: "Bytes that 100 % memory means in percentage traces (default 1: fractions).")
    var memoryBytes: Double = 1

    @Option(help: "Bytes/s that 100 % of Alibaba's normalised network traffic means (default 1: fractions).")
    var networkBytesPerSecond: Double = 1

    @Option(help: "Metric of NAB files whose names do not tell it: \(NABMetric.allCases.map(\.rawValue).joined(separator: ", ")).")
    var metric: NABMetric?

    @Flag(help: "Print the closing summary as JSON.")
    var json = false

    @Flag(help: "No progress lines on standard error.")
    var quiet = false

    @Argument(help: "Files or directories to import.")
    var paths: [String]

    func validate() throws {
        guard TimestampParser.parse(epoch) != nil else {
            throw ValidationError("--epoch: expected ISO-8601 (2013-08-01T00:00:00Z) or Unix seconds, got \"\(epoch)\"")
        }
        guard interval > 0 else { throw ValidationError("--interval must be > 0 seconds") }
        for (name, value) in [("--cpu-cores", cpuCores), ("--memory-bytes", memoryBytes), ("--network-bytes-per-second", networkBytesPerSecond)] {
            guard value.isFinite, value > 0 else { throw ValidationError("\(name) must be a finite number > 0") }
        }
        if let violation = importOptions.violation() { throw ValidationError(violation) }
    }

    /// The options as given (validated by `validate()`).
    var importOptions: ImportOptions {
        var options = ImportOptions()
        options.prefix = prefix
        options.skipInvalid = skipInvalid
        options.epoch = TimestampParser.parse(epoch) ?? 0
        options.intervalSeconds = interval
        options.cpuCapacityCores = cpuCores
        options.memoryCapacityBytes = memoryBytes
        options.networkCapacityBytesPerSecond = networkBytesPerSecond
        options.nabMetric = metric
        return options
    }

    func run() throws {
        let database = try HeadroomStore(path: store.databasePath)
        let options = importOptions
        let importer = TraceImporter(store: database, format: format, options: options)
        let reporter = ProgressLine(enabled: !quiet, label: "import")
        do {
            let summary = try importer.run(paths: paths) { p in
                let rate = p.elapsedSeconds > 0 ? Double(p.samplesInserted) / p.elapsedSeconds : 0
                reporter.update("\(p.filesDone) file(s) done, \(p.samplesInserted) samples, \(Int(rate)) samples/s — \(p.currentFile)")
            }
            print(json ? summary.jsonText : summary.text)
        } catch {
            if json { print(error.summary.jsonText) } else if error.summary.filesImported > 0 {
                print("before the error:\n" + error.summary.text)
            }
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
    }
}

extension TraceFormat: ExpressibleByArgument {}
extension NABMetric: ExpressibleByArgument {}

extension ImportSummary {
    var jsonText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
