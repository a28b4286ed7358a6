/// The fixed resource vector every trace is converted into (DESIGN.md, "Data model").
///
/// Units are SI and are part of each name: cores (1.0 = one CPU core fully busy), bytes,
/// bytes per second. The raw value is the column index used in every row-major
/// `count × Resource.count` array of the project.
public enum Resource: Int, CaseIterable, Sendable, Codable, Hashable, CustomStringConvertible {
    case cpuCores = 0
    case memoryBytes = 1
    case diskReadBytesPerSecond = 2
    case diskWriteBytesPerSecond = 3
    case networkReceiveBytesPerSecond = 4
    case networkTransmitBytesPerSecond = 5

    /// Number of resources (the width of every sample row): 6.
    public static let count = 6

    /// The snake_case name used in the store's columns, CSV headers and JSON
    /// (`cpu_cores`, `memory_bytes`, …).
    public var snakeCaseName: String {
        switch self {
        case .cpuCores: "cpu_cores"
        case .memoryBytes: "memory_bytes"
        case .diskReadBytesPerSecond: "disk_read_bytes_per_second"
        case .diskWriteBytesPerSecond: "disk_write_bytes_per_second"
        case .networkReceiveBytesPerSecond: "network_receive_bytes_per_second"
        case .networkTransmitBytesPerSecond: "network_transmit_bytes_per_second"
        }
    }

    public var description: String { snakeCaseName }

    /// Looks a resource up by its snake_case name; `nil` for anything else.
    public init?(snakeCaseName: String) {
        guard let match = Resource.allCases.first(where: { $0.snakeCaseName == snakeCaseName }) else { return nil }
        self = match
    }
}

/// One value per `Resource`, in SI units. `NaN` means "not measured" for usage and
/// "no limit" for limits (a trace rarely has all six; SQLite stores it as NULL).
public struct ResourceVector: Sendable, Hashable {
    public var cpuCores: Double
    public var memoryBytes: Double
    public var diskReadBytesPerSecond: Double
    public var diskWriteBytesPerSecond: Double
    public var networkReceiveBytesPerSecond: Double
    public var networkTransmitBytesPerSecond: Double

    public init(
        cpuCores: Double = .nan, memoryBytes: Double = .nan,
        diskReadBytesPerSecond: Double = .nan, diskWriteBytesPerSecond: Double = .nan,
        networkReceiveBytesPerSecond: Double = .nan, networkTransmitBytesPerSecond: Double = .nan
    ) {
        self.cpuCores = cpuCores
        self.memoryBytes = memoryBytes
        self.diskReadBytesPerSecond = diskReadBytesPerSecond
        self.diskWriteBytesPerSecond = diskWriteBytesPerSecond
        self.networkReceiveBytesPerSecond = networkReceiveBytesPerSecond
        self.networkTransmitBytesPerSecond = networkTransmitBytesPerSecond
    }

    /// A vector with every resource absent (all `NaN`).
    public static let absent = ResourceVector()

    /// Builds a vector from `Resource.count` values in `Resource` order.
    public init(_ values: [Double]) {
        precondition(values.count == Resource.count, "ResourceVector needs \(Resource.count) values, got \(values.count)")
        self.init(
            cpuCores: values[0], memoryBytes: values[1], diskReadBytesPerSecond: values[2],
            diskWriteBytesPerSecond: values[3], networkReceiveBytesPerSecond: values[4],
            networkTransmitBytesPerSecond: values[5])
    }

    public subscript(resource: Resource) -> Double {
        get {
            switch resource {
            case .cpuCores: cpuCores
            case .memoryBytes: memoryBytes
            case .diskReadBytesPerSecond: diskReadBytesPerSecond
            case .diskWriteBytesPerSecond: diskWriteBytesPerSecond
            case .networkReceiveBytesPerSecond: networkReceiveBytesPerSecond
            case .networkTransmitBytesPerSecond: networkTransmitBytesPerSecond
            }
        }
        set {
            switch resource {
            case .cpuCores: cpuCores = newValue
            case .memoryBytes: memoryBytes = newValue
            case .diskReadBytesPerSecond: diskReadBytesPerSecond = newValue
            case .diskWriteBytesPerSecond: diskWriteBytesPerSecond = newValue
            case .networkReceiveBytesPerSecond: networkReceiveBytesPerSecond = newValue
            case .networkTransmitBytesPerSecond: networkTransmitBytesPerSecond = newValue
            }
        }
    }

    /// The values in `Resource` order.
    public var values: [Double] { Resource.allCases.map { self[$0] } }

    /// True when at least one resource has a value.
    public var hasAnyValue: Bool { Resource.allCases.contains { !self[$0].isNaN } }

    /// `NaN`-aware equality: two absent values are equal.
    public static func == (lhs: ResourceVector, rhs: ResourceVector) -> Bool {
        Resource.allCases.allSatisfy { r in
            let a = lhs[r], b = rhs[r]
            return (a.isNaN && b.isNaN) || a == b
        }
    }

    public func hash(into hasher: inout Hasher) {
        for r in Resource.allCases { hasher.combine(self[r].isNaN ? Double.infinity : self[r]) }
    }
}
