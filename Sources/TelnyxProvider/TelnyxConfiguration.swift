import Foundation

/// How the service reaches a Telnyx account.
public struct TelnyxConfiguration: Sendable {
    /// The API's base URL (`https://api.telnyx.com/v2`; an emulator's in tests).
    public var baseURL: URL
    /// The API key (a bearer token). Read from a file or the environment, never a flag.
    public var apiKey: String
    /// The messaging profile every number joins before its 10DLC campaign assignment.
    public var messagingProfileID: String
    /// The Telnyx 10DLC campaign of each of the service's use cases (`uc_…` → campaign id).
    public var campaigns: [String: String]
    /// The Telnyx brand of each account's brand registration (account id → brand id).
    public var brands: [String: String]
    /// Each HTTP call's time limit.
    public var requestTimeout: Duration
    /// How retries of rate-limited and failing calls are spread.
    public var retry: RetryPolicy
    /// How long to wait before asking again about a pending order or assignment.
    public var pollInterval: Duration
    /// How long an area code's "has numbers" answer is reused for the area-code list.
    public var inventoryCacheLifetime: Duration

    public init(
        baseURL: URL = URL(string: "https://api.telnyx.com/v2")!,
        apiKey: String,
        messagingProfileID: String,
        campaigns: [String: String],
        brands: [String: String] = [:],
        requestTimeout: Duration = .seconds(10),
        retry: RetryPolicy = RetryPolicy(),
        pollInterval: Duration = .seconds(15),
        inventoryCacheLifetime: Duration = .seconds(300)
    ) {
        self.inventoryCacheLifetime = inventoryCacheLifetime
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.messagingProfileID = messagingProfileID
        self.campaigns = campaigns
        self.brands = brands
        self.requestTimeout = requestTimeout
        self.retry = retry
        self.pollInterval = pollInterval
    }

    /// Why a configuration could not be read.
    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// The API key from `TELNYX_API_KEY_FILE` (a file holding it) or `TELNYX_API_KEY`.
    public static func apiKey(from environment: [String: String]) throws -> String {
        if let path = environment["TELNYX_API_KEY_FILE"], !path.isEmpty {
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw Invalid(description: "TELNYX_API_KEY_FILE names \(path), which cannot be read")
            }
            let key = String(decoding: contents, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !key.isEmpty else { throw Invalid(description: "TELNYX_API_KEY_FILE names an empty file") }
            return key
        }
        if let key = environment["TELNYX_API_KEY"]?.trimmingCharacters(in: .whitespacesAndNewlines), !key.isEmpty { return key }
        throw Invalid(description: "--provider telnyx needs the API key in TELNYX_API_KEY_FILE (a file) or TELNYX_API_KEY")
    }

    /// `KEY=VALUE` pairs (as given to `--telnyx-campaign uc_1=CAMP1`) as a dictionary.
    public static func pairs(_ items: [String], option: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for item in items {
            let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw Invalid(description: "\(option) takes ID=TELNYX_ID, not \"\(item)\"")
            }
            result[parts[0]] = parts[1]
        }
        return result
    }
}

extension TelnyxConfiguration: CustomStringConvertible {
    /// Everything but the API key, which is never printed.
    public var description: String {
        "TelnyxConfiguration(baseURL: \(baseURL), apiKey: <redacted>, messagingProfileID: \(messagingProfileID), campaigns: \(campaigns.count), brands: \(brands.count))"
    }
}
