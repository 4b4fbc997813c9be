import Foundation
import Logging
import ProtoBridge
import Synchronization

/// `serve --log-format json`: one JSON object per line on standard error, with `time`
/// (ISO 8601, UTC), `level`, `logger`, `message` and the metadata as string fields. What
/// is logged never holds a token, a PIN or a request body (the secrets test checks it).
struct JSONLogHandler: LogHandler {
    private static let output = Mutex(())
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.metadataProvider = metadataProvider
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        var fields: [(String, JSONValue)] = [
            (
                "time",
                .string(
                    Date().ISO8601Format(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
                )
            ),
            ("level", .string(event.level.rawValue)),
            ("logger", .string(label)),
            ("message", .string(event.message.description)),
        ]
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) { fields.append((key, .string(value.description))) }
        let line = JSONValue.object(fields).rendered() + "\n"
        Self.output.withLock { _ in FileHandle.standardError.write(Data(line.utf8)) }
    }

}
