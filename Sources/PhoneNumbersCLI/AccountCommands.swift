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
            try await withServer(client) { api in
                var request = CreateAccountRequest()
                request.name = name
                request.country = country
                let account = try await api.accounts.createAccount(request, options: client.callOptions)
                emit(account, client, account.id)
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the account.")
        @OptionGroup(title: "Connection Options") var client: ClientOptions

        func run() async throws {
            try await withServer(client) { api in
                var request = GetAccountRequest()
                request.accountId = client.account
                let account = try await api.accounts.getAccount(request, options: client.callOptions)
                emit(account, client, details(account))
            }
        }
    }
}

/// `phone-numbers members add|list` (add: operator).
struct MembersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "members", abstract: "Members of an account.", subcommands: [Add.self, List.self])
    static let roles: [Role] = [.owner, .admin, .supervisor, .texter]

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a member (operator).")
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Option(help: "The member's name.") var name: String
        @Option(help: "The member's email.") var email = ""
        @Option(help: "OWNER, ADMIN, SUPERVISOR or TEXTER.") var role: String

        func validate() throws { _ = try parseEnum(role, MembersCommand.roles, name: \.protoName, what: "role") }

        func run() async throws {
            let value = try parseEnum(role, MembersCommand.roles, name: \.protoName, what: "role")
            try await withServer(client) { api in
                var request = AddMemberRequest()
                request.accountId = client.account
                request.name = name
                request.email = email
                request.role = value
                let member = try await api.accounts.addMember(request, options: client.callOptions)
                emit(member, client, member.id)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the account's members.")
        @OptionGroup(title: "Connection Options") var client: ClientOptions

        func run() async throws {
            try await withServer(client) { api in
                var request = ListMembersRequest()
                request.accountId = client.account
                let response = try await api.accounts.listMembers(request, options: client.callOptions)
                emit(response, client, table(["ID", "ROLE", "NAME", "EMAIL"], response.members.map { [$0.id, displayName($0.role.protoName), $0.name, $0.email] }))
            }
        }
    }
}

/// `phone-numbers tokens issue` (operator).
struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokens", abstract: "Credentials.", subcommands: [Issue.self])
    static let grants: [Grant] = [.read, .manageNumbers, .launchCampaigns, .portOutRelay]

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issue a token for a member or an internal service (operator). Printed once.")
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Option(help: "The member the token acts as.") var member = ""
        @Option(help: "The internal service the token stands for.") var service = ""
        @Option(name: .customLong("grant"), help: "READ, MANAGE_NUMBERS, LAUNCH_CAMPAIGNS or PORT_OUT_RELAY (repeatable).") var grants: [String] = []

        func validate() throws { _ = try grants.map { try parseEnum($0, TokensCommand.grants, name: \.protoName, what: "grant") } }

        func run() async throws {
            let values = try grants.map { try parseEnum($0, TokensCommand.grants, name: \.protoName, what: "grant") }
            try await withServer(client) { api in
                var request = IssueTokenRequest()
                request.memberId = member
                request.serviceName = service
                request.grants = values
                let issued = try await api.accounts.issueToken(request, options: client.callOptions)
                emit(issued, client, issued.token)
            }
        }
    }
}

/// `phone-numbers whoami`.
struct WhoAmICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "whoami", abstract: "Show who the token stands for.")
    @OptionGroup(title: "Connection Options") var client: ClientOptions

    func run() async throws {
        try await withServer(client) { api in
            let response = try await api.accounts.whoAmI(WhoAmIRequest(), options: client.callOptions)
            emit(response, client, details(response))
        }
    }
}
