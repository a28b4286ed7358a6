/// A set of named tensors plus string metadata: the in-memory form of a model file.
///
/// Tensors are row-major with a dtype and a shape. Fitted models turn themselves into a
/// bundle (`TensorCodable`) and back; `Safetensors` turns a bundle into bytes and back.
public struct TensorBundle: Sendable, Equatable {
    /// Element types (the safetensors dtype names).
    public enum DType: String, Sendable, Codable, CaseIterable {
        case f32 = "F32", f64 = "F64", i64 = "I64"
        public var byteCount: Int { self == .f32 ? 4 : 8 }
    }

    /// One tensor: raw little-endian bytes, `shape.reduce(1, *) × dtype.byteCount` long.
    public struct Tensor: Sendable, Equatable {
        public var dtype: DType
        public var shape: [Int]
        public var bytes: [UInt8]

        public init(dtype: DType, shape: [Int], bytes: [UInt8]) {
            precondition(bytes.count == shape.reduce(1, *) * dtype.byteCount, "tensor bytes do not match shape \(shape) × \(dtype)")
            self.dtype = dtype
            self.shape = shape
            self.bytes = bytes
        }

        public var elementCount: Int { shape.reduce(1, *) }
    }

    /// Tensors by name (names are unique; order in a file is by name).
    public private(set) var tensors: [String: Tensor] = [:]
    /// Free-form string metadata (safetensors `__metadata__` holds strings only).
    public var metadata: [String: String] = [:]

    public init(metadata: [String: String] = [:]) { self.metadata = metadata }

    public mutating func set(_ name: String, _ tensor: Tensor) { tensors[name] = tensor }

    public mutating func set(_ name: String, doubles: [Double], shape: [Int]? = nil) {
        let shape = shape ?? [doubles.count]
        precondition(shape.reduce(1, *) == doubles.count, "\(name): \(doubles.count) values for shape \(shape)")
        tensors[name] = Tensor(dtype: .f64, shape: shape, bytes: doubles.withUnsafeBytes { Array($0) })
    }

    public mutating func set(_ name: String, floats: [Float], shape: [Int]? = nil) {
        let shape = shape ?? [floats.count]
        precondition(shape.reduce(1, *) == floats.count, "\(name): \(floats.count) values for shape \(shape)")
        tensors[name] = Tensor(dtype: .f32, shape: shape, bytes: floats.withUnsafeBytes { Array($0) })
    }

    public mutating func set(_ name: String, ints: [Int64], shape: [Int]? = nil) {
        let shape = shape ?? [ints.count]
        precondition(shape.reduce(1, *) == ints.count, "\(name): \(ints.count) values for shape \(shape)")
        tensors[name] = Tensor(dtype: .i64, shape: shape, bytes: ints.withUnsafeBytes { Array($0) })
    }

    /// The tensor `name` as Doubles (F64 as stored; F32 widened).
    public func doubles(_ name: String) throws(TensorBundleError) -> [Double] {
        let t = try tensor(name)
        switch t.dtype {
        case .f64: return t.bytes.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
        case .f32: return t.bytes.withUnsafeBytes { $0.bindMemory(to: Float.self).map(Double.init) }
        case .i64: throw .wrongType(name: name, expected: "F64 or F32", found: t.dtype.rawValue)
        }
    }

    /// The tensor `name` as Floats (F32 as stored; F64 narrowed).
    public func floats(_ name: String) throws(TensorBundleError) -> [Float] {
        let t = try tensor(name)
        switch t.dtype {
        case .f32: return t.bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        case .f64: return t.bytes.withUnsafeBytes { $0.bindMemory(to: Double.self).map(Float.init) }
        case .i64: throw .wrongType(name: name, expected: "F32 or F64", found: t.dtype.rawValue)
        }
    }

    public func ints(_ name: String) throws(TensorBundleError) -> [Int64] {
        let t = try tensor(name)
        guard t.dtype == .i64 else { throw .wrongType(name: name, expected: "I64", found: t.dtype.rawValue) }
        return t.bytes.withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) }
    }

    public func tensor(_ name: String) throws(TensorBundleError) -> Tensor {
        guard let t = tensors[name] else { throw .missing(name: name) }
        return t
    }

    /// The metadata value `key`, or an error naming it.
    public func meta(_ key: String) throws(TensorBundleError) -> String {
        guard let value = metadata[key] else { throw .missingMetadata(key: key) }
        return value
    }
}

/// A bundle that lacks what a model needs.
public enum TensorBundleError: Error, Equatable, CustomStringConvertible {
    case missing(name: String)
    case wrongType(name: String, expected: String, found: String)
    case wrongShape(name: String, expected: String, found: [Int])
    case missingMetadata(key: String)
    case invalid(String)

    public var description: String {
        switch self {
        case .missing(let name): "model file has no tensor \"\(name)\""
        case .wrongType(let name, let expected, let found): "tensor \"\(name)\" is \(found), expected \(expected)"
        case .wrongShape(let name, let expected, let found): "tensor \"\(name)\" has shape \(found), expected \(expected)"
        case .missingMetadata(let key): "model file metadata has no \"\(key)\""
        case .invalid(let message): message
        }
    }
}

/// A fitted model that can be stored as tensors (and so as a safetensors file).
/// Tensor names are prefixed (`"arima.cpu_cores.ar"`) so several models share a bundle.
public protocol TensorCodable {
    /// Writes every number the model needs into `bundle` under `prefix`.
    func encode(into bundle: inout TensorBundle, prefix: String)
    /// Rebuilds the model; throws when a tensor is missing or has the wrong shape.
    init(from bundle: TensorBundle, prefix: String) throws
}
