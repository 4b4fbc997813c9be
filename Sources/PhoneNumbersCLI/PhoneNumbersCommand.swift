import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

/// `phone-numbers`: runs the service and talks to it.
@main
struct PhoneNumbersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "phone-numbers",
        abstract: "Dedicated phone numbers for peer-to-peer texting: the server and its command line.",
        subcommands: [
            ServeCommand.self, HealthCommand.self, AreaCodesCommand.self, BrandCommand.self, UseCasesCommand.self, NumbersCommand.self,
            CampaignsCommand.self, SendersCommand.self, EventsCommand.self, AuditCommand.self, AccountsCommand.self, MembersCommand.self,
            TokensCommand.self, WhoAmICommand.self, ProviderCommand.self,
        ]
    )

    /// Standard output is line-buffered even into a pipe or a file, so that streaming
    /// commands (`events watch`, `--wait`) deliver each line as it happens.
    static func main() async {
        setvbuf(standardOutput, nil, _IOLBF, 0)
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

/// C's `stdout` stream (the symbol itself: Swift 6 refuses to read the imported global).
private var standardOutput: UnsafeMutablePointer<FILE>? {
    dlsym(UnsafeMutableRawPointer(bitPattern: 0), "stdout")?.assumingMemoryBound(to: UnsafeMutablePointer<FILE>?.self).pointee
}
