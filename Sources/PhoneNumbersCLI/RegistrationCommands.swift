import ArgumentParser
import PhoneNumbersClient
import ProtoBridge

/// `phone-numbers area-codes`: the drop-down of area codes.
struct AreaCodesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "area-codes", abstract: "List the US area codes that can be chosen.")
    @OptionGroup(title: "Connection Options") var client: ClientOptions
    @Option(help: "Only this state (two letters).") var state = ""

    func run() async throws {
        try await withServer(client) { api in
            var request = ListAreaCodesRequest()
            request.state = state
            let response = try await api.areaCodes.listAreaCodes(request, options: client.callOptions)
            emit(
                response, client,
                table(
                    ["AREA CODE", "STATE", "AVAILABLE"],
                    response.areaCodes.map { code in
                        let suggestions = code.suggestedAreaCodes.isEmpty ? "" : "; try \(code.suggestedAreaCodes.joined(separator: ", "))"
                        return [code.areaCode, "\(code.state) \(code.stateName)", code.available ? "yes" : "no: \(code.unavailableReason)\(suggestions)"]
                    }))
        }
    }
}

/// `phone-numbers brand show|submit`.
struct BrandCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "brand", abstract: "The account's 10DLC brand registration.", subcommands: [Show.self, Submit.self])

    static let entityTypes: [EntityType] = [.privateProfit, .publicProfit, .nonProfit, .government, .political527]

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the brand and its status.")
        @OptionGroup(title: "Connection Options") var client: ClientOptions

        func run() async throws {
            try await withServer(client) { api in
                var request = GetBrandRequest()
                request.accountId = client.account
                let brand = try await api.registration.getBrand(request, options: client.callOptions)
                emit(brand, client, details(brand))
            }
        }
    }

    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Submit the brand for vetting (owner only).")
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Option(help: "The organisation's legal name.") var legalName: String
        @Option(help: "The EIN / tax id, e.g. 12-3456789.") var ein: String
        @Option(help: "PRIVATE_PROFIT, PUBLIC_PROFIT, NON_PROFIT, GOVERNMENT or POLITICAL_527.") var entityType: String
        @Option(help: "The contact's name.") var contactName: String
        @Option(help: "The contact's email.") var contactEmail: String
        @Option(help: "The contact's phone.") var contactPhone = ""

        func validate() throws { _ = try parseEnum(entityType, BrandCommand.entityTypes, name: \.protoName, what: "entity type") }

        func run() async throws {
            let type = try parseEnum(entityType, BrandCommand.entityTypes, name: \.protoName, what: "entity type")
            try await withServer(client) { api in
                var request = SubmitBrandRequest()
                request.accountId = client.account
                request.legalName = legalName
                request.ein = ein
                request.entityType = type
                request.contactName = contactName
                request.contactEmail = contactEmail
                request.contactPhone = contactPhone
                let brand = try await api.registration.submitBrand(request, options: client.callOptions)
                emit(brand, client, "brand submitted: \(brand.status.protoName)")
            }
        }
    }
}

/// `phone-numbers use-cases list|show|submit|set-status`.
struct UseCasesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "use-cases", abstract: "10DLC use cases.", subcommands: [List.self, Show.self, Submit.self, SetStatus.self])

    static let types: [UseCaseType] = [
        .political, .charity, .pollingVoting, .publicServiceAnnouncement, .higherEducation, .customerCare, .accountNotification, .marketing, .mixed,
        .lowVolume,
    ]
    static let statuses: [UseCaseStatus] = [.preSubmission, .pending, .registered, .approved, .failed]

    static func row(_ useCase: UseCase) -> [String] {
        [useCase.id, displayName(useCase.type.protoName),
         displayName(useCase.status.protoName), "\(useCase.numberCount)/49",
         String(useCase.description.prefix(50)) + (useCase.failureReason.isEmpty ? "" : " — \(useCase.failureReason)")]
    }

    static let header = ["ID", "TYPE", "STATUS", "NUMBERS", "DESCRIPTION"]

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the account's use cases.")
        @OptionGroup(title: "Connection Options") var client: ClientOptions

        func run() async throws {
            try await withServer(client) { api in
                var request = ListUseCasesRequest()
                request.accountId = client.account
                let response = try await api.registration.listUseCases(request, options: client.callOptions)
                emit(response, client, table(UseCasesCommand.header, response.useCases.map(UseCasesCommand.row)))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one use case.")
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Argument(help: "The use case's id.") var id: String

        func run() async throws {
            try await withServer(client) { api in
                var request = GetUseCaseRequest()
                request.accountId = client.account
                request.useCaseId = id
                let useCase = try await api.registration.getUseCase(request, options: client.callOptions)
                emit(useCase, client, details(useCase))
            }
        }
    }

    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Submit a use case for vetting (owner and admin; needs a REGISTERED brand).")
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Option(help: "POLITICAL, CHARITY, POLLING_VOTING, … LOW_VOLUME.") var type: String
        @Option(help: "What the messages are for.") var description: String
        @Option(name: .customLong("sample"), help: "A sample message (2 to 5).") var samples: [String] = []
        @Option(help: "How contacts opt in.") var optIn = ""
        @Option(help: "The HELP reply.") var helpText = ""
        @Option(help: "Campaign Verify token (POLITICAL use cases of 527 organisations).") var campaignVerifyToken = ""

        func validate() throws { _ = try parseEnum(type, UseCasesCommand.types, name: \.protoName, what: "use case type") }

        func run() async throws {
            let kind = try parseEnum(type, UseCasesCommand.types, name: \.protoName, what: "use case type")
            try await withServer(client) { api in
                var request = SubmitUseCaseRequest()
                request.accountId = client.account
                request.type = kind
                request.description = description
                request.sampleMessages = samples
                request.optInText = optIn
                request.helpText = helpText
                request.campaignVerifyToken = campaignVerifyToken
                let useCase = try await api.registration.submitUseCase(request, options: client.callOptions)
                emit(useCase, client, table(UseCasesCommand.header, [UseCasesCommand.row(useCase)]))
            }
        }
    }

    struct SetStatus: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-status", abstract: "Operator, simulated provider only: set a use case's status.")
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Argument(help: "The use case's id.") var id: String
        @Option(help: "PENDING, REGISTERED, APPROVED or FAILED.") var status: String
        @Option(help: "Why, for FAILED.") var reason = ""

        func validate() throws { _ = try parseEnum(status, UseCasesCommand.statuses, name: \.protoName, what: "status") }

        func run() async throws {
            let value = try parseEnum(status, UseCasesCommand.statuses, name: \.protoName, what: "status")
            try await withServer(client) { api in
                var request = SetUseCaseStatusRequest()
                request.accountId = client.account
                request.useCaseId = id
                request.status = value
                request.failureReason = reason
                let useCase = try await api.registration.setUseCaseStatus(request, options: client.callOptions)
                emit(useCase, client, table(UseCasesCommand.header, [UseCasesCommand.row(useCase)]))
            }
        }
    }
}
