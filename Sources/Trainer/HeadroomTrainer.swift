import ArgumentParser

/// `headroom-trainer`: the batch side — import traces, set limits, (later) train,
/// evaluate, promote and roll back models.
@main
struct HeadroomTrainer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "headroom-trainer",
        abstract: "Imports workload traces into the Headroom store and trains the forecasting models.",
        subcommands: [ImportCommand.self, LimitsCommand.self, SummaryCommand.self, TrainCommand.self, EvaluateCommand.self,
                      ModelsCommand.self, PromoteCommand.self, RollbackCommand.self])
}

/// Options every store-reading command takes.
struct StoreOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: "The store: a SQLite file path (created if missing) or a postgres:// URL (see README, PostgreSQL).")
    var databasePath: String
}
