import Foundation

/// One epoch of `LSTMTrainer.fit`.
public struct LSTMEpochReport: Codable, Sendable, Equatable {
    /// 1-based epoch number.
    public let epoch: Int
    /// Mean pinball loss over the epoch's minibatches (weighted by measured targets).
    public let trainLoss: Double
    /// Mean pinball loss on the validation windows after the epoch (the training loss
    /// when there is no validation set).
    public let validationLoss: Double
    /// Wall time of the epoch (training and validation), from the clock passed to `fit`.
    public let seconds: Double
    /// Whether this epoch set a new best validation loss (its weights are kept).
    public let improved: Bool
}

/// Everything needed to continue an interrupted `LSTMTrainer.fit` exactly where it
/// stopped: weights, Adam moments, the random generator, the early-stopping bookkeeping and
/// the history. `fit` emits one after every epoch; passing it back as `resumingFrom` with
/// the same spec and data gives bit-for-bit the result of an uninterrupted run.
///
/// Codable (JSON) and `TensorCodable` (the float arrays as F32 tensors, the rest as JSON
/// metadata) for checkpoint files.
public struct LSTMTrainingState: Codable, Sendable, Equatable {
    public let spec: LSTMSpec
    /// Current weights, `LSTMLayout` order.
    public internal(set) var parameters: [Float]
    public internal(set) var adam: LSTMAdamState
    /// The generator as it stands after the last completed epoch.
    public internal(set) var generator: SeededGenerator
    public internal(set) var epochsCompleted: Int
    /// Weights of the best epoch so far (what `fit` returns).
    public internal(set) var bestParameters: [Float]
    public internal(set) var bestValidationLoss: Double
    /// 1-based epoch of `bestParameters`; 0 before the first epoch.
    public internal(set) var bestEpoch: Int
    public internal(set) var epochsWithoutImprovement: Int
    public internal(set) var history: [LSTMEpochReport]
    /// Training and validation window counts, checked on resume.
    public internal(set) var trainingWindows: Int
    public internal(set) var validationWindows: Int

    /// True when the run is over: early stopping triggered or `maxEpochs` reached.
    public var isFinished: Bool {
        epochsCompleted >= spec.maxEpochs || epochsWithoutImprovement >= spec.patience
    }

    /// The model with the best weights so far.
    public var bestModel: LSTMModel { LSTMModel(spec: spec, parameters: bestParameters) }
}

extension LSTMTrainingState: TensorCodable {
    private struct Scalars: Codable {
        var spec: LSTMSpec, adamStep: Int, generator: SeededGenerator, epochsCompleted: Int
        var bestValidationLoss: Double, bestEpoch: Int, epochsWithoutImprovement: Int
        var history: [LSTMEpochReport], trainingWindows: Int, validationWindows: Int
    }

    public func encode(into bundle: inout TensorBundle, prefix: String) {
        bundle.set(prefix + "parameters", floats: parameters)
        bundle.set(prefix + "best_parameters", floats: bestParameters)
        bundle.set(prefix + "adam.first_moment", floats: adam.firstMoment)
        bundle.set(prefix + "adam.second_moment", floats: adam.secondMoment)
        let scalars = Scalars(spec: spec, adamStep: adam.step, generator: generator, epochsCompleted: epochsCompleted,
                              bestValidationLoss: bestValidationLoss, bestEpoch: bestEpoch,
                              epochsWithoutImprovement: epochsWithoutImprovement, history: history,
                              trainingWindows: trainingWindows, validationWindows: validationWindows)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        bundle.metadata[prefix + "training_state"] = String(decoding: try! encoder.encode(scalars), as: UTF8.self)
    }

    public init(from bundle: TensorBundle, prefix: String) throws {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let s: Scalars
        do {
            s = try decoder.decode(Scalars.self, from: Data(try bundle.meta(prefix + "training_state").utf8))
        } catch let error as TensorBundleError {
            throw error
        } catch {
            throw TensorBundleError.invalid("metadata \"\(prefix)training_state\" is not an LSTM training state: \(error)")
        }
        let count = LSTMLayout(s.spec).parameterCount
        func load(_ name: String) throws(TensorBundleError) -> [Float] {
            let values = try bundle.floats(prefix + name)
            guard values.count == count else { throw .wrongShape(name: prefix + name, expected: "[\(count)]", found: [values.count]) }
            return values
        }
        self.init(spec: s.spec, parameters: try load("parameters"),
                  adam: LSTMAdamState(step: s.adamStep, firstMoment: try load("adam.first_moment"),
                                      secondMoment: try load("adam.second_moment")),
                  generator: s.generator, epochsCompleted: s.epochsCompleted, bestParameters: try load("best_parameters"),
                  bestValidationLoss: s.bestValidationLoss, bestEpoch: s.bestEpoch,
                  epochsWithoutImprovement: s.epochsWithoutImprovement, history: s.history,
                  trainingWindows: s.trainingWindows, validationWindows: s.validationWindows)
    }
}
