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
        subcommands: [Add.self, List.self]
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

/// `phone-numbers tokens issue` (operator).
struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokens", abstract: "Credentials.", subcommands: [Issue.self])

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a token for a member or an internal service (operator). Printed once."
        )
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Option(help: "The member the token acts as.") var member = ""
        @Option(help: "The internal service the token stands for.") var service = ""
        @Option(name: .customLong("grant"), help: "What the service may do (repeatable).") var grants: [Grant] = []

        func run() async throws {
            var request = IssueTokenRequest()
            request.memberId = member
            request.serviceName = service
            request.grants = grants
            try await call(client, AccountsMethods.issueToken, request) { $0.token }
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
