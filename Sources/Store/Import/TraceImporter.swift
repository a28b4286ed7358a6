import Foundation
import GRDB

/// Progress of a running import, reported after each file and every few thousand rows.
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
///
/// Two threads: a parsing thread reads and converts rows (`ImportProducer`) while the
/// calling thread writes them (`SampleWriter`), connected by a small bounded queue.
public struct TraceImporter: Sendable {
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
        var consumer = ImportConsumer(importer: self, progress: progress)
        if let violation = options.violation() {
            throw ImportFailure(error: .configuration(violation), summary: consumer.finish())
        }
        do {
            try consumer.run(inputs: try Self.expand(paths))
        } catch let error as ImportError {
            throw ImportFailure(error: error, summary: consumer.finish())
        } catch let error as InputError {
            throw ImportFailure(error: .input(error), summary: consumer.finish())
        } catch {
            throw ImportFailure(error: .database(file: consumer.currentFile, message: "\(error)"), summary: consumer.finish())
        }
        return consumer.finish()
    }

    /// Directories become their regular files, recursively, sorted by path (hidden ones skipped).
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

    func makeParser() -> any TraceParser { Self.makeParser(format: format, options: options) }

    static func makeParser(format: TraceFormat, options: ImportOptions) -> any TraceParser {
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

/// How an input path is read.
enum InputKind {
    case plain, gzip, zstd, tar, tarGzip, tarZstd

    init(path: String) {
        let lower = path.lowercased()
        if lower.hasSuffix(".tar.zst") || lower.hasSuffix(".tzst") { self = .tarZstd }
        else if lower.hasSuffix(".tar.gz") || lower.hasSuffix(".tgz") { self = .tarGzip }
        else if lower.hasSuffix(".tar") { self = .tar }
        else if lower.hasSuffix(".gz") { self = .gzip }
        else if lower.hasSuffix(".zst") { self = .zstd }
        else { self = .plain }
    }

    /// Plain files are recognised by the digest of their content (computed while
    /// parsing); compressed ones also by the digest of their raw bytes, checked before
    /// anything is decompressed.
    var hasRawDigest: Bool { self != .plain }
}

/// The writing side of an import run (the calling thread).
struct ImportConsumer {
    let importer: TraceImporter
    let progress: (ImportProgress) -> Void
    var summary = ImportSummary()
    var workloadNames = Set<String>()
    var currentFile = ""
    let started = Date()

    init(importer: TraceImporter, progress: @escaping (ImportProgress) -> Void) {
        self.importer = importer
        self.progress = progress
    }

    mutating func finish() -> ImportSummary {
        summary.workloads = workloadNames.sorted()
        summary.seconds = Date().timeIntervalSince(started)
        return summary
    }

    mutating func run(inputs: [String]) throws {
        // Compressed inputs already imported whole are skipped before any decompression.
        var pending: [(path: String, rawDigest: String?)] = []
        for path in inputs {
            if InputKind(path: path).hasRawDigest {
                let digest = try ImportProducer.fileDigest(path)
                if try seen(digest: digest, wholeInput: true) {
                    summary.filesAlreadyImported += 1
                    report(path)
                    continue
                }
                pending.append((path, digest))
            } else {
                pending.append((path, nil))
            }
        }
        let queue = MessageQueue<ImportMessage>(capacity: 8)
        let producer = ImportProducer(importer: importer, inputs: pending, queue: queue)
        let thread = Thread { producer.run() }
        thread.stackSize = 1 << 22
        thread.start()
        defer { queue.cancel() }
        while let message = queue.take() {
            switch message {
            case .begin(let label):
                currentFile = label
                try importUnit(label: label, queue: queue)
            case .inputDone(let path, let rawDigest):
                let record = ImportedFileRecord(sha256: rawDigest, format: importer.format.rawValue, prefix: importer.options.prefix,
                                                path: path, member: "*", rows: 0, samples: 0, importedAt: Int64(Date().timeIntervalSince1970))
                try importer.store.recordImport(record, ignoringConflict: true)
            case .failed(let error):
                throw error
            case .finished:
                return
            case .chunk, .end:
                preconditionFailure("import pipeline: rows outside a file")
            }
        }
    }

    private func seen(digest: String, wholeInput: Bool) throws -> Bool {
        try importer.store.importSeen(digest: digest, format: importer.format.rawValue, prefix: importer.options.prefix,
                                      wholeInput: wholeInput)
    }

    /// One file or member, in one transaction, fed by the queue until its `end`.
    private mutating func importUnit(label: String, queue: MessageQueue<ImportMessage>) throws {
        let importer = self.importer
        let now = Int64(Date().timeIntervalSince1970)
        let baseSamples = summary.samplesInserted, baseRows = summary.rowsRead
        let filesDone = summary.filesImported + summary.filesAlreadyImported
        let progress = self.progress, started = self.started
        var result: (unit: ParsedUnit, writer: any ImportUnitWriter)?
        var duplicateFile = false
        do {
            try importer.store.importTransaction(source: importer.format.rawValue, sourceFile: label, now: now) { writer in
                var rows = 0
                while let message = queue.take() {
                    switch message {
                    case .chunk(let chunk):
                        try writer.insert(chunk)
                        rows += chunk.count
                        progress(ImportProgress(filesDone: filesDone, currentFile: label, samplesInserted: baseSamples + writer.samplesInserted,
                                                rowsRead: baseRows + rows, elapsedSeconds: Date().timeIntervalSince(started)))
                    case .end(let unit):
                        if try writer.seen(digest: unit.digest, format: importer.format.rawValue, prefix: importer.options.prefix) {
                            duplicateFile = true
                            throw RollbackUnit()
                        }
                        try writer.finish(unit, ledger: ImportedFileRecord(
                            sha256: unit.digest, format: importer.format.rawValue, prefix: importer.options.prefix, path: unit.path,
                            member: unit.member, rows: Int64(unit.rows), samples: Int64(writer.samplesInserted), importedAt: now))
                        result = (unit, writer)
                        return
                    case .failed(let error):
                        throw error
                    case .begin, .inputDone, .finished:
                        preconditionFailure("import pipeline: file \(label) interrupted by another message")
                    }
                }
                throw ImportError.database(file: label, message: "the parsing thread stopped without finishing the file")
            }
        } catch is RollbackUnit {
            // identical bytes already imported: nothing written
        } catch let error as DatabaseError {
            throw ImportError.database(file: label, message: error.description)
        } catch let error as PostgresStoreError {
            throw ImportError.database(file: label, message: error.description)
        }
        if duplicateFile {
            summary.filesAlreadyImported += 1
        } else if let (unit, writer) = result {
            summary.filesImported += 1
            summary.rowsRead += unit.rows
            summary.samplesInserted += writer.samplesInserted
            var adjustments = unit.adjustments
            adjustments[.notData] = nil
            if writer.duplicates > 0 { adjustments[.duplicateTimestamp, default: 0] += writer.duplicates }
            for (adjustment, count) in adjustments { summary.adjustments[adjustment.rawValue, default: 0] += count }
            for (reason, count) in unit.invalidRows { summary.invalidRowsSkipped[reason, default: 0] += count }
            workloadNames.formUnion(writer.touchedNames)
            if writer.samplesInserted > 0, let first = unit.minTimestamp, let last = unit.maxTimestamp {
                summary.firstTimestamp = min(summary.firstTimestamp ?? .max, first)
                summary.lastTimestamp = max(summary.lastTimestamp ?? .min, last)
            }
        }
        report(label)
    }

    private func report(_ label: String) {
        progress(ImportProgress(filesDone: summary.filesImported + summary.filesAlreadyImported, currentFile: label,
                                samplesInserted: summary.samplesInserted, rowsRead: summary.rowsRead,
                                elapsedSeconds: Date().timeIntervalSince(started)))
    }
}

/// Thrown inside a unit's transaction to roll it back without an error.
private struct RollbackUnit: Error {}
