import Foundation

/// The executors' local journal: one JSON object per line in `<state>/journal.jsonl`,
/// appended and `fsync`ed before the step's effect is relied on, so a restarted agent knows
/// which commands it finished (re-running one is then a no-op returning the recorded result).
///
/// `{"at":1700000000.5,"command":7,"workload":"w","step":"checkpointed","detail":"…"}`; the
/// last line of a command is `{"…","step":"result","result":{…}}`.
public final class ExecutionJournal: @unchecked Sendable {
    public struct Entry: Codable, Sendable, Equatable {
        public var at: Double
        public var command: Int64
        public var workload: String
        public var step: String
        public var detail: String?
        public var result: ExecutionResult?
    }

    public let path: String
    private let lock = NSLock()
    private var entries: [Entry] = []

    /// Opens (creating) the journal at `path` and reads what it holds; a torn last line
    /// (a crash mid-write) is skipped.
    public init(path: String) {
        self.path = path
        if let data = FileManager.default.contents(atPath: path) {
            let decoder = JSONDecoder()
            for line in data.split(separator: UInt8(ascii: "\n")) {
                if let entry = try? decoder.decode(Entry.self, from: Data(line)) { entries.append(entry) }
            }
        }
    }

    /// Appends one step of `command`.
    public func record(command: Int64, workload: String, step: String, detail: String? = nil) {
        append(Entry(at: Date().timeIntervalSince1970, command: command, workload: workload, step: step, detail: detail, result: nil))
    }

    /// Appends the final result of `command`.
    public func finish(command: Int64, workload: String, result: ExecutionResult) {
        append(Entry(at: Date().timeIntervalSince1970, command: command, workload: workload, step: "result", detail: result.message, result: result))
    }

    /// The recorded final result of `command`, if it finished.
    public func result(command: Int64) -> ExecutionResult? {
        lock.lock()
        defer { lock.unlock() }
        return entries.last { $0.command == command && $0.result != nil }?.result
    }

    /// The steps recorded for `command`, in order.
    public func steps(command: Int64) -> [String] {
        lock.lock()
        defer { lock.unlock() }
        return entries.filter { $0.command == command && $0.step != "result" }.map(\.step)
    }

    public var all: [Entry] {
        lock.lock()
        defer { lock.unlock() }
        return entries
    }

    private func append(_ entry: Entry) {
        lock.lock()
        defer { lock.unlock() }
        entries.append(entry)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard var line = try? encoder.encode(entry) else { return }
        line.append(UInt8(ascii: "\n"))
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
        close(fd)
    }
}
