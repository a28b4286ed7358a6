import ArgumentParser
import Decisions
import Foundation
import Store

/// `headroom-scorer`: the online half (risk scores, decision loop, service, replay).
@main
struct HeadroomScorer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "headroom-scorer",
        abstract: "Scores resource risk online and decides resizes and migrations before limits are hit.",
        subcommands: [ServeCommand.self, ReplayCommand.self, FrontierCommand.self, StatusCommand.self, FleetCommand.self])
}

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Shows the workloads and promoted model versions a scorer would load.")

    @Option(name: .customLong("db"), help: "The store: a SQLite file path or a postgres:// URL.")
    var databasePath: String

    func run() throws {
        let store = try HeadroomStore(location: databasePath)
        let summary = try store.summary()
        let promoted = try store.promotedModelVersions()
        print("workloads: \(summary.workloads), samples: \(summary.samples)")
        if promoted.isEmpty {
            print("no promoted model versions: train and promote with headroom-trainer first")
        }
        for model in promoted { print("promoted \(model.family) \(model.version) (\(model.path))") }
    }
}
