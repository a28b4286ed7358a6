import Forecast

/// The trace formats `headroom-trainer import --format NAME` reads. Conversions to the
/// shared resource vector are documented per format in `datasets/README.md` and on each
/// parser type.
public enum TraceFormat: String, CaseIterable, Sendable, Codable {
    /// Bitbrains GWA-T-12 (`fastStorage`/`Rnd`) per-VM CSVs, `;\t`-separated.
    case bitbrains
    /// Alibaba cluster-trace-v2018 `machine_usage.csv`.
    case alibabaMachine = "alibaba-machine"
    /// Alibaba cluster-trace-v2018 `container_usage.csv`.
    case alibabaContainer = "alibaba-container"
    /// Google clusterdata-2011 per-job aggregate files: `cpu% mem%` per 5-minute row.
    case googleGCD = "google-gcd"
    /// Azure Public Dataset V1, wide: `timestamp,<vm id>,…`, CPU % per VM per row.
    case azureV1 = "azure-v1"
    /// NAB / AWS CloudWatch `timestamp,value`.
    case nab
    /// Generic long CSV: `workload,timestamp,resource,value` (header required).
    case generic

    /// Whether the format's workloads are virtual machines, which every hypervisor can
    /// checkpoint and live-migrate: imported workloads of these formats are marked
    /// `checkpointable` and `liveMigratable` (containers and jobs are not, unless a
    /// `limits` file or the agent says so).
    public var describesVirtualMachines: Bool { self == .bitbrains || self == .azureV1 }
}

/// Per-import conversion settings for traces that give percentages or index rows.
public struct ImportOptions: Sendable, Equatable {
    /// Prepended to every workload name.
    public var prefix: String = ""
    /// With `true`, malformed rows are skipped and counted; otherwise they fail the file.
    public var skipInvalid: Bool = false
    /// Unix seconds of the trace's time zero, for formats whose timestamps are relative
    /// (Alibaba) or absent (Azure V1 row index, Google GCD row number). Default 0.
    public var epoch: Int64 = 0
    /// Seconds between rows for formats without timestamps, and the period that NAB
    /// byte counts are summed over (CloudWatch 5-minute sums → bytes per second). 300.
    public var intervalSeconds: Int64 = 300
    /// What 100 % CPU means, in cores, for percentage traces. Default 1: values are then
    /// fractions of the machine and the limit is 1.
    public var cpuCapacityCores: Double = 1
    /// What 100 % memory means, in bytes, for percentage traces. Default 1 (fractions).
    public var memoryCapacityBytes: Double = 1
    /// What 100 % of Alibaba's normalised network traffic means, in bytes per second.
    /// Default 1 (fractions).
    public var networkCapacityBytesPerSecond: Double = 1
    /// The metric of NAB files, when their names do not tell it.
    public var nabMetric: NABMetric? = nil

    public init() {}

    /// Longest `intervalSeconds`: 366 days. A trace with one row a year is not a
    /// utilisation series, and the bound keeps `epoch + row × interval` far from overflow
    /// for any file of fewer than 10⁸ rows before 2100 (where `InputRules` stops it anyway).
    public static let maximumIntervalSeconds: Int64 = 366 * 86_400

    /// Why these options cannot import anything, or nil: `epoch` within `InputRules`' import
    /// range, `1 ≤ intervalSeconds ≤ maximumIntervalSeconds`, capacities finite, > 0 and
    /// within `InputRules.maximumValue`, the prefix free of control characters and at
    /// most `InputRules.maximumNameBytes` long. The message names the command-line option.
    public func violation() -> String? {
        if InputRules.importTimestampViolation(epoch) != nil {
            return "--epoch: expected a time from 1970-01-01 up to 2099-12-31 (Unix seconds 0 … 4102444799), got \(epoch)"
        }
        guard intervalSeconds >= 1, intervalSeconds <= Self.maximumIntervalSeconds else {
            return "--interval: expected 1 … \(Self.maximumIntervalSeconds) seconds (366 days), got \(intervalSeconds)"
        }
        for (option, value, resource) in [("--cpu-cores", cpuCapacityCores, Resource.cpuCores),
                                          ("--memory-bytes", memoryCapacityBytes, .memoryBytes),
                                          ("--network-bytes-per-second", networkCapacityBytesPerSecond, .networkReceiveBytesPerSecond)] {
            guard value > 0, InputRules.valueViolation(value, resource: resource) == nil else {
                return "\(option): expected a number > 0 and ≤ \(InputRules.maximumValue(resource)), got \(value)"
            }
        }
        if !prefix.isEmpty, let violation = InputRules.nameViolation(prefix) {
            return "--prefix: expected \(violation.expected), found \(violation.found)"
        }
        return nil
    }
}

/// What a NAB/CloudWatch series measures, and where it goes in the resource vector.
public enum NABMetric: String, CaseIterable, Sendable {
    case cpuPercent = "cpu_percent"
    case diskReadBytes = "disk_read_bytes"
    case diskWriteBytes = "disk_write_bytes"
    case networkInBytes = "network_in_bytes"
    case networkOutBytes = "network_out_bytes"

    /// Infers the metric from a NAB file name (`ec2_cpu_utilization_…`, `…disk_write_bytes…`).
    public static func infer(fromFileName name: String) -> NABMetric? {
        let lower = name.lowercased()
        if lower.contains("cpu_utilization") || lower.contains("cpuutilization") { return .cpuPercent }
        if lower.contains("disk_write_bytes") || lower.contains("diskwritebytes") { return .diskWriteBytes }
        if lower.contains("disk_read_bytes") || lower.contains("diskreadbytes") { return .diskReadBytes }
        if lower.contains("network_in") || lower.contains("networkin") { return .networkInBytes }
        if lower.contains("network_out") || lower.contains("networkout") { return .networkOutBytes }
        return nil
    }
}
