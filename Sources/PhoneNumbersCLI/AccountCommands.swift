import ArgumentParser
import PhoneNumbersClient
import ProtoBridge

/// `phone-numbers accounts create|show` (create: operator).
struct AccountsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "accounts", abstract: "Accounts.", subcommands: [Create.self, Show.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an account (operator).")
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Option(help: "The organisation's name.") var name: String
        @Option(help: "ISO country code, e.g. US.") var country = "US"

        func run() async throws {
            var request = CreateAccountRequest()
            request.name = name
            request.country = country
            try await call(client, AccountsMethods.createAccount, request) { $0.id }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the account.")
        @OptionGroup(title: "Connection Options") var client: ClientOptions

        func run() async throws {
            try await call(client, AccountsMethods.getAccount, client.request(), text: details)
        }
    }
}

/// `phone-numbers members add|list` (add: operator).
struct MembersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "members",
        abstract: "Members of an account.",
        subcommands: [Add.self, List.self, SetRole.self, Remove.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a member (operator).")
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Option(help: "The member's name.") var name: String
        @Option(help: "The member's email.") var email = ""
        @Option(help: "The member's role.") var role: Role

        func run() async throws {
            var request: AddMemberRequest = client.request()
            request.name = name
            request.email = email
            request.role = role
            try await call(client, AccountsMethods.addMember, request) { $0.id }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the account's members.")
        @OptionGroup(title: "Connection Options") var client: ClientOptions

        func run() async throws {
            try await call(client, AccountsMethods.listMembers, client.request()) { response in
                table(
                    ["ID", "ROLE", "NAME", "EMAIL"],
                    response.members.map { [$0.id, displayName($0.role.protoName), $0.name, $0.email] }
                )
            }
        }
    }
}

extension MembersCommand {
    struct SetRole: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-role",
            abstract: "Give a member another role (owner); takes effect on their next call."
        )
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Argument(help: "The member's id.") var id: String
        @Option(help: "The new role.") var role: Role

        func run() async throws {
            var request: SetMemberRoleRequest = client.request()
            request.memberId = id
            request.role = role
            try await call(client, AccountsMethods.setMemberRole, request) { "\($0.id) is now \(displayName($0.role.protoName))" }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a member (owner); their tokens stop working at once.")
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Argument(help: "The member's id.") var id: String

        func run() async throws {
            var request: RemoveMemberRequest = client.request()
            request.memberId = id
            try await call(client, AccountsMethods.removeMember, request) { "\($0.id) removed; their tokens are revoked" }
        }
    }
}

/// `phone-numbers tokens issue|list|revoke|rotate`.
struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "Credentials: issue (operator), list, revoke and rotate (owner, operator).",
        subcommands: [Issue.self, List.self, Revoke.self, Rotate.self]
    )

    static let header = ["ID", "KIND", "FOR", "STATE", "EXPIRES", "LAST USED", "REVOKED", "ISSUED BY"]

    static func row(_ token: TokenInfo) -> [String] {
        let grants = token.grants.map { displayName($0.protoName) }.joined(separator: ",")
        let subject = token.kind == "service" ? "\(token.serviceName) (\(grants))" : token.memberId
        return [
            token.id, token.kind, subject.isEmpty ? "-" : subject, token.state, isoTime(token.expiresAtMs) ?? "never",
            isoTime(token.lastUsedAtMs) ?? "-", isoTime(token.revokedAtMs) ?? "-", token.issuedBy,
        ]
    }

    static func describe(_ token: TokenInfo) -> String {
        table(header, [row(token)])
    }

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a token for a member or an internal service (operator). Printed once."
        )
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Option(help: "The member the token acts as.") var member = ""
        @Option(help: "The internal service the token stands for.") var service = ""
        @Option(name: .customLong("grant"), help: "What the service may do (repeatable).") var grants: [Grant] = []
        @Option(help: "How long the token works, 1ms to 10 years, e.g. 90d, 12h (default: until revoked).") var expiresIn: DurationArgument?

        func run() async throws {
            var request = IssueTokenRequest()
            request.memberId = member
            request.serviceName = service
            request.grants = grants
            if let expiresIn {
                // On the wire 0 means "until revoked": an expiry that rounds to 0 ms is refused here, not sent as that.
                guard expiresIn.duration.milliseconds > 0 else {
                    let refusal = RPCError(
                        code: .invalidArgument,
                        message: "--expires-in is between 1ms and 10 years; leave it out for a token that works until revoked",
                        details: ErrorDetails(reason: "INVALID_EXPIRY", domain: "phonenumbers.v1")
                    )
                    throw report(refusal, client, server: "")
                }
                request.expiresInMs = expiresIn.duration.milliseconds
            }
            try await call(client, AccountsMethods.issueToken, request) { $0.token }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the account's tokens (never their secrets); the operator without --account: service and operator tokens."
        )
        @OptionGroup(title: "Connection Options") var client: ClientOptions

        func run() async throws {
            try await call(client, AccountsMethods.listTokens, client.request()) {
                table(TokensCommand.header, $0.tokens.map(TokensCommand.row))
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token; the next call with it is refused (TOKEN_REVOKED).")
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Argument(help: "The token's id (tok_…), as `tokens list` shows it.") var id: String

        func run() async throws {
            var request: RevokeTokenRequest = client.request()
            request.tokenId = id
            try await call(client, AccountsMethods.revokeToken, request, text: TokensCommand.describe)
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a new token for the same member or service; the old one works for the grace period, then is revoked."
        )
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Argument(help: "The token's id (tok_…).") var id: String
        @Option(help: "How long the old token keeps working, e.g. 1h (at most 30d).") var grace = DurationArgument(.zero)

        func run() async throws {
            var request: RotateTokenRequest = client.request()
            request.tokenId = id
            request.gracePeriodMs = grace.duration.milliseconds
            try await call(client, AccountsMethods.rotateToken, request) { response in
                let until = isoTime(response.oldToken?.revokedAtMs ?? 0) ?? "now"
                return "\(response.token)\n(new token \(response.newToken?.id ?? ""); \(response.oldToken?.id ?? "") works until \(until))"
            }
        }
    }
}

/// `phone-numbers whoami`.
struct WhoAmICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "whoami", abstract: "Show who the token stands for.")
    @OptionGroup(title: "Connection Options") var client: ClientOptions

    func run() async throws {
        try await call(client, AccountsMethods.whoAmI, WhoAmIRequest(), text: details)
    }
}
