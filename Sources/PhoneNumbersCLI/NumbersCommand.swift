import ArgumentParser
import PhoneNumbersClient
import ProtoBridge

/// `phone-numbers numbers …`: dedicated numbers.
struct NumbersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "numbers", abstract: "Add, list, rename and delete dedicated numbers; port-out protection.",
        subcommands: [Add.self, List.self, Show.self, Rename.self, Delete.self, Retry.self, PortOut.self])

    static func row(_ number: DedicatedNumber) -> [String] {
        [number.id, number.e164.isEmpty ? "-" : number.e164, number.areaCode, displayName(number.status.protoName),
         number.name.isEmpty ? "-" : number.name, number.useCaseId, number.failureReason]
    }

    static let header = ["ID", "NUMBER", "AREA", "STATUS", "NAME", "USE CASE", "REASON"]

    static func describe(_ number: DedicatedNumber) -> String {
        table(header, [row(number)])
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reserve a number in an area code and provision it for a use case.")
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Option(help: "The area code, e.g. 415.") var areaCode: String
        @Option(help: "The APPROVED use case to provision the number for.") var useCase: String
        @Option(help: "An internal name (at most 64 characters).") var name = ""
        @Option(help: "An idempotency key: retrying with it returns the same number.") var requestId = ""
        @Flag(help: "Show provisioning progress until the number is READY or FAILED.") var wait = false

        func run() async throws {
            try await withServer(client) { api in
                var request = AddNumberRequest()
                request.accountId = client.account
                request.areaCode = areaCode
                request.useCaseId = useCase
                request.name = name
                request.requestId = requestId
                guard wait else {
                    let number = try await api.numbers.addNumber(request, options: client.callOptions)
                    emit(number, client, NumbersCommand.describe(number))
                    return
                }
                var added = DedicatedNumber()
                _ = try await watchChanges(api, client) {
                    added = try await api.numbers.addNumber(request, options: client.callOptions)
                    let final = [.ready, .failed, .released].contains(added.status)
                    if !client.json && !final { print("\(added.e164): provisioning started (number \(added.id))") }
                    return (added.id, final)
                } isFinal: { ["READY", "FAILED", "RELEASED"].contains($0.newState) }
                var get = GetNumberRequest()
                get.accountId = client.account
                get.numberId = added.id
                let number = try await api.numbers.getNumber(get, options: client.callOptions)
                emit(number, client, NumbersCommand.describe(number))
                if number.status != .ready { throw ExitCode(1) }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the account's dedicated numbers.")
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Flag(help: "Include released numbers.") var all = false

        func run() async throws {
            try await withServer(client) { api in
                var request = ListNumbersRequest()
                request.accountId = client.account
                request.includeReleased = all
                let response = try await api.numbers.listNumbers(request, options: client.callOptions)
                emit(response, client, table(NumbersCommand.header, response.numbers.map(NumbersCommand.row)) + "\n\(response.numbers.filter { $0.status != .released }.count) of \(response.limit) numbers")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one number.")
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Argument(help: "The number's id.") var id: String

        func run() async throws {
            try await withServer(client) { api in
                var request = GetNumberRequest()
                request.accountId = client.account
                request.numberId = id
                let number = try await api.numbers.getNumber(request, options: client.callOptions)
                emit(number, client, details(number))
            }
        }
    }

    struct Rename: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Rename a number (an empty name clears it).")
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Argument(help: "The number's id.") var id: String
        @Option(help: "The new internal name.") var name: String

        func run() async throws {
            try await withServer(client) { api in
                var request = RenameNumberRequest()
                request.accountId = client.account
                request.numberId = id
                request.name = name
                let number = try await api.numbers.renameNumber(request, options: client.callOptions)
                emit(number, client, NumbersCommand.describe(number))
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a number not used by an active campaign.")
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Argument(help: "The number's id.") var id: String

        func run() async throws {
            try await withServer(client) { api in
                var request = DeleteNumberRequest()
                request.accountId = client.account
                request.numberId = id
                let number = try await api.numbers.deleteNumber(request, options: client.callOptions)
                emit(number, client, NumbersCommand.describe(number))
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start provisioning a FAILED number again.")
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Argument(help: "The number's id.") var id: String

        func run() async throws {
            try await withServer(client) { api in
                var request = RetryProvisioningRequest()
                request.accountId = client.account
                request.numberId = id
                let number = try await api.numbers.retryProvisioning(request, options: client.callOptions)
                emit(number, client, NumbersCommand.describe(number))
            }
        }
    }

    struct PortOut: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "port-out", abstract: "Port-out protection: the PIN, and requests relayed from carriers.",
            subcommands: [Request.self, Pin.self, ResetPin.self, Attempts.self])

        struct Request: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Relay a carrier's port-out request (provider relay or operator).")
            @OptionGroup(title: "Connection Options") var client: ClientOptions
            @Option(help: "The number, e.g. +14155550100.") var number: String
            @Option(help: "The PIN the gaining carrier supplied.") var pin: String
            @Option(help: "The gaining carrier.") var carrier: String

            func run() async throws {
                try await withServer(client) { api in
                    var request = RequestPortOutRequest()
                    request.e164 = number
                    request.pin = pin
                    request.gainingCarrier = carrier
                    let response = try await api.numbers.requestPortOut(request, options: client.callOptions)
                    emit(response, client, "port-out of \(response.e164) approved")
                }
            }
        }

        struct Pin: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show a number's port-out PIN (owner only).")
            @OptionGroup(title: "Connection Options") var client: ClientOptions
            @Argument(help: "The number's id.") var id: String

            func run() async throws {
                try await withServer(client) { api in
                    var request = GetPortOutPinRequest()
                    request.accountId = client.account
                    request.numberId = id
                    let pin = try await api.numbers.getPortOutPin(request, options: client.callOptions)
                    emit(pin, client, pin.pin)
                }
            }
        }

        struct Attempts: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the port-out requests relayed for a number, and its lock (owner only).")
            @OptionGroup(title: "Connection Options") var client: ClientOptions
            @Argument(help: "The number's id.") var id: String

            func run() async throws {
                try await withServer(client) { api in
                    var request = ListPortOutAttemptsRequest()
                    request.accountId = client.account
                    request.numberId = id
                    let response = try await api.numbers.listPortOutAttempts(request, options: client.callOptions)
                    let rows = response.attempts.map { [isoTime($0.atMs) ?? "-", $0.outcome, $0.gainingCarrier] }
                    var summary = "\(response.failedAttempts) wrong PIN(s) toward the lock"
                    if let until = isoTime(response.lockedUntilMs) { summary = "locked until \(until)" }
                    emit(response, client, table(["AT", "OUTCOME", "GAINING CARRIER"], rows) + "\n" + summary)
                }
            }
        }

        struct ResetPin: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "reset-pin", abstract: "Set a new random port-out PIN (owner only).")
            @OptionGroup(title: "Connection Options") var client: ClientOptions
            @Argument(help: "The number's id.") var id: String

            func run() async throws {
                try await withServer(client) { api in
                    var request = ResetPortOutPinRequest()
                    request.accountId = client.account
                    request.numberId = id
                    let pin = try await api.numbers.resetPortOutPin(request, options: client.callOptions)
                    emit(pin, client, pin.pin)
                }
            }
        }
    }
}
