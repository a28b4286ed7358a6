import Foundation
import Resources

/// The scorers that share a fleet, one per shard: shard i (its URL is `urls[i]`) owns the
/// workloads `WorkloadShard` assigns to i of `urls.count`. The agent sends each workload's
/// samples to its owner and pulls commands from every scorer; a scorer answers a request for
/// another shard's workloads with their owners from this list.
public struct ScorerShards: Sendable, Equatable {
    /// Base URLs by shard index (`http://host:port`), at least one.
    public let urls: [String]

    public init(urls: [String]) { self.urls = urls }

    public var count: Int { urls.count }

    /// The shard that owns `workload`.
    public func shard(of workload: String) -> Int { WorkloadShard.index(of: workload, count: urls.count) }

    /// The URL of the scorer that owns `workload`.
    public func url(of workload: String) -> String { urls[shard(of: workload)] }

    /// Whether `text` is an http(s) URL with a host.
    public static func isBaseURL(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else { return false }
        return true
    }
}
