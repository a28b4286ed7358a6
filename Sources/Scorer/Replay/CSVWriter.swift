import Decisions
import Foundation

/// A buffered CSV file writer (fields are plain numbers and names: no quoting needed, and
/// a field with a comma, quote or newline is refused rather than written ambiguously).
final class CSVWriter {
    let path: String
    private let handle: FileHandle
    private var buffer = Data()

    init(path: String, header: [String]) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw CSVError("cannot create \(path): check that its directory exists and is writable")
        }
        self.path = path
        self.handle = handle
        try row(header)
    }

    func row(_ fields: [String]) throws {
        for field in fields where field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) {
            throw CSVError("\(path): field \"\(field)\" contains a comma, quote or newline")
        }
        buffer.append(contentsOf: fields.joined(separator: ",").utf8)
        buffer.append(0x0A)
        if buffer.count >= 1 << 20 { try flush() }
    }

    func flush() throws {
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        try flush()
        try handle.close()
    }
}

struct CSVError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}
