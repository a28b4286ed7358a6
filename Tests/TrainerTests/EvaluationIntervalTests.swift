import Forecast
import Models
import Testing
@testable import Trainer

/// The trainer's and the evaluation's spans (validation, heavy-phase warm-up, history
/// before the period, MASE scale window) on each workload's grid: at 300 s the step counts
/// every training and evaluation figure was produced with.
@Suite("Training and evaluation spans in steps of each workload's interval")
struct EvaluationIntervalTests {
    @Test("at 300 s: 864 validation steps, 288 heavy-phase warm-up steps, 2,304 history steps, 2,016 scale steps")
    func fiveMinutes() {
        #expect(TrainingRun.validation.steps(atIntervalSeconds: 300, cap: RiskCalibrationFit.validationStepCap) == 3 * 288)
        #expect(HeavyPhaseEvaluation.warmupSteps(intervalSeconds: 300) == 288)
        #expect(Evaluation.historyDefault.steps(atIntervalSeconds: 300) == 2304)
        #expect(Backtest.Configuration().scaleWindow.steps(atIntervalSeconds: 300) == 2016)
    }

    @Test("at 60 s scaled; at 1 s the validation and the heavy-phase warm-up capped")
    func finerGrids() {
        #expect(TrainingRun.validation.steps(atIntervalSeconds: 60, cap: RiskCalibrationFit.validationStepCap) == 3 * 1440)
        #expect(HeavyPhaseEvaluation.warmupSteps(intervalSeconds: 60) == 1440)
        #expect(TrainingRun.validation.steps(atIntervalSeconds: 1, cap: RiskCalibrationFit.validationStepCap) == 10_080)
        #expect(HeavyPhaseEvaluation.warmupSteps(intervalSeconds: 1) == HeavyPhaseEvaluation.warmupStepCap)
        #expect(Evaluation.historyDefault.steps(atIntervalSeconds: 60) == 8 * 1440)
    }
}
