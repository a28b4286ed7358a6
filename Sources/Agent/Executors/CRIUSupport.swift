import Foundation

/// Whether CRIU can checkpoint processes on this machine: `criu check` (as an argument
/// vector; `executable` is found in `PATH` unless it holds a `/`) exiting 0.
///
/// When it passes, checkpoint/restart and live moves use CRIU (`CRIUMoveExecutor`: dump,
/// copy the images, restore at the target; live moves pre-dump first). When it fails, the
/// executors say so ("criu not available (criu check failed: …): using the cooperative
/// protocol") and use docs/checkpoint-protocol.md instead; live moves then fall back to
/// checkpoint/restart. CRIU is optional: nothing installs it (docs/agent.md).
public struct CRIUSupport: Sendable, Equatable {
    public var available: Bool
    /// Why (the check's output, or "not installed").
    public var reason: String
    /// The program run for `check`, `pre-dump`, `dump` and `restore`.
    public var executable: String

    public init(available: Bool, reason: String, executable: String = "criu") {
        self.available = available
        self.reason = reason
        self.executable = executable
    }

    /// Runs `criu check` once. Only `Error` lines of its output are kept in `reason` (the
    /// last four), so the message names the cause, not CRIU's whole log.
    public static func detect(executable: String = "criu") -> CRIUSupport {
        do {
            let result = try ProcessSpawner.run([executable, "check"])
            if result.status == 0 { return CRIUSupport(available: true, reason: "criu check passed", executable: executable) }
            let detail = CRIULog.errorSummary(result.output)
            return CRIUSupport(available: false, reason: "criu check failed: \(detail.isEmpty ? "status \(result.status)" : detail)",
                               executable: executable)
        } catch {
            return CRIUSupport(available: false, reason: "criu is not installed (\(error))", executable: executable)
        }
    }

    /// The line the agent logs at start.
    public var startupMessage: String {
        available ? "criu check passed: checkpoint/restart and live moves use criu dump/restore (cooperative protocol as fallback)"
            : fallbackMessage
    }

    /// The line the agent logs and journals when it falls back.
    public var fallbackMessage: String { "criu not available (\(reason)): using the cooperative protocol" }
}

/// Reading CRIU's output (it logs to stderr, which the agent appends to a file).
public enum CRIULog {
    /// The last `count` lines containing `Error` (CRIU's `Error (file:line): message`),
    /// joined with "; "; else the last non-empty line; empty for empty output.
    public static func errorSummary(_ output: String, count: Int = 4) -> String {
        let lines = output.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let errors = lines.filter { $0.contains("Error") }
        return (errors.isEmpty ? Array(lines.suffix(1)) : Array(errors.suffix(count))).joined(separator: "; ")
    }
}
