import Foundation

/// The parsing side of an import run, on its own thread: opens each input (decompressing
/// and walking archives), parses every file with the format's parser and sends the rows
/// to the writer through the queue. Stops at the first failure (after sending it) or
/// when the writer cancels the queue.
final class ImportProducer: @unchecked Sendable {
    private let importer: TraceImporter
    private let inputs: [(path: String, rawDigest: String?)]
    private let queue: MessageQueue<ImportMessage>

    init(importer: TraceImporter, inputs: [(path: String, rawDigest: String?)], queue: MessageQueue<ImportMessage>) {
        self.importer = importer
        self.inputs = inputs
        self.queue = queue
    }

    func run() {
        do {
            var parser = importer.makeParser()
            for input in inputs {
                do {
                    try importInput(input.path, parser: &parser)
                } catch let error as ImportError {
                    try queue.put(.failed(error))
                    return
                } catch let error as InputError {
                    try queue.put(.failed(.input(error)))
                    return
                }
                if let raw = input.rawDigest { try queue.put(.inputDone(path: input.path, rawDigest: raw)) }
            }
            try queue.put(.finished)
        } catch {
            // Cancelled by the writer, or an unexpected error: the writer has stopped reading.
            try? queue.put(.failed(.database(file: "", message: "\(error)")))
        }
    }

    private func importInput(_ path: String, parser: inout any TraceParser) throws {
        switch InputKind(path: path) {
        case .plain: try importUnit(path: path, member: "", source: FileByteSource(path: path), parser: &parser)
        case .gzip: try importUnit(path: path, member: "", source: DecompressorByteSource(path: path, tool: "gzip", package: "gzip"), parser: &parser)
        case .zstd: try importUnit(path: path, member: "", source: DecompressorByteSource(path: path, tool: "zstd", package: "zstd"), parser: &parser)
        case let kind:
            let raw: ByteSource = switch kind {
            case .tarZstd: try DecompressorByteSource(path: path, tool: "zstd", package: "zstd")
            case .tarGzip: try DecompressorByteSource(path: path, tool: "gzip", package: "gzip")
            default: try FileByteSource(path: path)
            }
            let tar = TarReader(path: path, source: raw)
            while let member = try tar.nextMember() {
                try importUnit(path: path, member: member.name, source: member.source, parser: &parser)
            }
        }
    }

    private func importUnit(path: String, member: String, source: ByteSource, parser: inout any TraceParser) throws {
        let label = member.isEmpty ? path : "\(path):\(member)"
        try queue.put(.begin(label: label))
        let queue = self.queue
        let unit = try Self.parseUnit(label: label, path: path, member: member, source: source, parser: &parser,
                                      skipInvalid: importer.options.skipInvalid) { chunk in try queue.put(.chunk(chunk)) }
        try queue.put(.end(unit))
    }

    /// One file or archive member through the format's parser, line by line: rows go to
    /// `emit` in chunks (`SampleSink`), malformed ones fail the unit with an
    /// `ImportError.malformed` naming file, line and column (or are counted with
    /// `skipInvalid`). `lineBufferBytes` is the line reader's initial buffer (it grows for
    /// longer lines). What `run` does per file, and what `TraceImporter.parse` (the fuzz
    /// targets' entry) does without a store.
    static func parseUnit(label: String, path: String, member: String, source: ByteSource, parser: inout any TraceParser,
                          skipInvalid: Bool, lineBufferBytes: Int = 1 << 20,
                          emit: @escaping (ParsedChunk) throws -> Void) throws -> ParsedUnit {
        let reader = LineReader(source: source, capacity: lineBufferBytes)
        let sink = SampleSink(emit: emit)
        var invalid: [String: Int] = [:]
        var rows = 0
        do {
            try parser.beginFile(stem: Self.stem(member.isEmpty ? path : member), sink: sink)
        } catch let error as FieldError {
            throw ImportError.malformed(file: label, line: 0, column: error.column, columnName: error.columnName,
                                        expected: error.expected, found: error.found)
        }
        while let line = try reader.nextLine() {
            rows += 1
            do {
                try parser.parse(line: line, lineNumber: reader.lineNumber, sink: sink)
            } catch let error as FieldError {
                guard skipInvalid else {
                    throw ImportError.malformed(file: label, line: reader.lineNumber, column: error.column,
                                                columnName: error.columnName, expected: error.expected, found: error.found)
                }
                invalid[error.expected, default: 0] += 1
                rows -= 1
            }
        }
        try parser.endFile(sink: sink)
        let digest = try reader.finalizeDigest()
        return try sink.finish(label: label, path: path, member: member, digest: digest, rows: rows, invalidRows: invalid)
    }

    /// The file's name without directories and without `.csv`, `.gz`, `.zst`, `.txt`, `.tsv`.
    static func stem(_ path: String) -> String {
        var name = String(path.split(separator: "/").last ?? Substring(path))
        for suffix in [".gz", ".zst", ".csv", ".txt", ".tsv"] where name.lowercased().hasSuffix(suffix) {
            name = String(name.dropLast(suffix.count))
        }
        return name
    }

    /// SHA-256 of a file's raw bytes, streamed in 1 MiB reads.
    static func fileDigest(_ path: String) throws -> String {
        try LineReader(source: FileByteSource(path: path)).finalizeDigest()
    }
}
