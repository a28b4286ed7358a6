import Foundation

/// Model-file form of `LSTMModel`. Tensors (F32, PyTorch names and shapes, so a PyTorch
/// module with attributes `lstm = nn.LSTM(F, H, batch_first=True)` and `head = nn.Linear(H, O)`
/// loads them with `load_state_dict` after stripping `prefix`):
///
///     <prefix>lstm.weight_ih_l0 [4H, F]   <prefix>lstm.weight_hh_l0 [4H, H]
///     <prefix>lstm.bias_ih_l0   [4H]      <prefix>lstm.bias_hh_l0   [4H]
///     <prefix>head.weight       [O, H]    <prefix>head.bias         [O]
///
/// and metadata `<prefix>spec`: the `LSTMSpec` as JSON (sorted keys), which fixes F, H, O
/// and the meaning of the outputs (horizon × resources × quantiles), including
/// `residualToLastValue` (add the window's last scaled value of each resource to its
/// quantiles); a file written before that field existed decodes with it false.
extension LSTMModel: TensorCodable {
    public func encode(into bundle: inout TensorBundle, prefix: String) {
        let (f, h, g4, o) = (layout.inputFeatures, layout.hiddenSize, layout.gateWidth, layout.outputCount)
        bundle.set(prefix + "lstm.weight_ih_l0", floats: weightIH, shape: [g4, f])
        bundle.set(prefix + "lstm.weight_hh_l0", floats: weightHH, shape: [g4, h])
        bundle.set(prefix + "lstm.bias_ih_l0", floats: biasIH, shape: [g4])
        bundle.set(prefix + "lstm.bias_hh_l0", floats: biasHH, shape: [g4])
        bundle.set(prefix + "head.weight", floats: headWeight, shape: [o, h])
        bundle.set(prefix + "head.bias", floats: headBias, shape: [o])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding a struct of numbers, strings and arrays cannot fail.
        bundle.metadata[prefix + "spec"] = String(decoding: try! encoder.encode(spec), as: UTF8.self)
    }

    public init(from bundle: TensorBundle, prefix: String) throws {
        let specJSON = try bundle.meta(prefix + "spec")
        let spec: LSTMSpec
        do {
            spec = try JSONDecoder().decode(LSTMSpec.self, from: Data(specJSON.utf8))
        } catch {
            throw TensorBundleError.invalid("metadata \"\(prefix)spec\" is not an LSTM spec: \(error)")
        }
        do { try spec.validate() } catch { throw TensorBundleError.invalid("metadata \"\(prefix)spec\": \(error)") }
        let l = LSTMLayout(spec)
        let (f, h, g4, o) = (l.inputFeatures, l.hiddenSize, l.gateWidth, l.outputCount)
        func load(_ name: String, _ shape: [Int]) throws(TensorBundleError) -> [Float] {
            let tensor = try bundle.tensor(prefix + name)
            guard tensor.shape == shape else {
                throw .wrongShape(name: prefix + name, expected: "\(shape) (spec: F = \(f), H = \(h), O = \(o))", found: tensor.shape)
            }
            let values = try bundle.floats(prefix + name)
            // A NaN or infinite weight makes every forecast NaN: refused with the model.
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw .invalid("tensor \"\(prefix + name)\" holds \(values[bad]) at index \(bad); weights must be finite")
            }
            return values
        }
        try self.init(
            spec: spec, weightIH: load("lstm.weight_ih_l0", [g4, f]), weightHH: load("lstm.weight_hh_l0", [g4, h]),
            biasIH: load("lstm.bias_ih_l0", [g4]), biasHH: load("lstm.bias_hh_l0", [g4]),
            headWeight: load("head.weight", [o, h]), headBias: load("head.bias", [o]))
    }
}

/// JSON/plist form of `LSTMModel` (DESIGN.md: fitted models are Codable values): the spec and
/// the six weight arrays in PyTorch layout (`weightIH`, `weightHH`, `biasIH`, `biasHH`,
/// `headWeight`, `headBias`). Model files use the safetensors form above; this one is for
/// tests, fixtures and small tools.
extension LSTMModel: Codable {
    private enum CodingKeys: String, CodingKey {
        case spec, weightIH, weightHH, biasIH, biasHH, headWeight, headBias
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        do {
            try self.init(
                spec: c.decode(LSTMSpec.self, forKey: .spec), weightIH: c.decode([Float].self, forKey: .weightIH),
                weightHH: c.decode([Float].self, forKey: .weightHH), biasIH: c.decode([Float].self, forKey: .biasIH),
                biasHH: c.decode([Float].self, forKey: .biasHH), headWeight: c.decode([Float].self, forKey: .headWeight),
                headBias: c.decode([Float].self, forKey: .headBias))
        } catch let error as LSTMError {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(spec, forKey: .spec)
        try c.encode(weightIH, forKey: .weightIH)
        try c.encode(weightHH, forKey: .weightHH)
        try c.encode(biasIH, forKey: .biasIH)
        try c.encode(biasHH, forKey: .biasHH)
        try c.encode(headWeight, forKey: .headWeight)
        try c.encode(headBias, forKey: .headBias)
    }
}
