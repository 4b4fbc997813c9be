import Foundation

/// A `telnyx-emulator` child process on a free loopback port, started and answering.
final class EmulatorProcess: Sendable {
    /// `http://127.0.0.1:PORT` (the API is under `/v2`).
    let base: String
    private let process: Process

    /// Starts the emulator with orders and campaign assignments taking `orderDelay`
    /// seconds, and waits until it answers.
    init(orderDelay: Int = 0) async throws {
        let port = try Executable.freePort()
        let process = Process()
        process.executableURL = TelnyxWalkthroughTests.emulatorURL
        process.arguments = ["--port", "\(port)", "--order-delay", "\(orderDelay)", "--assignment-delay", "0"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        base = "http://127.0.0.1:\(port)"
        for attempt in 0..<100 {
            if (try? await TelnyxWalkthroughTests.http("GET", "\(base)/v2/portouts"))?.0 == 200 { return }
            if attempt == 99 {
                stop()
                throw TestFailure("telnyx-emulator did not start")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
