import Foundation
import Hummingbird
import Wire

extension CommandReportBody {
    /// The usual shape, for messages.
    static let shape = "{\"state\": \"running\"|\"done\"|\"failed\", \"steps\": [...]}"

    /// Decodes a `POST /v1/agents/{pop}/commands/{id}` body strictly.
    /// - Throws: `HTTPError` 400 naming the field and what was expected.
    public static func parse(_ body: ByteBuffer) throws -> CommandReportBody {
        do {
            return try JSONDecoder().decode(CommandReportBody.self, from: Data(buffer: body))
        } catch let error as WireError {
            throw HTTPError(.badRequest, message: error.message)
        } catch let DecodingError.dataCorrupted(context) where context.underlyingError is WireError {
            throw HTTPError(.badRequest, message: (context.underlyingError as? WireError)?.message ?? "\(context.debugDescription)")
        } catch let DecodingError.keyNotFound(key, _) {
            throw HTTPError(.badRequest, message: "\(key.stringValue): missing; expected \(shape)")
        } catch let DecodingError.typeMismatch(type, context) where !context.codingPath.isEmpty {
            throw HTTPError(.badRequest, message: "\(WirePath.text(context.codingPath)): expected \(WirePath.describe(type))")
        } catch {
            throw HTTPError(.badRequest, message: "body is not a command acknowledgement \(shape)")
        }
    }
}
