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
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try Executable.launch(process)
        self.process = process
        base = "http://127.0.0.1:\(port)"
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                throw TestFailure("telnyx-emulator on port \(port) exited with status \(process.terminationStatus) before answering")
            }
            if (try? await TelnyxWalkthroughTests.http("GET", "\(base)/v2/portouts", timeout: 2))?.0 == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        stop()
        throw TestFailure("telnyx-emulator on port \(port) did not answer within 30 s")
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
