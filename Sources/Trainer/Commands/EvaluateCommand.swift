import Models
import ArgumentParser
import Forecast
import Foundation
import Store

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Rolling-origin backtest of a model version against the baselines on a held-out period.",
        discussion: """
            Reports per resource and horizon step MASE, pinball loss and coverage for naive, seasonal naive \
            (one day), a VPA-style moving-window percentile, ARIMA alone, LSTM alone and the candidate, \
            separately for workloads that existed in the training window and for new ones. Writes an HTML \
            page with SVG plots (--report).
            """)

    @OptionGroup var options: ModelOptions
    @Option(help: "Model version, or `latest` (default: the promoted one; none: baselines only).") var version: String?
    @Option(help: "Start of the evaluation period: ISO-8601 or Unix seconds.") var from: String
    @Option(help: "End of the evaluation period (exclusive).") var to: String
    @Option(help: "Forecast horizon in steps.") var horizon: Int = 12
    @Option(help: "Steps between forecast origins.") var stride: Int = 12
    @Flag(help: "Print the report as JSON.") var json = false
    @Option(help: "Write the HTML report here (default: <models>/reports/<version>.html).") var report: String?
    @Flag(help: "No progress lines.") var quiet = false

    func validate() throws {
        _ = try commandLineTime(from, option: "--from")
        _ = try commandLineTime(to, option: "--to")
        guard TimestampParser.parse(from)! < TimestampParser.parse(to)! else { throw ValidationError("--from must be before --to") }
        guard horizon >= 1, horizon <= 2016 else { throw ValidationError("--horizon must be 1…2016 steps") }
        guard stride >= 1 else { throw ValidationError("--stride must be ≥ 1") }
    }

    func run() throws {
        let registry = try options.registry()
        let chosen = try version == "latest" ? registry.latestVersion() : (version ?? registry.promotedVersion())
        let evaluation = Evaluation(registry: registry, from: TimestampParser.parse(from)!, to: TimestampParser.parse(to)!,
                                    configuration: Backtest.Configuration(horizonSteps: horizon, originStrideSteps: stride))
        let result: EvaluationReport
        do { result = try evaluation.run(version: chosen, progress: !quiet) } catch let error as ValidationFailure {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
        let htmlPath = report ?? "\(options.modelsDirectory)/reports/\(chosen ?? "baselines").html"
        try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: htmlPath).deletingLastPathComponent().path,
                                                withIntermediateDirectories: true)
        try HTMLReport.render(result).write(toFile: htmlPath, atomically: true, encoding: .utf8)
        if json {
            print(result.json)
        } else {
            print("backtest \(result.from) … \(result.to), horizon \(horizon) steps, \(result.establishedWorkloads) established + \(result.newWorkloads) new workloads")
            for s in result.scores {
                print("  \(s.forecaster.padding(toLength: 16, withPad: " ", startingAt: 0)) mean pinball \(HTMLReport.fmt(s.meanPinball))  mean MASE \(HTMLReport.fmt(s.meanMASE))  median-series MASE \(HTMLReport.fmt(s.medianMASE))")
            }
            if let heavy = result.heavyPhase {
                print("  hmm heavy phase within \(horizon) steps: Brier \(HTMLReport.fmt(heavy.brier)) vs base-rate \(HTMLReport.fmt(heavy.climatologyBrier)) (base rate \(HTMLReport.fmt(heavy.baseRate)), \(heavy.origins) forecasts)")
            }
            if let risk = result.risk {
                print("  risk of exceeding the allocation within \(horizon) steps (\(risk.ticks) ticks, \(risk.breaches) breaches): "
                      + "Brier calibrated \(HTMLReport.fmt(risk.calibrated.brierScore)), raw \(HTMLReport.fmt(risk.raw.brierScore)), "
                      + "base rate \(HTMLReport.fmt(risk.calibrated.baseRateBrierScore)); ECE \(HTMLReport.fmt(risk.calibrated.expectedCalibrationError))")
            }
            if let comparison = result.riskComparison {
                for group in comparison.groups {
                    print("  risk vs baselines, \(group.name) workloads (\(group.workloads), \(group.ticks) ticks, positive rate \(HTMLReport.fmt(group.positiveRate))): AUC / AUC not breaching now / Brier skill / ECE")
                    for score in group.scores {
                        print("    \(score.name.padding(toLength: 24, withPad: " ", startingAt: 0)) \(HTMLReport.fmt(score.auc)) / \(HTMLReport.fmt(score.aucNotBreachingNow)) / \(score.brierSkill.map(HTMLReport.fmt) ?? "–") / \(HTMLReport.fmt(score.ece))")
                    }
                }
            }
            print("report: \(htmlPath)")
        }
    }
}
