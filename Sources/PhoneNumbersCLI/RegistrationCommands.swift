import ArgumentParser
import PhoneNumbersClient
import ProtoBridge

/// `phone-numbers area-codes`: the drop-down of area codes.
struct AreaCodesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "area-codes", abstract: "List the US area codes that can be chosen.")
    @OptionGroup(title: "Connection Options") var client: ClientOptions
    @Option(help: "Only this state (two letters).") var state = ""

    func run() async throws {
        var request = ListAreaCodesRequest()
        request.state = state
        try await call(client, AreaCodesMethods.listAreaCodes, request) { response in
            table(
                ["AREA CODE", "STATE", "AVAILABLE"],
                response.areaCodes.map { code in
                    let suggestions = code.suggestedAreaCodes.isEmpty ? "" : "; try \(code.suggestedAreaCodes.joined(separator: ", "))"
                    return [
                        code.areaCode, "\(code.state) \(code.stateName)",
                        code.available ? "yes" : "no: \(code.unavailableReason)\(suggestions)",
                    ]
                }
            )
        }
    }
}

/// `phone-numbers brand show|submit`.
struct BrandCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "brand",
        abstract: "The account's 10DLC brand registration.",
        subcommands: [Show.self, Submit.self]
    )

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the brand and its status.")
        @OptionGroup(title: "Connection Options") var client: ClientOptions

        func run() async throws {
            try await call(client, RegistrationMethods.getBrand, client.request(), text: details)
        }
    }

    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Submit the brand for vetting (owner only).")
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Option(help: "The organisation's legal name.") var legalName: String
        @Option(help: "The EIN / tax id, e.g. 12-3456789.") var ein: String
        @Option(help: "The organisation's legal form.") var entityType: EntityType
        @Option(help: "The contact's name.") var contactName: String
        @Option(help: "The contact's email.") var contactEmail: String
        @Option(help: "The contact's phone.") var contactPhone = ""

        func run() async throws {
            var request: SubmitBrandRequest = client.request()
            request.legalName = legalName
            request.ein = ein
            request.entityType = entityType
            request.contactName = contactName
            request.contactEmail = contactEmail
            request.contactPhone = contactPhone
            try await call(client, RegistrationMethods.submitBrand, request) { "brand submitted: \($0.status.protoName)" }
        }
    }
}

/// `phone-numbers use-cases list|show|submit|set-status`.
struct UseCasesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "use-cases",
        abstract: "10DLC use cases.",
        subcommands: [List.self, Show.self, Submit.self, SetStatus.self]
    )

    static func row(_ useCase: UseCase) -> [String] {
        [
            useCase.id, displayName(useCase.type.protoName),
            displayName(useCase.status.protoName), "\(useCase.numberCount)/49",
            String(useCase.description.prefix(50)) + (useCase.failureReason.isEmpty ? "" : " — \(useCase.failureReason)"),
        ]
    }

    static let header = ["ID", "TYPE", "STATUS", "NUMBERS", "DESCRIPTION"]

    static func describe(_ useCase: UseCase) -> String {
        table(header, [row(useCase)])
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the account's use cases.")
        @OptionGroup(title: "Connection Options") var client: ClientOptions

        func run() async throws {
            try await call(client, RegistrationMethods.listUseCases, client.request()) {
                table(UseCasesCommand.header, $0.useCases.map(UseCasesCommand.row))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one use case.")
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Argument(help: "The use case's id.") var id: String

        func run() async throws {
            try await call(client, RegistrationMethods.getUseCase, client.request(useCase: id), text: details)
        }
    }

    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Submit a use case for vetting (owner and admin; needs a REGISTERED brand)."
        )
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Option(help: "The 10DLC use case type.") var type: UseCaseType
        @Option(help: "What the messages are for.") var description: String
        @Option(name: .customLong("sample"), help: "A sample message (2 to 5).") var samples: [String] = []
        @Option(help: "How contacts opt in.") var optIn = ""
        @Option(help: "The HELP reply.") var helpText = ""
        @Option(help: "Campaign Verify token (POLITICAL use cases of 527 organisations).") var campaignVerifyToken = ""

        func run() async throws {
            var request: SubmitUseCaseRequest = client.request()
            request.type = type
            request.description = description
            request.sampleMessages = samples
            request.optInText = optIn
            request.helpText = helpText
            request.campaignVerifyToken = campaignVerifyToken
            try await call(client, RegistrationMethods.submitUseCase, request, text: UseCasesCommand.describe)
        }
    }

    struct SetStatus: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-status",
            abstract: "Operator, simulated provider only: set a use case's status."
        )
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Argument(help: "The use case's id.") var id: String
        @Option(help: "The status to set.") var status: UseCaseStatus
        @Option(help: "Why, for FAILED.") var reason = ""

        func run() async throws {
            var request: SetUseCaseStatusRequest = client.request(useCase: id)
            request.status = status
            request.failureReason = reason
            try await call(client, RegistrationMethods.setUseCaseStatus, request, text: UseCasesCommand.describe)
        }
    }
}
