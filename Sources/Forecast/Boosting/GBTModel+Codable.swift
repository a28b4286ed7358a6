/// JSON/plist form of `GBTModel` (DESIGN.md: fitted models are Codable values): the arrays
/// and the spec under their property names. Decoding checks every invariant
/// (`GBTModel.init(featureCount:…)`) and reports a violation as `DecodingError.dataCorrupted`
/// carrying the `GBTError`. Model files use the tensor form (`GBTModel+TensorCodable.swift`).
extension GBTModel: Codable {
    private enum CodingKeys: String, CodingKey {
        case featureCount, initialScore, treeOffsets, splitFeatures, thresholds, nanGoesLeft
        case leftChildren, rightChildren, leafValues, trainingLogLoss, spec
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(featureCount, forKey: .featureCount)
        try c.encode(initialScore, forKey: .initialScore)
        try c.encode(treeOffsets, forKey: .treeOffsets)
        try c.encode(splitFeatures, forKey: .splitFeatures)
        try c.encode(thresholds, forKey: .thresholds)
        try c.encode(nanGoesLeft, forKey: .nanGoesLeft)
        try c.encode(leftChildren, forKey: .leftChildren)
        try c.encode(rightChildren, forKey: .rightChildren)
        try c.encode(leafValues, forKey: .leafValues)
        try c.encode(trainingLogLoss, forKey: .trainingLogLoss)
        try c.encode(spec, forKey: .spec)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        do {
            try self.init(
                featureCount: c.decode(Int.self, forKey: .featureCount),
                initialScore: c.decode(Double.self, forKey: .initialScore),
                treeOffsets: c.decode([Int].self, forKey: .treeOffsets),
                splitFeatures: c.decode([Int].self, forKey: .splitFeatures),
                thresholds: c.decode([Double].self, forKey: .thresholds),
                nanGoesLeft: c.decode([Bool].self, forKey: .nanGoesLeft),
                leftChildren: c.decode([Int].self, forKey: .leftChildren),
                rightChildren: c.decode([Int].self, forKey: .rightChildren),
                leafValues: c.decode([Double].self, forKey: .leafValues),
                trainingLogLoss: c.decodeIfPresent([Double].self, forKey: .trainingLogLoss) ?? [],
                spec: c.decode(GBTSpec.self, forKey: .spec))
        } catch let error as GBTError {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description,
                                                    underlyingError: error))
        }
    }
}
