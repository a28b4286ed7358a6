import Foundation
import Testing

@testable import Forecast

@Suite("LSTM model files")
struct LSTMModelCodingTests {
    static func model() -> LSTMModel {
        let spec = LSTMTestSupport.spec(features: 3, hidden: 5, horizon: 2, resources: 2, quantiles: [0.5, 0.9])
        var g = SeededGenerator(seed: 21)
        return LSTMModel(spec: spec, parameters: LSTMLayout(spec).initialParameters(quantileCount: 2, generator: &g))
    }

    @Test("TensorCodable round trip through safetensors bytes, PyTorch names and shapes")
    func roundTrip() throws {
        let model = Self.model()
        var bundle = TensorBundle(metadata: ["kind": "lstm"])
        model.encode(into: &bundle, prefix: "lstm_global.")
        #expect(try bundle.tensor("lstm_global.lstm.weight_ih_l0").shape == [20, 3])
        #expect(try bundle.tensor("lstm_global.lstm.weight_hh_l0").shape == [20, 5])
        #expect(try bundle.tensor("lstm_global.head.weight").shape == [8, 5])
        let bytes = Safetensors.encode(bundle)
        let decoded = try LSTMModel(from: try Safetensors.decode(bytes), prefix: "lstm_global.")
        #expect(decoded == model)
        #expect(decoded.spec == model.spec)
        var g = SeededGenerator(seed: 1)
        let window = LSTMTestSupport.uniform(5 * 3, &g).map { Float($0) }
        #expect(decoded.predict(window: window) == model.predict(window: window))
    }

    @Test("a missing tensor, a wrong shape or a bad spec is refused with a named error")
    func refusals() {
        let model = Self.model()
        var bundle = TensorBundle()
        model.encode(into: &bundle, prefix: "m.")
        var wrongShape = bundle
        wrongShape.set("m.head.bias", floats: [1, 2, 3])
        #expect(throws: TensorBundleError.self) { try LSTMModel(from: wrongShape, prefix: "m.") }
        #expect(throws: TensorBundleError.missing(name: "x.lstm.weight_ih_l0")) {
            var other = bundle
            other.metadata["x.spec"] = bundle.metadata["m.spec"]
            _ = try LSTMModel(from: other, prefix: "x.")
        }
        var badSpec = bundle
        badSpec.metadata["m.spec"] = "{\"hiddenSize\": 3}"
        #expect(throws: TensorBundleError.self) { try LSTMModel(from: badSpec, prefix: "m.") }
        #expect(throws: TensorBundleError.missingMetadata(key: "z.spec")) { try LSTMModel(from: bundle, prefix: "z.") }
    }

    @Test("residualToLastValue: true for new specs and the presets, kept in model files, false when missing (old files)")
    func residualFlag() throws {
        #expect(LSTMSpec.quick.residualToLastValue && LSTMSpec.full.residualToLastValue)
        #expect(LSTMSpec(hiddenSize: 4, maxEpochs: 1, patience: 1).residualToLastValue)
        for flag in [false, true] {
            var spec = LSTMTestSupport.spec(features: 3, hidden: 5, horizon: 2, resources: 2, quantiles: [0.5, 0.9])
            spec.residualToLastValue = flag
            var g = SeededGenerator(seed: 4)
            let model = LSTMModel(spec: spec, parameters: LSTMLayout(spec).initialParameters(quantileCount: 2, generator: &g))
            var bundle = TensorBundle()
            model.encode(into: &bundle, prefix: "m.")
            #expect(bundle.metadata["m.spec"]?.contains("\"residualToLastValue\":\(flag)") == true)
            let decoded = try LSTMModel(from: try Safetensors.decode(Safetensors.encode(bundle)), prefix: "m.")
            #expect(decoded.spec.residualToLastValue == flag)
        }
        // A file written before the field existed: its spec JSON has no such key.
        var bundle = TensorBundle()
        Self.model().encode(into: &bundle, prefix: "m.")
        var object = try #require(try JSONSerialization.jsonObject(with: Data(bundle.metadata["m.spec"]!.utf8)) as? [String: Any])
        object["residualToLastValue"] = nil
        bundle.metadata["m.spec"] = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        let old = try LSTMModel(from: bundle, prefix: "m.")
        #expect(old.spec.residualToLastValue == false)
        // The flag needs feature r to be resource r.
        var narrow = LSTMTestSupport.spec(features: 1, resources: 2)
        #expect(throws: LSTMError.self) { try narrow.validate() }
        narrow.residualToLastValue = false
        try narrow.validate()
    }

    @Test("the spec and the model are Codable values; a truncated weight array is refused")
    func codable() throws {
        let spec = LSTMSpec.quick
        #expect(try JSONDecoder().decode(LSTMSpec.self, from: JSONEncoder().encode(spec)) == spec)
        let model = Self.model()
        let json = try JSONEncoder().encode(model)
        #expect(try JSONDecoder().decode(LSTMModel.self, from: json) == model)
        var object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        object["headBias"] = [1.0, 2.0]
        let broken = try JSONSerialization.data(withJSONObject: object)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(LSTMModel.self, from: broken) }
    }
}
