import ArgumentParser
import PhoneNumbersProto

/// `phone-numbers provider`: the operator's view of the number provider.
struct ProviderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provider",
        abstract: "The number provider, as the operator sees it.",
        subcommands: [Reconcile.self]
    )

    struct Reconcile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare the numbers the provider holds with the service's now; report drift, delete nothing (operator only)."
        )
        @OptionGroup(title: "Connection Options") var client: ClientOptions

        func run() async throws {
            try await call(client, NumbersMethods.reconcileProviderNumbers, ReconcileProviderNumbersRequest()) { response in
                let rows =
                    response.onlyAtProvider.map {
                        ["only at provider", $0.e164, $0.numberId.isEmpty ? "-" : $0.numberId, $0.accountId.isEmpty ? "-" : $0.accountId]
                    }
                    + response.onlyInService.map { ["only in service", $0.e164, $0.numberId, $0.accountId] }
                guard !rows.isEmpty else { return "no drift: the provider holds exactly the service's READY numbers" }
                return table(["SIDE", "NUMBER", "NUMBER ID", "ACCOUNT"], rows) + "\n\(rows.count) drifted; see docs/PROVIDERS.md"
            }
        }
    }
}
