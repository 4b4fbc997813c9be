import ArgumentParser
import Foundation
import TelnyxEmulator

/// `telnyx-emulator`: the Telnyx stand-in on loopback, to try `serve --provider telnyx`
/// without an account (docs/PROVIDERS.md).
@main
struct TelnyxEmulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "telnyx-emulator",
        abstract: "Serves an emulated Telnyx API (numbers, 10DLC assignments, port-outs) on loopback."
    )

    @Option(help: "The port to listen on.")
    var port = 7430

    @Option(help: "The API key it accepts (give the same to the service in TELNYX_API_KEY).")
    var apiKey = "KEY-emulator"

    @Option(help: "Seconds an order stays pending.")
    var orderDelay = 2

    @Option(help: "Seconds a 10DLC campaign assignment stays pending.")
    var assignmentDelay = 2

    @Option(help: "A 10DLC campaign id to know, as ID=STATUS (e.g. CAMP1=MNO_PROVISIONED); repeatable.")
    var campaign: [String] = []

    @Option(help: "A 10DLC brand id to know, as ID=STATUS[:IDENTITY] (e.g. B1=OK:VERIFIED); repeatable.")
    var brand: [String] = []

    func run() async throws {
        let emulator = TelnyxEmulator(
            behaviour: .init(orderDelay: .seconds(orderDelay), assignmentDelay: .seconds(assignmentDelay)),
            apiKey: apiKey
        )
        for item in campaign {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--campaign takes ID=STATUS, not \(item)") }
            emulator.setCampaign(parts[0], status: parts[1])
        }
        for item in brand {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--brand takes ID=STATUS[:IDENTITY], not \(item)") }
            let status = parts[1].split(separator: ":").map(String.init)
            emulator.setBrand(parts[0], status: status[0], identity: status.count > 1 ? status[1] : nil)
        }
        try await emulator.run(port: port) { port in
            FileHandle.standardOutput.write(Data("telnyx-emulator: http://127.0.0.1:\(port)/v2\n".utf8))
        }
    }
}
