import Foundation

/// Whether CRIU can checkpoint processes on this machine: `criu check` (as an argument
/// vector, found in `PATH`) exiting 0. When it cannot, the executors say so
/// ("criu not available: using the cooperative protocol") and use
/// docs/checkpoint-protocol.md instead. A CRIU dump/restore path is not implemented yet:
/// even where `criu check` passes the cooperative protocol is used, and the message says so.
public struct CRIUSupport: Sendable, Equatable {
    public var available: Bool
    /// Why not (the program's output, or "not installed").
    public var reason: String

    public init(available: Bool, reason: String) {
        self.available = available
        self.reason = reason
    }

    /// Runs `criu check` once.
    public static func detect() -> CRIUSupport {
        do {
            let result = try ProcessSpawner.run(["criu", "check"])
            if result.status == 0 { return CRIUSupport(available: true, reason: "criu check passed") }
            let output = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
            return CRIUSupport(available: false, reason: "criu check failed: \(output.isEmpty ? "status \(result.status)" : output)")
        } catch {
            return CRIUSupport(available: false, reason: "criu is not installed (\(error))")
        }
    }

    /// The line the agent logs and reports as a step when it falls back.
    public var fallbackMessage: String {
        available ? "criu available but its dump/restore path is not implemented in this agent: using the cooperative protocol"
            : "criu not available (\(reason)): using the cooperative protocol"
    }
}
