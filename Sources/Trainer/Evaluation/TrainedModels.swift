import Forecast
import Store

/// The typed models of one version, loaded from its verified files.
struct TrainedModels {
    static let candidateName = "candidate"
    var version: String
    var bundles: [String: TensorBundle]

    static func load(registry: ModelRegistry, version: String) throws -> TrainedModels {
        let files = try registry.list().filter { $0.version == version }
        guard !files.isEmpty else { throw ModelFileError.unknownVersion(version) }
        var bundles: [String: TensorBundle] = [:]
        for file in files { bundles[file.family] = try registry.load(file) }
        return TrainedModels(version: version, bundles: bundles)
    }

    func forecasters() throws -> [any WorkloadForecaster] { [] }
}
