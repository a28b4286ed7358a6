import ArgumentParser

/// `headroom-agent`: the monitoring agent. For now only `sample`, which prints a workload's
/// resource vector once per interval; the service (trace intake, executors) comes later.
@main
struct HeadroomAgent: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "headroom-agent",
        abstract: "Samples workloads' resource use from /proc and cgroups.",
        subcommands: [SampleCommand.self])
}
