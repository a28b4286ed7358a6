import Crypto
import Foundation
import GRDB

/// Progress of a running import, reported after each file and every 256 Ki rows.
public struct ImportProgress: Sendable {
    public var filesDone: Int
    public var currentFile: String
    public var samplesInserted: Int
    public var rowsRead: Int
    public var elapsedSeconds: Double
}

/// Imports trace files into the store, one SQLite transaction per file (or archive
/// member): a malformed file leaves no trace and the files before it stay; a `kill -9`
/// loses only the file in flight. A file whose bytes were imported before with the same
/// format and prefix is skipped, so importing twice adds nothing.
///
/// Inputs: plain files (`.csv` or anything else), `.gz`, `.zst`, `.tar`, `.tar.gz`/`.tgz`,
/// `.tar.zst`/`.tzst` (decompressed by `gzip`/`zstd` child processes, streamed), and
/// directories (their files, recursively, in name order).
public struct TraceImporter {
    public let store: HeadroomStore
    public let format: TraceFormat
    public let options: ImportOptions

    public init(store: HeadroomStore, format: TraceFormat, options: ImportOptions) {
        self.store = store
        self.format = format
        self.options = options
    }

    /// Imports `paths` in order. On a failure the files before it stay imported, the
    /// failing one is rolled back, and the error is thrown with the summary so far.
    public func run(paths: [String], progress: @escaping (ImportProgress) -> Void = { _ in }) throws(ImportFailure) -> ImportSummary {
        var run = ImportRun(importer: self, progress: progress)
        do {
            for path in try Self.expand(paths) { try run.importInput(path) }
        } catch let error as ImportError {
            throw ImportFailure(error: error, summary: run.finish())
        } catch let error as InputError {
            throw ImportFailure(error: .input(error), summary: run.finish())
        } catch {
            throw ImportFailure(error: .database(file: run.currentFile, message: "\(error)"), summary: run.finish())
        }
        return run.finish()
    }

    /// Directories become their regular files, recursively, sorted by path.
    static func expand(_ paths: [String]) throws -> [String] {
        var out: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw InputError.cannotOpen(path: path, reason: "no such file or directory")
            }
            if isDirectory.boolValue {
                let enumerator = FileManager.default.enumerator(atPath: path)
                var files: [String] = []
                while let relative = enumerator?.nextObject() as? String {
                    let full = path + "/" + relative
                    var dir: ObjCBool = false
                    if FileManager.default.fileExists(atPath: full, isDirectory: &dir), !dir.boolValue,
                       !relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }) {
                        files.append(full)
                    }
                }
                out += files.sorted()
            } else {
                out.append(path)
            }
        }
        return out
    }

    func makeParser() -> any TraceParser {
        switch format {
        case .bitbrains: BitbrainsParser(prefix: options.prefix)
        case .alibabaMachine: AlibabaParser(containers: false, options: options)
        case .alibabaContainer: AlibabaParser(containers: true, options: options)
        case .googleGCD: GoogleGCDParser(options: options)
        case .azureV1: AzureV1Parser(options: options)
        case .nab: NABParser(options: options)
        case .generic: GenericLongParser(options: options)
        }
    }
}

/// An import that stopped: the error, and what had been committed before it.
public struct ImportFailure: Error, CustomStringConvertible {
    public var error: ImportError
    public var summary: ImportSummary
    public var description: String { error.description }
}

/// The mutable state of one `TraceImporter.run`.
struct ImportRun {
    let importer: TraceImporter
    let progress: (ImportProgress) -> Void
    var summary = ImportSummary()
    var workloadNames = Set<String>()
    var currentFile = ""
    let started = Date()
    var parser: any TraceParser

    init(importer: TraceImporter, progress: @escaping (ImportProgress) -> Void) {
        self.importer = importer
        self.progress = progress
        parser = importer.makeParser()
    }

    mutating func finish() -> ImportSummary {
        summary.workloads = workloadNames.sorted()
        summary.seconds = Date().timeIntervalSince(started)
        return summary
    }

    enum Kind { case plain, gzip, zstd, tar, tarGzip, tarZstd }

    static func kind(of path: String) -> Kind {
        let lower = path.lowercased()
        if lower.hasSuffix(".tar.zst") || lower.hasSuffix(".tzst") { return .tarZstd }
        if lower.hasSuffix(".tar.gz") || lower.hasSuffix(".tgz") { return .tarGzip }
        if lower.hasSuffix(".tar") { return .tar }
        if lower.hasSuffix(".gz") { return .gzip }
        if lower.hasSuffix(".zst") { return .zstd }
        return .plain
    }

    /// The file's name without directories and without `.csv`, `.gz`, `.zst`, `.txt`.
    static func stem(_ path: String) -> String {
        var name = String(path.split(separator: "/").last ?? Substring(path))
        for suffix in [".gz", ".zst", ".csv", ".txt", ".tsv"] where name.lowercased().hasSuffix(suffix) {
            name = String(name.dropLast(suffix.count))
        }
        return name
    }

    mutating func importInput(_ path: String) throws {
        let kind = Self.kind(of: path)
        let wholeDigest = try Self.fileDigest(path)
        if try alreadyImported(digest: wholeDigest, member: "*") {
            summary.filesAlreadyImported += 1
            report(path)
            return
        }
        switch kind {
        case .plain: try importUnit(path: path, member: "", source: FileByteSource(path: path))
        case .gzip: try importUnit(path: path, member: "", source: DecompressorByteSource(path: path, tool: "gzip", package: "gzip"))
        case .zstd: try importUnit(path: path, member: "", source: DecompressorByteSource(path: path, tool: "zstd", package: "zstd"))
        case .tar, .tarGzip, .tarZstd:
            let raw: ByteSource = switch kind {
            case .tarZstd: try DecompressorByteSource(path: path, tool: "zstd", package: "zstd")
            case .tarGzip: try DecompressorByteSource(path: path, tool: "gzip", package: "gzip")
            default: try FileByteSource(path: path)
            }
            let tar = TarReader(path: path, source: raw)
            while let member = try tar.nextMember() {
                try importUnit(path: path, member: member.name, source: member.source)
            }
        }
        // The whole input is in: record it so the next run skips it without reading.
        var record = ImportedFileRecord(sha256: wholeDigest, format: importer.format.rawValue, prefix: importer.options.prefix,
                                        path: path, member: "*", rows: 0, samples: 0, importedAt: Int64(Date().timeIntervalSince1970))
        try importer.store.writer.write { db in try record.insert(db, onConflict: .ignore) }
    }

    private func alreadyImported(digest: String, member: String?) throws -> Bool {
        try importer.store.reader.read { db in
            if let member {
                return try Bool.fetchOne(db, sql: """
                    SELECT 1 FROM imported_files WHERE sha256 = ? AND format = ? AND prefix = ? AND member = ?
                    """, arguments: [digest, importer.format.rawValue, importer.options.prefix, member]) ?? false
            }
            return try Bool.fetchOne(db, sql: """
                SELECT 1 FROM imported_files WHERE sha256 = ? AND format = ? AND prefix = ? AND member != '*'
                """, arguments: [digest, importer.format.rawValue, importer.options.prefix]) ?? false
        }
    }

    /// One file or member, in one transaction.
    private mutating func importUnit(path: String, member: String, source: ByteSource) throws {
        let label = member.isEmpty ? path : "\(path):\(member)"
        currentFile = label
        let reader = LineReader(source: source)
        let format = importer.format.rawValue
        let prefix = importer.options.prefix
        let skipInvalid = importer.options.skipInvalid
        let now = Int64(Date().timeIntervalSince1970)
        var parser = self.parser
        var rows = 0
        var invalid: [String: Int] = [:]
        var outcome: (sink: SampleSink, duplicateFile: Bool)?
        let baseRows = summary.rowsRead, baseSamples = summary.samplesInserted, filesDone = summary.filesImported
        let progress = self.progress
        let started = self.started
        do {
            try importer.store.writer.write { db in
                let sink = try SampleSink(db: db, source: format, sourceFile: label, now: now)
                try parser.beginFile(stem: Self.stem(member.isEmpty ? path : member), sink: sink)
                while let line = try reader.nextLine() {
                    do {
                        try parser.parse(line: line, lineNumber: reader.lineNumber, sink: sink)
                    } catch let error as FieldError {
                        guard skipInvalid else {
                            throw ImportError.malformed(file: label, line: reader.lineNumber, column: error.column,
                                                        columnName: error.columnName, expected: error.expected, found: error.found)
                        }
                        invalid[error.expected, default: 0] += 1
                    }
                    rows += 1
                    if rows & 0x3FFFF == 0 {
                        progress(ImportProgress(filesDone: filesDone, currentFile: label, samplesInserted: baseSamples + sink.samplesInserted,
                                                rowsRead: baseRows + rows, elapsedSeconds: Date().timeIntervalSince(started)))
                    }
                }
                try parser.endFile(sink: sink)
                let digest = try reader.finalizeDigest()
                let seen = try Bool.fetchOne(db, sql: """
                    SELECT 1 FROM imported_files WHERE sha256 = ? AND format = ? AND prefix = ? AND member != '*'
                    """, arguments: [digest, format, prefix]) ?? false
                if seen {
                    outcome = (sink, true)
                    throw RollbackUnit()
                }
                try sink.finish()
                var record = ImportedFileRecord(sha256: digest, format: format, prefix: prefix, path: path, member: member,
                                                rows: Int64(rows), samples: Int64(sink.samplesInserted), importedAt: now)
                try record.insert(db)
                outcome = (sink, false)
            }
        } catch is RollbackUnit {
            // identical bytes already imported: nothing written
        } catch let error as DatabaseError {
            throw ImportError.database(file: label, message: error.description)
        }
        self.parser = parser
        guard let outcome else { return }
        if outcome.duplicateFile {
            summary.filesAlreadyImported += 1
        } else {
            let sink = outcome.sink
            summary.filesImported += 1
            summary.rowsRead += rows - (sink.adjustmentCount(.notData))
            summary.samplesInserted += sink.samplesInserted
            for (adjustment, count) in sink.adjustments where adjustment != .notData {
                summary.adjustments[adjustment.rawValue, default: 0] += count
            }
            for (reason, count) in invalid { summary.invalidRowsSkipped[reason, default: 0] += count }
            for w in sink.workloads where w.id != nil { workloadNames.insert(w.name) }
            if sink.samplesInserted > 0 {
                summary.firstTimestamp = min(summary.firstTimestamp ?? .max, sink.minTimestamp)
                summary.lastTimestamp = max(summary.lastTimestamp ?? .min, sink.maxTimestamp)
            }
        }
        report(label)
    }

    private func report(_ label: String) {
        progress(ImportProgress(filesDone: summary.filesImported + summary.filesAlreadyImported, currentFile: label,
                                samplesInserted: summary.samplesInserted, rowsRead: summary.rowsRead,
                                elapsedSeconds: Date().timeIntervalSince(started)))
    }

    /// SHA-256 of a file's raw bytes (compressed, for archives), streamed in 1 MiB reads.
    static func fileDigest(_ path: String) throws -> String {
        let source = try FileByteSource(path: path)
        let reader = LineReader(source: source)
        return try reader.finalizeDigest()
    }
}

/// Thrown inside a unit's transaction to roll it back without an error.
private struct RollbackUnit: Error {}

extension SampleSink {
    func adjustmentCount(_ adjustment: ImportAdjustment) -> Int { adjustments[adjustment] ?? 0 }
}
