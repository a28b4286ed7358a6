import Foundation

/// `POST /v1/agents/{pop}/commands/{id}`: what an agent's executor reports on a command.
///
/// ```json
/// {"state": "done", "steps": ["dumped", "copied"], "moved_bytes": 1e9, "downtime_ms": 120,
///  "progress": {"transferred_bytes": 1, "remaining_bytes": 0, "total_bytes": 1, "dirty_bytes_per_second": 0, "rounds": 2}}
/// ```
///
/// `steps` defaults to []; `moved_bytes` and `downtime_ms` are optional numbers ≥ 0, sent and
/// kept with `done` only; `progress` is a VM live migration's counters (`MigrationProgress`).
/// Decoding is strict: unknown fields, an unknown state or a negative number are a
/// `WireError` naming the field.
public struct CommandReportBody: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable, CaseIterable { case running, done, failed }

    public var state: State
    public var steps: [String]
    public var movedBytes: Double?
    public var downtimeMs: Double?
    public var progress: MigrationProgress?

    public init(state: State, steps: [String] = [], movedBytes: Double? = nil, downtimeMs: Double? = nil, progress: MigrationProgress? = nil) {
        self.state = state
        self.steps = steps
        self.movedBytes = movedBytes
        self.downtimeMs = downtimeMs
        self.progress = progress
    }

    public static let fields = ["state", "steps", "moved_bytes", "downtime_ms", "progress"]

    enum CodingKeys: String, CodingKey {
        case state, steps, movedBytes = "moved_bytes", downtimeMs = "downtime_ms", progress
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: WireKey.self)
        if let unknown = c.allKeys.map(\.stringValue).sorted().first(where: { !Self.fields.contains($0) }) {
            throw WireError(field: unknown, "unknown field \"\(unknown)\"; expected \(Self.fields.joined(separator: ", "))")
        }
        let text = try c.decode(String.self, forKey: WireKey("state"))
        guard let state = State(rawValue: text) else {
            throw WireError(field: "state", "state: \"\(text)\"; expected \"running\", \"done\" or \"failed\"")
        }
        func number(_ key: String) throws -> Double? {
            guard let v = try c.decodeIfPresent(Double.self, forKey: WireKey(key)) else { return nil }
            guard v.isFinite, v >= 0 else { throw WireError(field: key, "\(key): \(v); expected a number ≥ 0") }
            return v
        }
        self.init(state: state, steps: try c.decodeIfPresent([String].self, forKey: WireKey("steps")) ?? [],
                  movedBytes: try number("moved_bytes"), downtimeMs: try number("downtime_ms"),
                  progress: try c.decodeIfPresent(MigrationProgress.self, forKey: WireKey("progress")))
    }

    /// `moved_bytes` and `downtime_ms` only with `done` (the scorer keeps them with nothing else).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(state, forKey: .state)
        try c.encode(steps, forKey: .steps)
        if state == .done {
            try c.encodeIfPresent(movedBytes, forKey: .movedBytes)
            try c.encodeIfPresent(downtimeMs, forKey: .downtimeMs)
        }
        try c.encodeIfPresent(progress, forKey: .progress)
    }
}
