import Forecast
import Foundation

/// Versioned model files under a models directory plus their rows in `model_versions`.
///
/// Layout: `<models>/<family>/<version>/<family>.safetensors`. A *version* is one training
/// run; it holds one file per family (`arima`, `lstm`, `hmm`). Files are written to a
/// temporary name in the same folder, flushed, then renamed — a reader never sees half a
/// file. Each row records the SHA-256 of the whole file; the safetensors metadata carries
/// the SHA-256 of the tensor data. A file failing either check is refused by `load`, and
/// `promote` refuses a version with any such file, so the promoted version keeps serving.
public struct ModelRegistry: Sendable {
    public let store: HeadroomStore
    /// The models directory (`models/`).
    public let directory: URL

    public init(store: HeadroomStore, directory: String) {
        self.store = store
        self.directory = URL(fileURLWithPath: directory, isDirectory: true)
    }

    /// A new version name: UTC time of day to the second plus a counter if taken,
    /// e.g. `20261124T213900Z`; sorts in creation order.
    public func newVersionName(now: Date = Date()) throws -> String {
        let base = TimestampParser.iso8601(Int64(now.timeIntervalSince1970))
            .replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
        var name = base
        var k = 1
        while try store.modelVersionExists(name) {
            k += 1
            name = "\(base)-\(k)"
        }
        return name
    }

    /// Writes one family's file of `version` atomically and registers it (status
    /// `candidate`). Returns the row.
    @discardableResult
    public func write(family: String, version: String, bundle: TensorBundle, trainingFrom: Int64?, trainingTo: Int64?,
                      metricsJSON: String?) throws -> ModelVersionRecord {
        let relative = "\(family)/\(version)/\(family).safetensors"
        let url = directory.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let bytes = Safetensors.encode(bundle)
        try Self.atomicWrite(bytes, to: url)
        let record = ModelVersionRecord(family: family, version: version, path: relative, sha256: Safetensors.hexDigest(bytes),
                                        createdAt: Int64(Date().timeIntervalSince1970), trainingFrom: trainingFrom,
                                        trainingTo: trainingTo, metrics: metricsJSON)
        return try store.insertModelVersion(record)
    }

    /// Reads and verifies one registered file.
    /// - Throws: `ModelFileError` naming the file: missing, checksum mismatch, or malformed.
    public func load(_ record: ModelVersionRecord) throws(ModelFileError) -> TensorBundle {
        let url = directory.appendingPathComponent(record.path)
        guard let data = FileManager.default.contents(atPath: url.path) else { throw .missing(path: url.path) }
        let bytes = [UInt8](data)
        let digest = Safetensors.hexDigest(bytes)
        guard digest == record.sha256 else { throw .checksumMismatch(path: url.path, expected: record.sha256, actual: digest) }
        do { return try Safetensors.decode(bytes) } catch { throw .malformed(path: url.path, reason: error.description) }
    }

    /// All registered files, newest first.
    public func list() throws -> [ModelVersionRecord] {
        try store.allModelVersions()
    }

    /// The promoted file of `family`, if any.
    public func promoted(family: String) throws -> ModelVersionRecord? {
        try store.promotedModelVersion(family: family)
    }

    /// The promoted version's name, if any.
    public func promotedVersion() throws -> String? {
        try store.promotedVersionName()
    }

    /// The newest version's name.
    public func latestVersion() throws -> String? {
        try store.latestVersionName()
    }

    /// Promotes every file of `version` after verifying each loads and `validate(version)`
    /// passes (the trainer passes `TrainedModels.validate`, which loads the version exactly
    /// as the scorer will); the previously promoted version becomes `retired`. Nothing
    /// changes when any file or the validation is refused.
    public func promote(version: String, now: Date = Date(), validate: (String) throws -> Void = { _ in }) throws {
        let files = try store.modelVersions(version: version)
        guard !files.isEmpty else { throw ModelFileError.unknownVersion(version) }
        for file in files { _ = try load(file) }
        try validate(version)
        let timestamp = Int64(now.timeIntervalSince1970)
        try store.promoteModelVersion(version, timestamp: timestamp, demoting: nil, to: .retired)
    }

    /// Every version that is or was promoted (and not rolled back), newest promotion first:
    /// the promoted one, then the retired ones by when they were promoted. What a scorer
    /// walks when the promoted version does not load.
    public func promotionHistory() throws -> [String] {
        try store.promotionHistory()
    }

    /// Re-promotes the most recent earlier promoted version that loads and passes
    /// `validate` (versions that do not are passed over, newest first, and stay `retired`);
    /// the current one is marked `rolled_back` (so a later rollback does not return to it).
    /// - Returns: the version now promoted.
    public func rollback(now: Date = Date(), validate: (String) throws -> Void = { _ in }) throws -> String {
        try rollbackReporting(now: now, validate: validate).version
    }

    /// `rollback` that also says which versions it passed over and why.
    public func rollbackReporting(now: Date = Date(), validate: (String) throws -> Void = { _ in })
        throws -> (version: String, refused: [(version: String, reason: String)]) {
        guard let current = try promotedVersion() else { throw ModelFileError.nothingToRollBack("no version is promoted") }
        let earlier = try promotionHistory().filter { $0 != current }
        guard !earlier.isEmpty else { throw ModelFileError.nothingToRollBack("version \(current) is the only one ever promoted") }
        var refused: [(version: String, reason: String)] = []
        for previous in earlier {
            do {
                let files = try store.modelVersions(version: previous)
                for file in files { _ = try load(file) }
                try validate(previous)
            } catch {
                refused.append((previous, "\(error)"))
                continue
            }
            let timestamp = Int64(now.timeIntervalSince1970)
            try store.promoteModelVersion(previous, timestamp: timestamp, demoting: current, to: .rolledBack)
            return (previous, refused)
        }
        throw ModelFileError.nothingToRollBack("no earlier promoted version loads: "
            + refused.map { "\($0.version) (\($0.reason))" }.joined(separator: "; "))
    }

    /// Writes `bytes` to `url` through a temporary file in the same folder, fsync, rename.
    public static func atomicWrite(_ bytes: [UInt8], to url: URL) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw ModelFileError.cannotWrite(path: temporary.path, reason: String(cString: strerror(errno)))
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            try handle.write(contentsOf: Data(bytes))
            try handle.synchronize()
            try handle.close()
            if rename(temporary.path, url.path) != 0 {
                throw ModelFileError.cannotWrite(path: url.path, reason: String(cString: strerror(errno)))
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }
}

/// Why a model file or version was refused.
public enum ModelFileError: Error, Equatable, CustomStringConvertible {
    case missing(path: String)
    case checksumMismatch(path: String, expected: String, actual: String)
    case malformed(path: String, reason: String)
    case unknownVersion(String)
    case nothingToRollBack(String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .missing(let path): "model file \(path) is missing; re-run training or roll back"
        case .checksumMismatch(let path, let expected, let actual):
            "model file \(path) is corrupt: its SHA-256 is \(actual.prefix(12))…, the registry recorded \(expected.prefix(12))…; it is refused"
        case .malformed(let path, let reason): "model file \(path) is refused: \(reason)"
        case .unknownVersion(let version): "no model version \"\(version)\"; list them with `headroom-trainer models list`"
        case .nothingToRollBack(let why): "nothing to roll back to: \(why)"
        case .cannotWrite(let path, let reason): "cannot write \(path): \(reason)"
        }
    }
}
