import Forecast
import Foundation
import Models
import Resources
import Store

/// Sharded training (see `TrainingRun`): `runShard` writes one part of a version,
/// `merge` completes it.
extension TrainingRun {
    /// Metadata keys of a part file.
    enum PartKey {
        static let version = "part_of_version", shard = "shard", from = "training_from_unix", until = "training_to_unix"
        static let profile = "profile", selection = "selection", workloads = "workloads"
        static let arimaSkipped = "arima_skipped", hmmSkipped = "hmm_skipped"
    }

    /// `<models>/parts/<version>/`: where the parts of a sharded version wait for the merge.
    static func partsDirectory(_ registry: ModelRegistry, version: String) -> URL {
        registry.directory.appendingPathComponent("parts/\(version)", isDirectory: true)
    }

    static func partFile(_ registry: ModelRegistry, version: String, family: String, shard: WorkloadShard) -> URL {
        partsDirectory(registry, version: version).appendingPathComponent("\(family)-\(shard.index)-of-\(shard.count).safetensors")
    }

    /// A version name given on the command line: letters, digits, '.', '_' and '-', not
    /// starting with '.' or '-', at most 64 characters (it names folders).
    static func validVersionName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 64, first != ".", first != "-" else { return false }
        return name.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "._-".unicodeScalars.contains($0) }
    }

    /// The run's workloads with samples in the window, in the order a whole run fits them,
    /// each with its HMM seed (42 + its place in that order), whichever shard fits it.
    private func seeds(from: Int64) throws -> [String: UInt64] {
        let names = try registry.store.workloadsWithSamples(from: from, to: until).filter { workloads?.contains($0) ?? true }
        return Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, 42 &+ UInt64($0)) })
    }

    /// Fits this shard's per-workload models and writes them as its part of the version.
    func runShard(fresh: Bool) throws -> ShardOutcome {
        guard let (shard, version) = self.shard else { throw ValidationFailure("runShard needs a shard") }
        guard try registry.list().allSatisfy({ $0.version != version }) else {
            throw ValidationFailure("version \(version) is already registered; shards add parts to a version that `train --merge` has not completed yet: choose a new --version")
        }
        let fm = FileManager.default
        if fresh { try? fm.removeItem(at: workDirectory) }
        try fm.createDirectory(at: workDirectory.appendingPathComponent("arima"), withIntermediateDirectories: true)
        try fm.createDirectory(at: workDirectory.appendingPathComponent("hmm"), withIntermediateDirectories: true)
        let from = until - Int64(profile.windowDays) * 86_400
        let seedOf = try seeds(from: from)
        let mine = Set(seedOf.keys.filter(shard.owns))
        let histories = try TrainingData.load(store: registry.store, from: from, until: until, only: mine)
        log("training shard \(shard) of \(version) (\(profile.name)): \(histories.count) of \(seedOf.count) workloads, \(TimestampParser.iso8601(from)) … \(TimestampParser.iso8601(until))")
        let fitted = try fitPerWorkload(histories, seeds: histories.map { seedOf[$0.name] ?? 42 })

        var metadata = [PartKey.version: version, PartKey.shard: shard.description, PartKey.from: String(from),
                        PartKey.until: String(until), PartKey.profile: profile.name,
                        PartKey.selection: JSONText.encode(workloads.map { $0.sorted() } ?? []),
                        PartKey.workloads: JSONText.encode(histories.map(\.name)),
                        PartKey.arimaSkipped: String(fitted.arimaSkipped), PartKey.hmmSkipped: String(fitted.hmmSkipped)]
        metadata["kind"] = ARIMAModels.family
        var arimaBundle = TensorBundle(metadata: metadata)
        ARIMAModels.encode(fitted.arima, into: &arimaBundle)
        metadata["kind"] = BehaviourModels.family
        var hmmBundle = TensorBundle(metadata: metadata)
        BehaviourModels.encode(fitted.behaviour, into: &hmmBundle)
        let arimaURL = Self.partFile(registry, version: version, family: ARIMAModels.family, shard: shard)
        let hmmURL = Self.partFile(registry, version: version, family: BehaviourModels.family, shard: shard)
        try fm.createDirectory(at: Self.partsDirectory(registry, version: version), withIntermediateDirectories: true)
        // HMM first: the ARIMA part is the one the merge looks for, so a part is complete once it exists.
        try ModelRegistry.atomicWrite(Safetensors.encode(hmmBundle), to: hmmURL)
        try ModelRegistry.atomicWrite(Safetensors.encode(arimaBundle), to: arimaURL)
        try? fm.removeItem(at: workDirectory)
        return ShardOutcome(version: version, shard: shard, workloads: histories.count, arimaSeries: fitted.arima.count,
                            arimaSkipped: fitted.arimaSkipped, hmmWorkloads: fitted.behaviour.count, hmmSkipped: fitted.hmmSkipped,
                            parts: [arimaURL.path, hmmURL.path])
    }

    /// What the parts of a version agree on (read by `merge`).
    struct PartsManifest {
        var version: String
        var count: Int
        var from: Int64
        var until: Int64
        var profile: String
        var selection: Set<String>?
        /// Per shard, the workloads it fitted.
        var workloads: [[String]]
    }

    /// Reads the first part's manifest and checks that all `n` parts of both families are
    /// present and agree. - Throws: `ValidationFailure` naming the missing or disagreeing part.
    static func partsManifest(_ registry: ModelRegistry, version: String) throws -> (PartsManifest, [TensorBundle], [TensorBundle]) {
        let directory = partsDirectory(registry, version: version)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        guard let anyPart = names.sorted().first(where: { $0.hasPrefix("\(ARIMAModels.family)-") && $0.hasSuffix(".safetensors") }) else {
            throw ValidationFailure("no part of version \(version) in \(directory.path): run `headroom-trainer train --shard i/n --version \(version)` for every i first")
        }
        func read(_ url: URL) throws -> TensorBundle {
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw ValidationFailure("\(url.path) is missing")
            }
            do { return try Safetensors.decode([UInt8](data)) } catch {
                throw ValidationFailure("\(url.path) is not a readable part (\(error)); re-run its shard")
            }
        }
        let first = try read(directory.appendingPathComponent(anyPart))
        guard let shardText = first.metadata[PartKey.shard], let shard = try? WorkloadShard(parsing: shardText) else {
            throw ValidationFailure("\(anyPart) has no shard i/n in its metadata; re-run its shard")
        }
        let n = shard.count
        var arima: [TensorBundle] = [], hmm: [TensorBundle] = [], workloads: [[String]] = []
        var missing: [Int] = []
        for i in 0..<n {
            let s = try WorkloadShard(index: i, count: n)
            let a = partFile(registry, version: version, family: ARIMAModels.family, shard: s)
            let h = partFile(registry, version: version, family: BehaviourModels.family, shard: s)
            guard FileManager.default.fileExists(atPath: a.path), FileManager.default.fileExists(atPath: h.path) else {
                missing.append(i)
                continue
            }
            let (pa, ph) = (try read(a), try read(h))
            for (url, part) in [(a, pa), (h, ph)] {
                for key in [PartKey.version, PartKey.from, PartKey.until, PartKey.profile, PartKey.selection]
                where part.metadata[key] != first.metadata[key] {
                    throw ValidationFailure("\(url.lastPathComponent): \(key) is \(part.metadata[key] ?? "absent"), the other parts have \(first.metadata[key] ?? "absent"); every shard of a version must run with the same --until, --profile and --workloads")
                }
                guard part.metadata[PartKey.shard] == s.description else {
                    throw ValidationFailure("\(url.lastPathComponent) says it is shard \(part.metadata[PartKey.shard] ?? "?"), expected \(s)")
                }
            }
            guard let list = pa.metadata[PartKey.workloads].flatMap({ try? JSONDecoder().decode([String].self, from: Data($0.utf8)) }) else {
                throw ValidationFailure("\(a.lastPathComponent) does not list its workloads; re-run its shard")
            }
            arima.append(pa)
            hmm.append(ph)
            workloads.append(list)
        }
        guard missing.isEmpty else {
            throw ValidationFailure("version \(version) is not complete: part\(missing.count == 1 ? "" : "s") \(missing.map { "\($0)/\(n)" }.joined(separator: ", ")) missing in \(directory.path); run those shards, then merge")
        }
        guard let from = first.metadata[PartKey.from].flatMap(Int64.init), let until = first.metadata[PartKey.until].flatMap(Int64.init),
              let profile = first.metadata[PartKey.profile],
              let selection = first.metadata[PartKey.selection].flatMap({ try? JSONDecoder().decode([String].self, from: Data($0.utf8)) }) else {
            throw ValidationFailure("\(anyPart) lacks its training window, profile or selection; re-run its shard")
        }
        let manifest = PartsManifest(version: version, count: n, from: from, until: until, profile: profile,
                                     selection: selection.isEmpty ? nil : Set(selection), workloads: workloads)
        return (manifest, arima, hmm)
    }

    /// Completes a sharded version: every part in, the global parts fitted over every
    /// workload's history, the version registered; the parts are then removed.
    func merge(parts manifest: PartsManifest, arima: [TensorBundle], hmm: [TensorBundle], fresh: Bool) throws -> Outcome {
        guard try registry.list().allSatisfy({ $0.version != manifest.version }) else {
            throw ValidationFailure("version \(manifest.version) is already registered")
        }
        let fm = FileManager.default
        if fresh { try? fm.removeItem(at: workDirectory) }
        try fm.createDirectory(at: workDirectory, withIntermediateDirectories: true)
        let histories = try TrainingData.load(store: registry.store, from: manifest.from, until: manifest.until, only: workloads)
        guard !histories.isEmpty else {
            throw ValidationFailure("no samples between \(TimestampParser.iso8601(manifest.from)) and \(TimestampParser.iso8601(manifest.until)) any more")
        }
        // Every workload of the window must have been fitted by its shard (samples imported
        // into the window after a shard ran would leave it without models).
        for history in histories {
            let i = WorkloadShard.index(of: history.name, count: manifest.count)
            guard manifest.workloads[i].contains(history.name) else {
                throw ValidationFailure("workload \(history.name) has samples in the window but part \(i)/\(manifest.count) did not fit it (imported after that shard ran?); re-run shard \(i)/\(manifest.count) with --fresh")
            }
        }
        var byWorkload: [String: [SeriesARIMA]] = [:], behaviourByWorkload: [String: BehaviourModel] = [:]
        var fitted = PerWorkloadModels()
        for (a, h) in zip(arima, hmm) {
            for model in try ARIMAModels.decode(a) { byWorkload[model.workload, default: []].append(model) }
            for (name, model) in try BehaviourModels.decode(h) { behaviourByWorkload[name] = model }
            fitted.arimaSkipped += Int(a.metadata[PartKey.arimaSkipped] ?? "0") ?? 0
            fitted.hmmSkipped += Int(h.metadata[PartKey.hmmSkipped] ?? "0") ?? 0
        }
        // In the order a whole run fits them (its files list models in that order).
        for history in histories {
            fitted.arima += byWorkload[history.name] ?? []
            if let model = behaviourByWorkload[history.name] { fitted.behaviour.append(model) }
        }
        log("merging \(manifest.count) parts of \(manifest.version) (\(profile.name)): \(histories.count) workloads, \(fitted.arima.count) ARIMA series, \(fitted.behaviour.count) HMMs")
        let outcome = try finish(manifest: Manifest(version: manifest.version, from: manifest.from, until: manifest.until, profile: profile.name),
                                 histories: histories, fitted: fitted, resumed: false)
        try? fm.removeItem(at: Self.partsDirectory(registry, version: manifest.version))
        return outcome
    }
}
