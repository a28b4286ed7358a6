// headroom-bench: benchmarks (not tests). Each family has its own file; the peers run from
// bench/<family>/run.sh in the same run, and results go to BENCHMARKS.md.
// Usage: headroom-bench arima|lstm|hmm|risk|gbt|tick|scorer-memory|remote-write|batch-decode [options]
let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "arima": ARIMABench.run(Array(arguments.dropFirst()))
case "lstm": LSTMBench.run(Array(arguments.dropFirst()))
case "hmm": HMMBench.run(Array(arguments.dropFirst()))
case "risk": RiskBench.run(Array(arguments.dropFirst()))
case "gbt": GBTBench.run(Array(arguments.dropFirst()))
case "tick": BenchTickCommand.main(Array(arguments.dropFirst()))
case "scorer-memory": BenchScorerMemoryCommand.main(Array(arguments.dropFirst()))
case "remote-write": RemoteWriteBench.run(Array(arguments.dropFirst()))
case "batch-decode": BatchDecodeBench.run(Array(arguments.dropFirst()))
default:
    print("usage: headroom-bench arima|lstm|hmm|risk|gbt|tick|scorer-memory|remote-write|batch-decode [options]")
}
