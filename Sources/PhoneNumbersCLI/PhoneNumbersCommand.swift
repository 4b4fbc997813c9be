import ArgumentParser

/// `phone-numbers`: runs the service and talks to it.
@main
struct PhoneNumbersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "phone-numbers",
        abstract: "Dedicated phone numbers for peer-to-peer texting: the server and its command line.",
        subcommands: [
            ServeCommand.self, HealthCommand.self, AreaCodesCommand.self, BrandCommand.self, UseCasesCommand.self, NumbersCommand.self,
            CampaignsCommand.self, SendersCommand.self, EventsCommand.self, AuditCommand.self, AccountsCommand.self, MembersCommand.self,
            TokensCommand.self, WhoAmICommand.self,
        ]
    )
}
