import ArgumentParser
import Foundation
import PhoneNumbersClient
import ProtoBridge

/// `phone-numbers numbers …`: dedicated numbers.
struct NumbersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "numbers",
        abstract: "Add, list, rename and delete dedicated numbers; port-out protection.",
        subcommands: [Add.self, List.self, Show.self, History.self, Rename.self, Delete.self, Retry.self, PortOut.self]
    )

    static func row(_ number: DedicatedNumber) -> [String] {
        [
            number.id, number.e164.isEmpty ? "-" : number.e164, number.areaCode, displayName(number.status.protoName),
            number.name.isEmpty ? "-" : number.name, number.useCaseId, number.failureReason,
        ]
    }

    static let header = ["ID", "NUMBER", "AREA", "STATUS", "NAME", "USE CASE", "REASON"]

    static func describe(_ number: DedicatedNumber) -> String {
        table(header, [row(number)])
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reserve a number in an area code and provision it for a use case.",
            discussion: """
                Every add carries a request id (--request-id, or one made up and printed): running it again with that id \
                returns the same number, never a second. With --wait: exit 0 once READY, 1 if it FAILED, 3 if --timeout \
                ended first (the number was added and is still provisioning). --wait --json prints one JSON object per line: \
                the number as added, each change, then the number as it ended.
                """
        )
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Option(parsing: .unconditional, help: "The area code, e.g. 415.") var areaCode: String
        @Option(help: "The APPROVED use case to provision the number for.") var useCase: String
        @Option(help: "An internal name (at most 64 characters).") var name = ""
        @Option(help: "An idempotency key: retrying with it returns the same number (default: a new one, printed).") var requestId = ""
        @Flag(help: "Show provisioning progress until the number is READY or FAILED.") var wait = false

        /// The exit status of a wait that --timeout ended while the number was still provisioning.
        static let stillProvisioning: Int32 = 3

        func run() async throws {
            let key = requestId.isEmpty ? "cli-" + UUID().uuidString.lowercased() : requestId
            try await withServer(client) { api in
                var request: AddNumberRequest = client.request()
                request.areaCode = areaCode
                request.useCaseId = useCase
                request.name = name
                request.requestId = key
                let add = { () async throws -> DedicatedNumber in
                    do {
                        return try await api.numbers.addNumber(request, options: client.callOptions)
                    } catch let error as RPCError where [.deadlineExceeded, .unavailable, .cancelled].contains(error.code) {
                        printError(
                            "the number may have been added: run the same command with --request-id \(key) to get it, never a second one"
                        )
                        throw error
                    }
                }
                guard wait else {
                    let number = try await add()
                    emit(number, client, NumbersCommand.describe(number) + (requestId.isEmpty ? "\nrequest id \(key)" : ""))
                    return
                }
                var added = DedicatedNumber()
                do {
                    _ = try await watchChanges(api, client) {
                        added = try await add()
                        let final = [.ready, .failed, .released].contains(added.status)
                        if client.json {
                            emit(added, client, line: true, "")
                        } else if !final {
                            print("\(added.e164): provisioning started (number \(added.id), request id \(key))")
                        }
                        return (added.id, final)
                    } isFinal: {
                        ["READY", "FAILED", "RELEASED"].contains($0.newState)
                    }
                } catch let error as RPCError where error.code == .deadlineExceeded && !added.id.isEmpty {
                    throw Self.stillProvisioning(added, error, client)
                }
                let number = try await api.numbers.getNumber(client.request(number: added.id), options: client.callOptions)
                emit(number, client, line: true, NumbersCommand.describe(number))
                if number.status != .ready { throw ExitCode(1) }
            }
        }

        /// Says that the wait ended, not the number: it was added and is still provisioning.
        static func stillProvisioning(_ number: DedicatedNumber, _ timeout: RPCError, _ client: ClientOptions) -> ExitCode {
            let message =
                "the wait ended after --timeout, not the number: \(number.e164) (\(number.id)) was added and is still provisioning; `phone-numbers numbers show \(number.id)` follows it"
            var details = timeout.details ?? ErrorDetails(reason: "DEADLINE_EXCEEDED", domain: RPCError.runtimeDomain)
            details.metadata["number_id"] = number.id
            details.metadata["e164"] = number.e164
            let error = RPCError(code: .deadlineExceeded, message: message, details: details)
            if client.json {
                print(errorJSON(error).rendered())
            } else {
                printError(TerminalText.safe(error.description))
            }
            return ExitCode(stillProvisioning)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the account's dedicated numbers.")
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Flag(help: "Include released numbers.") var all = false
        @Flag(help: "CSV (RFC 4180) with a header row, for spreadsheets: every field of every number.") var csv = false

        func validate() throws {
            if csv && client.json { throw ValidationError("--csv and --json are two formats: give one") }
        }

        func run() async throws {
            var request: ListNumbersRequest = client.request()
            request.includeReleased = all
            if csv {
                try await withServer(client) { api in
                    let response = try await api.numbers.listNumbers(request, options: client.callOptions)
                    print(CSV.numbers(response.numbers), terminator: "")
                }
                return
            }
            try await call(client, NumbersMethods.listNumbers, request) { response in
                table(NumbersCommand.header, response.numbers.map(NumbersCommand.row))
                    + "\n\(response.numbers.filter { $0.status != .released }.count) of \(response.limit) numbers"
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one number.")
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Argument(help: "The number's id.") var id: String

        func run() async throws {
            try await call(client, NumbersMethods.getNumber, client.request(number: id), text: details)
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A number's history, oldest first: added, provisioning, renames, campaigns on it, port-outs, release (owner, admin)."
        )
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Argument(help: "The number's id (released numbers too: numbers list --all).") var id: String

        func run() async throws {
            try await withServer(client) { api in
                let entries = try await NumberHistory.entries(of: id, api, client)
                if client.json {
                    var response = ListAuditEventsResponse()
                    response.events = entries
                    print(response.jsonValue.rendered(pretty: true))
                    return
                }
                print(
                    TerminalText.safeLines(
                        table(
                            ["AT", "ACTION", "ACTOR", "SUBJECT", "CHANGE"],
                            entries.map { entry in
                                let change = entry.oldValue.isEmpty && entry.newValue.isEmpty ? "" : "\(entry.oldValue) → \(entry.newValue)"
                                return [isoTime(entry.atMs) ?? "", entry.action, entry.actor, entry.subjectId, change]
                            }
                        )
                    )
                )
            }
        }
    }

    struct Rename: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Rename a number (an empty name clears it).")
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Argument(help: "The number's id.") var id: String
        @Option(help: "The new internal name.") var name: String

        func run() async throws {
            var request: RenameNumberRequest = client.request(number: id)
            request.name = name
            try await call(client, NumbersMethods.renameNumber, request, text: NumbersCommand.describe)
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a number not used by an active campaign.")
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Argument(help: "The number's id.") var id: String

        func run() async throws {
            try await call(client, NumbersMethods.deleteNumber, client.request(number: id), text: NumbersCommand.describe)
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start provisioning a FAILED number again.")
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Argument(help: "The number's id.") var id: String

        func run() async throws {
            try await call(client, NumbersMethods.retryProvisioning, client.request(number: id), text: NumbersCommand.describe)
        }
    }

    struct PortOut: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "port-out",
            abstract: "Port-out protection: the PIN, and requests relayed from carriers.",
            subcommands: [Request.self, Pin.self, ResetPin.self, Attempts.self]
        )

        struct Request: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Relay a carrier's port-out request (provider relay or operator).")
            @OptionGroup(title: "Connection Options") var client: ClientOptions
            @Option(help: "The number, e.g. +14155550100.") var number: String
            @Option(help: "The PIN the gaining carrier supplied.") var pin: String
            @Option(help: "The gaining carrier.") var carrier: String

            func run() async throws {
                var request = RequestPortOutRequest()
                request.e164 = number
                request.pin = pin
                request.gainingCarrier = carrier
                try await call(client, NumbersMethods.requestPortOut, request) { "port-out of \($0.e164) approved" }
            }
        }

        struct Pin: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show a number's port-out PIN (owner only).")
            @OptionGroup(title: "Connection Options") var client: ClientOptions
            @Argument(help: "The number's id.") var id: String

            func run() async throws {
                try await call(client, NumbersMethods.getPortOutPin, client.request(number: id)) { $0.pin }
            }
        }

        struct Attempts: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List the port-out requests relayed for a number, and its lock (owner only)."
            )
            @OptionGroup(title: "Connection Options") var client: ClientOptions
            @Argument(help: "The number's id.") var id: String

            func run() async throws {
                try await call(client, NumbersMethods.listPortOutAttempts, client.request(number: id)) { response in
                    let rows = response.attempts.map { [isoTime($0.atMs) ?? "-", $0.outcome, $0.gainingCarrier] }
                    var summary = "\(response.failedAttempts) wrong PIN(s) toward the lock"
                    if let until = isoTime(response.lockedUntilMs) { summary = "locked until \(until)" }
                    return table(["AT", "OUTCOME", "GAINING CARRIER"], rows) + "\n" + summary
                }
            }
        }

        struct ResetPin: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "reset-pin",
                abstract: "Set a new random port-out PIN (owner only)."
            )
            @OptionGroup(title: "Connection Options") var client: ClientOptions
            @Argument(help: "The number's id.") var id: String

            func run() async throws {
                try await call(client, NumbersMethods.resetPortOutPin, client.request(number: id)) { $0.pin }
            }
        }
    }
}
