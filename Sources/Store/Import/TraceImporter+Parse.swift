import Forecast

extension TraceImporter {
    /// One sample as an import would store it.
    public struct ParsedSample: Sendable, Equatable {
        public var workload: String
        public var timestamp: Int64
        /// SI units, NaN = not measured (negative values already turned into NaN).
        public var usage: ResourceVector
    }

    /// One file (or archive member) parsed without a store.
    public struct ParsedFile: Sendable {
        /// `path` or `path:member`.
        public var label: String
        /// Data rows read (headers, comments and blank lines excluded).
        public var rows: Int
        /// The samples in file order.
        public var samples: [ParsedSample]
        /// Malformed rows skipped under `skipInvalid`, by expected form.
        public var invalidRows: [String: Int]
    }

    /// Parses the bytes of one input exactly as `run` parses each file of it (the same
    /// option checks, line reader, format parser, per-file sink and, for a `.tar` name, the
    /// same archive walk), but writes nothing: no store, no threads. The line reader starts
    /// with 4 KiB instead of 1 MiB (it grows the same way for longer lines), which keeps
    /// small inputs cheap and puts its refill and growth paths under test. The entry of the fuzz
    /// targets (`Fuzz/`, RELIABILITY.md), so a crash found there is a crash of `import`.
    /// - Parameters:
    ///   - bytes: the input's content (plain, or an uncompressed tar archive when `name`
    ///     ends in `.tar`).
    ///   - name: the input's file name: it names workloads in formats that take them from
    ///     the file (Bitbrains, NAB, Google) and appears in errors.
    /// - Throws: the `ImportError` `run` would throw for this input.
    public static func parse(_ bytes: [UInt8], name: String, format: TraceFormat,
                             options: ImportOptions) throws(ImportError) -> [ParsedFile] {
        if let violation = options.violation() { throw .configuration(violation) }
        var parser = makeParser(format: format, options: options)
        var files: [ParsedFile] = []
        func unit(member: String, source: ByteSource) throws {
            let label = member.isEmpty ? name : "\(name):\(member)"
            var samples: [ParsedSample] = []
            var names: [String] = []
            let unit = try ImportProducer.parseUnit(label: label, path: name, member: member, source: source, parser: &parser,
                                                    skipInvalid: options.skipInvalid, lineBufferBytes: 4096) { chunk in
                names += chunk.newWorkloadNames
                for row in 0..<chunk.count {
                    var usage = ResourceVector.absent
                    for r in Resource.allCases { usage[r] = chunk.values[row * Resource.count + r.rawValue] }
                    samples.append(ParsedSample(workload: names[Int(chunk.handles[row])], timestamp: chunk.timestamps[row], usage: usage))
                }
            }
            files.append(ParsedFile(label: label, rows: unit.rows, samples: samples, invalidRows: unit.invalidRows))
        }
        do {
            switch InputKind(path: name) {
            case .plain:
                try unit(member: "", source: MemoryByteSource(bytes))
            case .tar:
                let tar = TarReader(path: name, source: MemoryByteSource(bytes))
                while let member = try tar.nextMember() { try unit(member: member.name, source: member.source) }
            case .gzip, .zstd, .tarGzip, .tarZstd:
                throw ImportError.configuration("\(name): parse reads plain files and uncompressed .tar archives; run decompresses the others")
            }
        } catch let error as ImportError {
            throw error
        } catch let error as InputError {
            throw .input(error)
        } catch let error as FieldError {
            // A parser's `endFile` refusal (no line to name).
            throw .malformed(file: name, line: 0, column: error.column, columnName: error.columnName, expected: error.expected, found: error.found)
        } catch {
            throw .database(file: name, message: "\(error)")
        }
        return files
    }
}

/// Bytes in memory as a `ByteSource`.
final class MemoryByteSource: ByteSource {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(buffer.count, bytes.count - offset)
        guard n > 0 else { return 0 }
        bytes.withUnsafeBytes { raw in buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + n)])) }
        offset += n
        return n
    }
}
