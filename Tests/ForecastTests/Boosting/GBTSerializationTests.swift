import Foundation
import Testing

@testable import Forecast

@Suite("Gradient-boosted trees: model files")
struct GBTSerializationTests {
    static let prefix = "risk_gbt."

    static func model() throws -> (GBTModel, GBTSyntheticData) {
        let data = GBTSyntheticData(rows: 1_500, featureCount: 4, nanShare: 0.1, seed: 8)
        let spec = GBTSpec(treeCount: 12, minimumLeafSamples: 20, maximumBins: 40)
        var generator = SeededGenerator(seed: 2)
        return (try spec.fit(features: data.features, featureCount: 4, labels: data.labels, generator: &generator), data)
    }

    @Test("Tensors → safetensors bytes → tensors gives the same model and scores")
    func tensorRoundTrip() throws {
        let (model, data) = try Self.model()
        #expect(model.splitFeatures.contains { $0 >= 0 })
        var bundle = TensorBundle()
        model.encode(into: &bundle, prefix: Self.prefix)
        let decoded = try GBTModel(from: Safetensors.decode(Safetensors.encode(bundle)), prefix: Self.prefix)
        #expect(decoded == model)
        #expect(decoded.rawScores(features: data.features) == model.rawScores(features: data.features))
        #expect(bundle.tensors[Self.prefix + "thresholds"]?.shape == [model.nodeCount])
    }

    @Test("JSON round trip; a corrupt JSON model is a decoding error")
    func jsonRoundTrip() throws {
        let (model, _) = try Self.model()
        let json = try JSONEncoder().encode(model)
        #expect(try JSONDecoder().decode(GBTModel.self, from: json) == model)
        var object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        var features = try #require(object["splitFeatures"] as? [Int])
        features[0] = 99
        object["splitFeatures"] = features
        let corrupt = try JSONSerialization.data(withJSONObject: object)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(GBTModel.self, from: corrupt) }
    }

    /// A bundle with one tensor replaced.
    static func corrupt(_ bundle: TensorBundle, _ name: String, ints: [Int64]? = nil, doubles: [Double]? = nil,
                        shape: [Int]? = nil) -> TensorBundle {
        var copy = bundle
        if let ints { copy.set(prefix + name, ints: ints, shape: shape) }
        if let doubles { copy.set(prefix + name, doubles: doubles, shape: shape) }
        return copy
    }

    @Test("Every corruption is refused with a typed error")
    func corruptions() throws {
        let (model, _) = try Self.model()
        var bundle = TensorBundle()
        model.encode(into: &bundle, prefix: Self.prefix)
        let n = model.nodeCount, t = model.treeCount
        let ints = { (name: String) in try bundle.ints(Self.prefix + name) }
        let doubles = { (name: String) in try bundle.doubles(Self.prefix + name) }
        // The first split node of tree 0 is its root (local index 0).
        #expect(model.splitFeatures[0] >= 0)
        let lastLocal = Int64(model.treeOffsets[1] - 1)

        var cases: [(String, TensorBundle)] = []
        for name in ["shape", "initial_score", "tree_offsets", "split_features", "thresholds", "nan_goes_left",
                     "left_children", "right_children", "leaf_values", "training_log_loss"] {
            var copy = TensorBundle(metadata: bundle.metadata)
            for (key, tensor) in bundle.tensors where key != Self.prefix + name { copy.set(key, tensor) }
            cases.append(("missing \(name)", copy))
        }
        var noSpec = bundle
        noSpec.metadata[Self.prefix + "spec"] = nil
        cases.append(("no spec", noSpec))
        var badSpec = bundle
        badSpec.metadata[Self.prefix + "spec"] = "{\"treeCount\": 3}"
        cases.append(("spec not a spec", badSpec))
        var outOfRangeSpec = bundle
        var spec = model.spec
        spec.learningRate = 0
        outOfRangeSpec.metadata[Self.prefix + "spec"] = String(decoding: try JSONEncoder().encode(spec), as: UTF8.self)
        cases.append(("spec out of range", outOfRangeSpec))

        func setting(_ name: String, _ index: Int, _ value: Int64) throws -> TensorBundle {
            var values = try ints(name)
            values[index] = value
            return Self.corrupt(bundle, name, ints: values)
        }
        func settingDouble(_ name: String, _ index: Int, _ value: Double) throws -> TensorBundle {
            var values = try doubles(name)
            values[index] = value
            return Self.corrupt(bundle, name, doubles: values)
        }
        cases += [
            ("thresholds as I64", Self.corrupt(bundle, "thresholds", ints: [Int64](repeating: 0, count: n))),
            ("split_features as F64", Self.corrupt(bundle, "split_features", doubles: [Double](repeating: 0, count: n))),
            ("thresholds too short", Self.corrupt(bundle, "thresholds", doubles: Array(try doubles("thresholds").dropLast()))),
            ("leaf_values 2-D", Self.corrupt(bundle, "leaf_values", doubles: try doubles("leaf_values"), shape: [1, n])),
            ("shape says more nodes", try setting("shape", 2, Int64(n + 1))),
            ("shape says more trees", try setting("shape", 1, Int64(t + 1))),
            ("shape has 2 entries", Self.corrupt(bundle, "shape", ints: [4, Int64(t)])),
            ("zero features", try setting("shape", 0, 0)),
            ("huge shape", try setting("shape", 2, Int64.max)),
            ("feature out of range", try setting("split_features", 0, 4)),
            ("feature −2", try setting("split_features", 0, -2)),
            ("feature beyond Int32", try setting("split_features", 0, Int64(Int32.max) + 5)),
            ("child is itself (cycle)", try setting("left_children", 0, 0)),
            ("child before parent (cycle)", try setting("right_children", Int(model.treeOffsets[0]) + model.leftChildren[0],
                                                        0)),
            ("child outside the tree", try setting("left_children", 0, lastLocal + 1)),
            ("child huge", try setting("right_children", 0, Int64.max)),
            ("two parents", try setting("right_children", 0, Int64(model.leftChildren[0]))),
            ("leaf with a child", try setting("left_children", n - 1, 1)),
            ("leaf turned split", try setting("split_features", n - 1, 0)),
            ("offsets not from 0", try setting("tree_offsets", 0, 1)),
            ("offsets decreasing", try setting("tree_offsets", 1, 0)),
            ("offsets past the nodes", try setting("tree_offsets", t, Int64(n + 3))),
            ("nan flag 2", try setting("nan_goes_left", 0, 2)),
            ("NaN threshold", try settingDouble("thresholds", 0, .nan)),
            ("infinite threshold", try settingDouble("thresholds", 0, .infinity)),
            ("infinite leaf value", try settingDouble("leaf_values", n - 1, -.infinity)),
            ("NaN initial score", Self.corrupt(bundle, "initial_score", doubles: [.nan])),
            ("NaN training loss", try settingDouble("training_log_loss", 0, .nan)),
            ("training loss wrong length", Self.corrupt(bundle, "training_log_loss", doubles: [0.5, 0.4])),
        ]
        for (label, corrupt) in cases {
            #expect(throws: TensorBundleError.self, "\(label)") { _ = try GBTModel(from: corrupt, prefix: Self.prefix) }
            // And through the file bytes (the checksum is recomputed on encode, so only the
            // model's own checks can refuse it).
            #expect(throws: TensorBundleError.self, "\(label) (file)") {
                _ = try GBTModel(from: try Safetensors.decode(Safetensors.encode(corrupt)), prefix: Self.prefix)
            }
        }
        // An empty training loss is allowed (a hand-built model).
        let noLoss = Self.corrupt(bundle, "training_log_loss", doubles: [])
        #expect(try GBTModel(from: noLoss, prefix: Self.prefix).trainingLogLoss.isEmpty)
    }

    @Test("A hand-built model scores by its thresholds and NaN directions")
    func handBuilt() throws {
        // Tree 0: x0 ≤ 1 → (x1 ≤ 0 → 0.1 | 0.2 (NaN)) | 0.3; tree 1: a leaf −0.05.
        let model = try GBTModel(
            featureCount: 2, initialScore: 0.5, treeOffsets: [0, 5, 6],
            splitFeatures: [0, 1, -1, -1, -1, -1], thresholds: [1, 0, 0, 0, 0, 0],
            nanGoesLeft: [false, false, false, false, false, false], leftChildren: [1, 3, -1, -1, -1, -1],
            rightChildren: [2, 4, -1, -1, -1, -1], leafValues: [0, 0, 0.3, 0.1, 0.2, -0.05], spec: GBTSpec())
        #expect(model.rawScore([1, 0]) == 0.5 + 0.1 - 0.05)
        #expect(model.rawScore([1, .nan]) == 0.5 + 0.2 - 0.05)
        #expect(model.rawScore([.nan, 0]) == 0.5 + 0.3 - 0.05)
        #expect(model.rawScore([.infinity, 0]) == 0.5 + 0.3 - 0.05)
        #expect(model.rawScore([-.infinity, 1]) == 0.5 + 0.2 - 0.05)
        #expect(abs(model.probability([2, 2]) - 1 / (1 + exp(-0.75))) < 1e-15)
    }
}
