import Foundation

/// Model-file form of a `GBTModel`. Tensors, under `prefix` (e.g. `"risk_gbt."`), N nodes
/// over T trees:
///
/// | name | dtype | shape | content |
/// |---|---|---|---|
/// | `shape` | I64 | [3] | d (features per row), T, N |
/// | `initial_score` | F64 | [1] | F₀ (log-odds) |
/// | `tree_offsets` | I64 | [T + 1] | tree t is nodes offsets[t] ..< offsets[t + 1] |
/// | `split_features` | I64 | [N] | feature of each split node, −1 for leaves |
/// | `thresholds` | F64 | [N] | go left when x ≤ threshold |
/// | `nan_goes_left` | I64 | [N] | 1 when NaN goes left, else 0 |
/// | `left_children`, `right_children` | I64 | [N] | child index within the tree, −1 for leaves |
/// | `leaf_values` | F64 | [N] | leaf contributions (learning rate included) |
/// | `training_log_loss` | F64 | [T + 1] or [0] | mean training log loss after 0 … T trees |
///
/// plus metadata `<prefix>spec`: the `GBTSpec` as JSON (sorted keys).
///
/// Decoding refuses, with a `TensorBundleError` naming the tensor (never a crash): a missing
/// tensor, a wrong dtype or shape, a `shape` that disagrees with the arrays, and any broken
/// model invariant (`GBTModel.init(featureCount:…)`: indices in range, children after their
/// parent and one parent per node, finite values), as `.invalid` with the `GBTError` text.
extension GBTModel: TensorCodable {
    public func encode(into bundle: inout TensorBundle, prefix: String) {
        bundle.set(prefix + "shape", ints: [Int64(featureCount), Int64(treeCount), Int64(nodeCount)])
        bundle.set(prefix + "initial_score", doubles: [initialScore])
        bundle.set(prefix + "tree_offsets", ints: treeOffsets.map(Int64.init))
        bundle.set(prefix + "split_features", ints: splitFeatures.map(Int64.init))
        bundle.set(prefix + "thresholds", doubles: thresholds)
        bundle.set(prefix + "nan_goes_left", ints: nanGoesLeft.map { $0 ? 1 : 0 })
        bundle.set(prefix + "left_children", ints: leftChildren.map(Int64.init))
        bundle.set(prefix + "right_children", ints: rightChildren.map(Int64.init))
        bundle.set(prefix + "leaf_values", doubles: leafValues)
        bundle.set(prefix + "training_log_loss", doubles: trainingLogLoss)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding a struct of numbers cannot fail (the spec holds finite values only).
        bundle.metadata[prefix + "spec"] = String(decoding: try! encoder.encode(spec), as: UTF8.self)
    }

    public init(from bundle: TensorBundle, prefix: String) throws(TensorBundleError) {
        let specJSON = try bundle.meta(prefix + "spec")
        let spec: GBTSpec
        do {
            spec = try JSONDecoder().decode(GBTSpec.self, from: Data(specJSON.utf8))
        } catch {
            throw .invalid("metadata \"\(prefix)spec\" is not a gradient-boosted trees spec: \(error)")
        }
        let shape = try bundle.ints(prefix + "shape")
        guard shape.count == 3, shape[0] >= 1, shape[1] >= 0, shape[2] >= shape[1],
              shape.allSatisfy({ $0 <= Int64(Int32.max) }) else {
            throw .wrongShape(name: prefix + "shape", expected: "[d ≥ 1, T ≥ 0, N ≥ T] below 2³¹",
                              found: shape.map { Int(truncatingIfNeeded: $0) })
        }
        let d = Int(shape[0]), trees = Int(shape[1]), nodes = Int(shape[2])
        func checked(_ name: String, _ expected: [Int]) throws(TensorBundleError) -> TensorBundle.Tensor {
            let tensor = try bundle.tensor(prefix + name)
            guard tensor.shape == expected else {
                throw .wrongShape(name: prefix + name, expected: "\(expected) (shape: d = \(d), T = \(trees), N = \(nodes))",
                                  found: tensor.shape)
            }
            return tensor
        }
        func doubles(_ name: String, _ expected: [Int]) throws(TensorBundleError) -> [Double] {
            _ = try checked(name, expected)
            return try bundle.doubles(prefix + name)
        }
        func ints(_ name: String, _ expected: [Int]) throws(TensorBundleError) -> [Int] {
            _ = try checked(name, expected)
            // Values beyond Int32 are refused by the model's range checks; truncating here
            // only keeps them from trapping on 32-bit platforms.
            return try bundle.ints(prefix + name).map { Int(truncatingIfNeeded: $0) }
        }
        let initial = try doubles("initial_score", [1])
        let offsets = try ints("tree_offsets", [trees + 1])
        let features = try ints("split_features", [nodes])
        let thresholds = try doubles("thresholds", [nodes])
        let nanFlags = try ints("nan_goes_left", [nodes])
        if let bad = nanFlags.firstIndex(where: { $0 != 0 && $0 != 1 }) {
            throw .invalid("tensor \"\(prefix)nan_goes_left\"[\(bad)] is \(nanFlags[bad]); it must be 0 or 1")
        }
        let left = try ints("left_children", [nodes])
        let right = try ints("right_children", [nodes])
        let values = try doubles("leaf_values", [nodes])
        let lossTensor = try bundle.tensor(prefix + "training_log_loss")
        guard lossTensor.shape == [trees + 1] || lossTensor.shape == [0] else {
            throw .wrongShape(name: prefix + "training_log_loss", expected: "[\(trees + 1)] or [0]", found: lossTensor.shape)
        }
        let losses = try bundle.doubles(prefix + "training_log_loss")
        do {
            try self.init(featureCount: d, initialScore: initial[0], treeOffsets: offsets, splitFeatures: features,
                          thresholds: thresholds, nanGoesLeft: nanFlags.map { $0 == 1 }, leftChildren: left,
                          rightChildren: right, leafValues: values, trainingLogLoss: losses, spec: spec)
        } catch {
            throw .invalid("gradient-boosted trees under \"\(prefix)\": \(error)")
        }
    }
}
