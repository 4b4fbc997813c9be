import Foundation

/// Where the page sends people for what it does not do itself: the Brand Registration and
/// Use Case forms, and support (`serve --registration-url`, `--support-url`). Served to the
/// page as `/page-config.json`; without them it names the command-line flows instead.
public struct PageLinks: Sendable, Hashable, Codable {
    /// The Brand Registration and Use Case forms.
    public var registrationURL: String?
    /// Support: an `https:` page or a `mailto:` address.
    public var supportURL: String?

    /// - Throws: `PageLinks.Invalid` for a link that is not http(s) or mailto.
    public init(registrationURL: String? = nil, supportURL: String? = nil) throws {
        for link in [registrationURL, supportURL].compactMap({ $0 }) {
            guard let scheme = URL(string: link)?.scheme?.lowercased(), ["https", "http", "mailto"].contains(scheme) else {
                throw Invalid(link: link)
            }
        }
        self.registrationURL = registrationURL
        self.supportURL = supportURL
    }

    /// A link the page would not follow.
    public struct Invalid: Error, CustomStringConvertible {
        public let link: String
        public var description: String { "\(link) is not an https:, http: or mailto: link" }
    }

    enum CodingKeys: String, CodingKey {
        case registrationURL = "registrationUrl"
        case supportURL = "supportUrl"
    }
}
