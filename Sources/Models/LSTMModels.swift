import Forecast
import Store

/// The LSTM family: one global model over every workload's windows, plus each trained
/// workload's scaling (new workloads get theirs from their limits or their own history).
public struct GlobalLSTM: Sendable {
    public var model: LSTMModel { didSet { shared = SharedLSTMModel(model) } }
    /// `model` by reference: what every workload's online states hold.
    public private(set) var shared: SharedLSTMModel
    public var scalings: [String: LSTMWorkloadScaling]
    public var evaluation: LSTMEvaluation?

    public init(model: LSTMModel, scalings: [String: LSTMWorkloadScaling], evaluation: LSTMEvaluation?) {
        self.model = model
        shared = SharedLSTMModel(model)
        self.scalings = scalings
        self.evaluation = evaluation
    }
}

public enum LSTMModels {
    public static let family = "lstm"

    /// The model's view of a workload's grid: features and scaled targets.
    public static func workloadSeries(name: String, series: RegularSeries, limits: [Double],
                               scaling: LSTMWorkloadScaling? = nil) throws -> LSTMWorkloadSeries {
        let timestamps = (0..<series.steps).map { series.timestamp(ofStep: $0) }
        return try LSTMWorkloadSeries(workload: name, timestamps: timestamps, values: series.values, limits: limits, scaling: scaling)
    }

    public static func encode(_ lstm: GlobalLSTM, into bundle: inout TensorBundle) {
        lstm.model.encode(into: &bundle, prefix: "lstm.model")
        let names = lstm.scalings.keys.sorted()
        for (i, name) in names.enumerated() { ScalingCodec.encode(lstm.scalings[name]!, into: &bundle, prefix: "lstm.scaling.\(i)") }
        bundle.metadata["workloads"] = JSONText.encode(names)
    }

    public static func decode(_ bundle: TensorBundle) throws -> GlobalLSTM {
        let names: [String] = try JSONText.decode(bundle.meta("workloads"))
        var scalings: [String: LSTMWorkloadScaling] = [:]
        for (i, name) in names.enumerated() { scalings[name] = try ScalingCodec.decode(bundle, prefix: "lstm.scaling.\(i)") }
        return GlobalLSTM(model: try LSTMModel(from: bundle, prefix: "lstm.model"), scalings: scalings, evaluation: nil)
    }
}
