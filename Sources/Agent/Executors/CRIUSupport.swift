import Foundation

/// Whether CRIU can checkpoint processes on this machine: `criu --version` at least 4.1 and
/// `criu check` (as argument vectors; `executable` is found in `PATH` unless it holds a `/`)
/// exiting 0. Releases before 4.1 fail on Linux ≥ 6.13, whose vDSO layout changed
/// ("vdso: Unexpected rt vDSO area bounds"; fixed in CRIU 4.1), so an older criu is not used
/// even where its check would pass; docs/agent.md says how to get 4.1.
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

    /// The oldest CRIU the agent uses (major, minor).
    public static let minimumVersion = (major: 4, minor: 1)

    /// Reads `criu --version`'s output ("Version: 3.17.1", optionally "GitID: …"); nil when
    /// there is no version line.
    public static func version(parsing output: String) -> [Int]? {
        for line in output.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("Version:") else { continue }
            let numbers = trimmed.dropFirst("Version:".count).trimmingCharacters(in: .whitespaces)
                .split(separator: "-").first?.split(separator: ".").compactMap { Int($0) } ?? []
            return numbers.isEmpty ? nil : numbers
        }
        return nil
    }

    /// Why a CRIU of `version` cannot be used, or nil when it is recent enough.
    public static func versionProblem(_ version: [Int]) -> String? {
        let major = version.first ?? 0, minor = version.count > 1 ? version[1] : 0
        guard (major, minor) < (minimumVersion.major, minimumVersion.minor) else { return nil }
        return "criu \(version.map(String.init).joined(separator: ".")) found; \(minimumVersion.major).\(minimumVersion.minor) or newer is needed: "
            + "older releases fail on Linux 6.13 and later, whose vDSO layout changed (\"vdso: Unexpected rt vDSO area bounds\"; fixed in CRIU 4.1). "
            + "docs/agent.md says how to get CRIU 4.1"
    }

    /// Runs `criu --version`, then (for 4.1 or newer) `criu check`, once. Only `Error`
    /// lines of the check's output are kept in `reason` (the last four), so the message
    /// names the cause, not CRIU's whole log.
    public static func detect(executable: String = "criu") -> CRIUSupport {
        do {
            let versionRun = try ProcessSpawner.run([executable, "--version"])
            guard versionRun.status == 0, let version = version(parsing: versionRun.output) else {
                return CRIUSupport(available: false, reason: "cannot read the version from `\(executable) --version` (status \(versionRun.status): \(CRIULog.errorSummary(versionRun.output)))",
                                   executable: executable)
            }
            if let problem = versionProblem(version) { return CRIUSupport(available: false, reason: problem, executable: executable) }
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
