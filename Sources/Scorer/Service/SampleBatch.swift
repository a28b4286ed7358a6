import Foundation
import Forecast
import Hummingbird
import Store

/// Parses `POST /v1/samples` bodies strictly: `{"samples":[{"workload":"w","timestamp":
/// 1375315200,"cpu_cores":1.5,"memory_bytes":2e9,…}]}` — resources by their snake_case
/// names, each optional (absent or null = not measured), no other keys. Every problem is a
/// 400 naming the sample and field; nothing is applied unless the whole batch parses.
enum SampleBatch {
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    struct Body: Decodable {
        var samples: [Item]
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            for key in container.allKeys where key.stringValue != "samples" {
                throw BatchError("unknown key \"\(key.stringValue)\" at the top level; expected only \"samples\"")
            }
            guard container.contains(Key(stringValue: "samples")) else { throw BatchError("expected an object {\"samples\": [...]}") }
            samples = try container.decode([Item].self, forKey: Key(stringValue: "samples"))
        }
    }

    struct Item: Decodable {
        var sample: IncomingSample
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            let resources = Dictionary(uniqueKeysWithValues: Resource.allCases.map { ($0.snakeCaseName, $0) })
            for key in container.allKeys where key.stringValue != "workload" && key.stringValue != "timestamp" && resources[key.stringValue] == nil {
                throw BatchError("\(SampleBatch.path(decoder.codingPath)): unknown field \"\(key.stringValue)\"; expected workload, timestamp and resource names (\(Resource.allCases.map(\.snakeCaseName).joined(separator: ", ")))")
            }
            let workload = try container.decode(String.self, forKey: Key(stringValue: "workload"))
            let timestamp = try container.decode(Int64.self, forKey: Key(stringValue: "timestamp"))
            var values = [Double](repeating: .nan, count: Resource.count)
            for resource in Resource.allCases {
                if let v = try container.decodeIfPresent(Double.self, forKey: Key(stringValue: resource.snakeCaseName)) { values[resource.rawValue] = v }
            }
            sample = IncomingSample(workload: workload, timestamp: timestamp, values: values)
        }
    }

    struct BatchError: Error { var message: String; init(_ m: String) { message = m } }

    static func parse(_ body: ByteBuffer, maxSamples: Int) throws -> [IncomingSample] {
        let decoded: Body
        do {
            decoded = try JSONDecoder().decode(Body.self, from: Data(buffer: body))
        } catch let error as BatchError {
            throw HTTPError(.badRequest, message: error.message)
        } catch let DecodingError.typeMismatch(type, context) {
            throw HTTPError(.badRequest, message: "\(path(context.codingPath)): expected \(describe(type))")
        } catch let DecodingError.keyNotFound(key, context) {
            throw HTTPError(.badRequest, message: "\(path(context.codingPath + [key])): missing")
        } catch let DecodingError.valueNotFound(type, context) {
            throw HTTPError(.badRequest, message: "\(path(context.codingPath)): expected \(describe(type)), got null")
        } catch let DecodingError.dataCorrupted(context) {
            if let underlying = context.underlyingError as? BatchError { throw HTTPError(.badRequest, message: "\(path(context.codingPath)): \(underlying.message)") }
            throw HTTPError(.badRequest, message: context.codingPath.isEmpty ? "body is not valid JSON" : "\(path(context.codingPath)): \(context.debugDescription)")
        } catch {
            throw HTTPError(.badRequest, message: "body is not a sample batch: \(error)")
        }
        guard decoded.samples.count <= maxSamples else {
            throw HTTPError(.contentTooLarge, message: "\(decoded.samples.count) samples in one batch; at most \(maxSamples)")
        }
        for (i, item) in decoded.samples.enumerated() {
            if let problem = HeadroomStore.problem(with: item.sample) { throw HTTPError(.badRequest, message: "samples[\(i)]: \(problem)") }
        }
        return decoded.samples.map(\.sample)
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
            .replacingOccurrences(of: ".[", with: "[")
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Int64.Type: "Unix seconds (an integer)"
        case is Double.Type: "a number ≥ 0"
        case is String.Type: "a string"
        default: "\(type)"
        }
    }
}
