import Foundation
import Testing

@testable import Forecast

// Training tests on small problems (debug builds run them in a few seconds): a learnable
// noisy sine, noise for early stopping, and checkpoints.
@Suite("LSTM training")
struct LSTMTrainerTests {
    static func sineSpec(maxEpochs: Int = 12, patience: Int = 12, seed: UInt64 = 5) -> LSTMSpec {
        LSTMSpec(inputFeatures: 2, hiddenSize: 6, windowSteps: 12, horizonSteps: 2, quantiles: [0.1, 0.5, 0.9],
                 outputResources: 1, batchSize: 32, learningRate: 2e-2, maxEpochs: maxEpochs, patience: patience,
                 clipNorm: 1, validationFraction: 0, seed: seed, batchesPerEpoch: 8)
    }

    @Test("learns a noisy sine: validation loss falls well below the first epoch's; bit-reproducible")
    func learnsAndReproduces() throws {
        let spec = Self.sineSpec()
        let train = LSTMTestSupport.sineDataset(count: 512, window: 12, horizon: 2, features: 2, seed: 1)
        let validation = LSTMTestSupport.sineDataset(count: 128, window: 12, horizon: 2, features: 2, seed: 2)
        var reports: [LSTMEpochReport] = []
        let first = try LSTMTrainer.fit(spec: spec, dataset: train, validation: validation, progress: { reports.append($0) })
        #expect(reports.count == spec.maxEpochs && first.history == reports)
        let initial = LSTMModel(spec: spec, parameters: {
            var g = SeededGenerator(seed: spec.seed)
            return LSTMLayout(spec).initialParameters(quantileCount: 3, generator: &g)
        }()).evaluate(validation).meanPinballLoss
        let best = first.history[first.bestEpoch - 1].validationLoss
        // The sine has amplitude 1: guessing its median (0) costs ≈ 0.2 per level here.
        #expect(best < 0.35 * initial, "validation loss \(initial) → \(best)")
        #expect(first.model.evaluate(validation).meanPinballLoss == best)
        // Same seed, same data → the same weights, bit for bit.
        let second = try LSTMTrainer.fit(spec: spec, dataset: train, validation: validation)
        #expect(second.model == first.model)
        #expect(second.history.map(\.validationLoss) == first.history.map(\.validationLoss))
        // A different seed gives a different model.
        var other = spec
        other.seed = 6
        #expect(try LSTMTrainer.fit(spec: other, dataset: train, validation: validation).model != first.model)
    }

    @Test("early stopping: stops `patience` epochs after the best and returns the best weights")
    func earlyStopping() throws {
        var g = SeededGenerator(seed: 77)
        func noise(_ n: Int) -> LSTMDataset {
            LSTMDataset(inputs: (0..<(n * 12 * 2)).map { _ in Float(g.nextNormal()) },
                        targets: (0..<(n * 2)).map { _ in Float(g.nextNormal()) }, count: n, windowSteps: 12,
                        horizonSteps: 2, featureWidth: 2, targetWidth: 1)
        }
        var spec = Self.sineSpec(maxEpochs: 40, patience: 2)
        spec.learningRate = 5e-2
        let train = noise(256), validation = noise(64)
        let result = try LSTMTrainer.fit(spec: spec, dataset: train, validation: validation)
        #expect(result.stoppedEarly)
        #expect(result.history.count < 40)
        #expect(result.history.count == result.bestEpoch + spec.patience)
        #expect(result.history.filter(\.improved).last?.epoch == result.bestEpoch)
        #expect(result.model.evaluate(validation).meanPinballLoss == result.history[result.bestEpoch - 1].validationLoss)
    }

    @Test("resuming from a checkpoint (through a model file) equals the uninterrupted run")
    func resume() throws {
        var spec = Self.sineSpec(maxEpochs: 4, patience: 4)
        spec.validationFraction = 0.25
        let data = LSTMTestSupport.sineDataset(count: 300, window: 12, horizon: 2, features: 2, seed: 3)
        var checkpoints: [LSTMTrainingState] = []
        let full = try LSTMTrainer.fit(spec: spec, dataset: data, checkpoint: { checkpoints.append($0) })
        #expect(checkpoints.count == 4 && checkpoints.last == full.finalState)
        // "Crash" after epoch 2: the state goes through safetensors bytes and back.
        var bundle = TensorBundle()
        checkpoints[1].encode(into: &bundle, prefix: "ckpt.")
        let restored = try LSTMTrainingState(from: try Safetensors.decode(Safetensors.encode(bundle)), prefix: "ckpt.")
        #expect(restored == checkpoints[1])
        var resumedReports: [LSTMEpochReport] = []
        let resumed = try LSTMTrainer.fit(spec: spec, dataset: data, resumingFrom: restored,
                                          progress: { resumedReports.append($0) })
        #expect(resumedReports.map(\.epoch) == [3, 4])
        #expect(resumed.model == full.model)
        #expect(resumed.finalState.parameters == full.finalState.parameters)
        #expect(resumed.finalState.adam == full.finalState.adam)
        #expect(resumed.history.map(\.validationLoss) == full.history.map(\.validationLoss))
        // A finished state returns at once; a state of another spec is refused.
        #expect(try LSTMTrainer.fit(spec: spec, dataset: data, resumingFrom: full.finalState).model == full.model)
        var other = spec
        other.hiddenSize = 7
        #expect(throws: LSTMError.self) { try LSTMTrainer.fit(spec: other, dataset: data, resumingFrom: restored) }
    }

    @Test("typed errors: bad spec, mismatched or empty data")
    func errors() {
        let data = LSTMTestSupport.sineDataset(count: 10, window: 12, horizon: 2, features: 2, seed: 3)
        var bad = Self.sineSpec()
        bad.quantiles = [0.9, 0.5]
        #expect(throws: LSTMError.self) { try LSTMTrainer.fit(spec: bad, dataset: data) }
        var wide = Self.sineSpec()
        wide.inputFeatures = 3
        #expect(throws: LSTMError.self) { try LSTMTrainer.fit(spec: wide, dataset: data) }
        let empty = LSTMDataset(inputs: [], targets: [], count: 0, windowSteps: 12, horizonSteps: 2, featureWidth: 2, targetWidth: 1)
        #expect(throws: LSTMError.self) { try LSTMTrainer.fit(spec: Self.sineSpec(), dataset: empty) }
        #expect(throws: LSTMError.self) { try LSTMSpec.quick.with(hidden: 0).validate() }
        #expect((try? LSTMSpec.quick.validate()) != nil && (try? LSTMSpec.full.validate()) != nil)
    }

    @Test("the seeded shuffle is a permutation and depends only on the generator")
    func shuffle() {
        var a = Array(0..<100), b = Array(0..<100)
        var g1 = SeededGenerator(seed: 4), g2 = SeededGenerator(seed: 4)
        LSTMTrainer.shuffle(&a, using: &g1)
        LSTMTrainer.shuffle(&b, using: &g2)
        #expect(a == b && a.sorted() == Array(0..<100) && a != Array(0..<100))
    }
}

private extension LSTMSpec {
    func with(hidden: Int) -> LSTMSpec {
        var copy = self
        copy.hiddenSize = hidden
        return copy
    }
}
