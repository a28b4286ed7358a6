import Logging

/// The agent's loggers: one label per component (`headroom.agent.loop`, `.fleet`,
/// `.executor`, `.traces`), levels as swift-log's, and the metadata an operator filters by —
/// `pop`, `workload`, `command` — attached where it is known rather than spelled into
/// each message. Libraries never bootstrap `LoggingSystem`; `headroom-agent run` does.
public enum AgentLogging {
    /// A logger that drops everything: the default of the library's types, so tests and
    /// embedders that do not ask for logs get none.
    public static func silent(_ label: String) -> Logger {
        Logger(label: label, factory: { _ in SwiftLogNoOpLogHandler() })
    }
}

extension Logger {
    /// This logger with `command`, `workload` and (when given) `pop` metadata set.
    public func command(_ id: Int64, workload: String, pop: String? = nil) -> Logger {
        var logger = self
        logger[metadataKey: "command"] = "\(id)"
        logger[metadataKey: "workload"] = "\(workload)"
        if let pop { logger[metadataKey: "pop"] = "\(pop)" }
        return logger
    }

    /// This logger with `workload` and `pop` metadata set.
    public func workload(_ name: String, pop: String) -> Logger {
        var logger = self
        logger[metadataKey: "workload"] = "\(name)"
        logger[metadataKey: "pop"] = "\(pop)"
        return logger
    }

    /// This logger with `pop` metadata set.
    public func pop(_ name: String) -> Logger {
        var logger = self
        logger[metadataKey: "pop"] = "\(name)"
        return logger
    }
}
