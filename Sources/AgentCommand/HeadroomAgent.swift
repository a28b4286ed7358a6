import ArgumentParser

/// `headroom-agent`: the monitoring agent. `sample` prints a workload's resource vector once
/// per interval; `run --config FILE` runs the local POPs, their workloads and the scorer's
/// commands (docs/agent.md).
@main
struct HeadroomAgent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "headroom-agent",
        abstract: "Samples workloads' resource use and runs local POPs for the scorer.",
        subcommands: [SampleCommand.self, RunCommand.self])
}
