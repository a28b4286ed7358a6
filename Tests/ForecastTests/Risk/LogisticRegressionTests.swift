import Foundation
import Testing
@testable import Forecast

/// `LogisticRegression` against scipy's BFGS on the same objective, and
/// `ClassificationMetrics` against the judge's own functions (`score_exports.py`), from
/// `scripts/fixtures/gen_classification_fixtures.py`.
@Suite("Logistic regression and classification metrics")
struct LogisticRegressionTests {
    struct Fixture: Decodable {
        var features: [Double]
        var feature_count: Int
        var labels: [Bool]
        var ridge: Double
        var coefficients: [Double]
        var probabilities: [Double]
        var tied_scores: [Double]
        var auc: Double
        var auc_tied: Double
        var brier_skill: Double
        var ece: Double
    }

    static func fixture() throws -> Fixture {
        let url = try #require(Bundle.module.url(forResource: "classification", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    @Test("coefficients match scipy to 1e-6")
    func coefficients() throws {
        let f = try Self.fixture()
        let model = try LogisticRegression.fit(features: f.features, featureCount: f.feature_count, labels: f.labels, ridge: f.ridge)
        for (got, want) in zip(model.coefficients, f.coefficients) { #expect(abs(got - want) < 1e-6, "\(got) vs \(want)") }
        for i in 0..<f.labels.count {
            let row = Array(f.features[(i * f.feature_count)..<((i + 1) * f.feature_count)])
            #expect(abs(model.probability(row) - f.probabilities[i]) < 1e-7)
        }
    }

    @Test("AUC (with ties), Brier skill and ECE as score_exports.py computes them")
    func metrics() throws {
        let f = try Self.fixture()
        #expect(abs(ClassificationMetrics.auc(scores: f.probabilities, labels: f.labels) - f.auc) < 1e-12)
        #expect(abs(ClassificationMetrics.auc(scores: f.tied_scores, labels: f.labels) - f.auc_tied) < 1e-12)
        #expect(abs((ClassificationMetrics.brierSkill(probabilities: f.probabilities, labels: f.labels) ?? .nan) - f.brier_skill) < 1e-12)
        #expect(abs(ClassificationMetrics.ece(probabilities: f.probabilities, labels: f.labels) - f.ece) < 1e-12)
    }

    @Test("degenerate input: typed errors, NaN AUC for one class, no crash")
    func degenerate() {
        #expect(throws: LogisticRegression.FitError.empty) { try LogisticRegression.fit(features: [], featureCount: 1, labels: []) }
        #expect(throws: LogisticRegression.FitError.oneClass(positives: 3, rows: 3)) {
            try LogisticRegression.fit(features: [1, 2, 3], featureCount: 1, labels: [true, true, true])
        }
        #expect(throws: LogisticRegression.FitError.nonFinite(row: 1, feature: 0)) {
            try LogisticRegression.fit(features: [1, .nan], featureCount: 1, labels: [true, false])
        }
        #expect(throws: LogisticRegression.FitError.shape(rows: 2, featureCount: 2, values: 3)) {
            try LogisticRegression.fit(features: [1, 2, 3], featureCount: 2, labels: [true, false])
        }
        #expect(ClassificationMetrics.auc(scores: [0.1, 0.2], labels: [true, true]).isNaN)
        #expect(ClassificationMetrics.auc(scores: [0.1, 0.9], labels: [false, true]) == 1)
        #expect(ClassificationMetrics.brierSkill(probabilities: [0.5], labels: [true]) == nil)
        // Perfectly separable data with a ridge stays finite.
        let model = try? LogisticRegression.fit(features: [0, 1, 2, 3], featureCount: 1, labels: [false, false, true, true], ridge: 1e-3)
        #expect(model?.coefficients.allSatisfy { $0.isFinite } == true)
    }
}
