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

    @Option(help: "Trace format: \(TraceFormat.allCases.map(\.rawValue).joined(separator: ", ")); or prometheus (a server's history: --url, --mapping, --from, --to).")
    var format: ImportFormat

    @Option(help: "prometheus: the server's base URL (http://host:9090), read through /api/v1/query_range.")
    var url: String?

    @Option(help: "prometheus: the mapping file from series to workloads (config/prometheus/).")
    var mapping: String?

    @Option(help: "prometheus: first time to import (ISO-8601 or Unix seconds).")
    var from: String?

    @Option(help: "prometheus: last time to import (ISO-8601 or Unix seconds).")
    var to: String?

    @Option(help: "prometheus: the query step, e.g. 5m, 30s, 1h (the models' grid is 5 minutes).")
    var step: String = "5m"

    @Option(help: "prometheus: steps per query_range request (1…10000); each chunk is one transaction and resumes as a whole.")
    var chunkSteps: Int64 = 2016

    @Option(help: "prometheus: retries of a failed request (no answer, 5xx, 429), waits doubling from 1 s.")
    var retries: Int = 5

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

    @Argument(help: "Files or directories to import (not with --format prometheus).")
    var paths: [String] = []

    func validate() throws {
        if case .prometheus = format {
            guard paths.isEmpty else { throw ValidationError("--format prometheus reads --url, not files (got \(paths.joined(separator: " ")))") }
            _ = try prometheusOptions()
            return
        }
        guard !paths.isEmpty else { throw ValidationError("expected files or directories to import") }
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

    /// The `--format prometheus` options, validated.
    /// - Throws: `ValidationError` naming the option.
    func prometheusOptions() throws -> PrometheusHistoryImport.Options {
        guard let url, let base = URL(string: url), let scheme = base.scheme, ["http", "https"].contains(scheme), base.host != nil else {
            throw ValidationError("--url: expected the Prometheus server's http(s) base URL (http://127.0.0.1:9090), got \(url.map { "\"\($0)\"" } ?? "nothing")")
        }
        guard let mapping else { throw ValidationError("--mapping: expected the mapping file (config/prometheus/*.toml)") }
        guard let from else { throw ValidationError("--from: expected the first time to import") }
        guard let to else { throw ValidationError("--to: expected the last time to import") }
        guard let stepSeconds = Self.duration(step), stepSeconds > 0 else {
            throw ValidationError("--step: expected a duration such as 300, 30s, 5m, 1h, got \"\(step)\"")
        }
        guard (1...10_000).contains(chunkSteps) else { throw ValidationError("--chunk-steps: expected 1…10000, got \(chunkSteps)") }
        guard retries >= 0 else { throw ValidationError("--retries: expected ≥ 0, got \(retries)") }
        let start = try commandLineTime(from, option: "--from"), end = try commandLineTime(to, option: "--to")
        guard end > start else { throw ValidationError("--to must be after --from") }
        return .init(baseURL: base, mappingPath: mapping, from: start, to: end, stepSeconds: stepSeconds, stepsPerChunk: chunkSteps,
                     retries: retries)
    }

    /// Seconds in "300", "30s", "5m", "1h", "1d"; nil otherwise.
    static func duration(_ text: String) -> Int64? {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        if let plain = Int64(text) { return plain }
        guard let unit = text.last, let factor = units[unit], let count = Int64(text.dropLast()), count <= 1_000_000 else { return nil }
        return count * factor
    }

    func run() throws {
        let database = try HeadroomStore(location: store.databasePath)
        guard case .trace(let format) = format else {
            let reporter = ProgressLine(enabled: !quiet, label: "import")
            do {
                let summary = try PrometheusHistoryImport(store: database, options: try prometheusOptions()).run { line, fraction in
                    reporter.update(line, fraction: fraction)
                }
                print(json ? summary.jsonText : summary.text)
            } catch {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                throw ExitCode(1)
            }
            return
        }
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

/// `--format`: a trace file format, or `prometheus` (a server's history, `PrometheusHistoryImport`).
enum ImportFormat: ExpressibleByArgument {
    case trace(TraceFormat)
    case prometheus

    init?(argument: String) {
        if argument == "prometheus" { self = .prometheus } else if let format = TraceFormat(rawValue: argument) { self = .trace(format) } else { return nil }
    }

    static var allValueStrings: [String] { TraceFormat.allCases.map(\.rawValue) + ["prometheus"] }
}

extension PrometheusHistoryImport.Summary {
    var jsonText: String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
extension NABMetric: ExpressibleByArgument {}

extension ImportSummary {
    var jsonText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
