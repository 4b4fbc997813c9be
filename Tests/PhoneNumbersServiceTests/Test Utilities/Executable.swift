import Foundation
import Testing

/// The `phone-numbers` executable this build produced, run as a person would.
enum Executable {
    static let url: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.lastPathComponent != "Tests" { url.deleteLastPathComponent() }
        return url.deletingLastPathComponent().appendingPathComponent(".build/debug/phone-numbers")
    }()

    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs it to the end, killing it after `timeout`.
    @discardableResult
    static func run(_ arguments: [String], environment: [String: String], timeout: Duration = .seconds(30)) throws -> Output {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let watchdog = Task {
            try await Task.sleep(for: timeout)
            process.terminate()
        }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// A server on its own data directory and port, until `stop()`.
    final class Server: @unchecked Sendable {
        let process = Process()
        let data: URL
        let port: Int
        let stderr = Pipe()
        var environment: [String: String] { ["PHONE_NUMBERS_SERVER": "127.0.0.1:\(port)"] }

        init(arguments: [String] = [], data: URL? = nil) throws {
            self.data = data ?? FileManager.default.temporaryDirectory.appendingPathComponent("pn-cli-\(UUID().uuidString)")
            port = Int.random(in: 20_000..<60_000)
            process.executableURL = Executable.url
            process.arguments = ["serve", "--data", self.data.path, "--port", "\(port)", "--log-level", "warning"] + arguments
            process.standardOutput = Pipe()
            process.standardError = stderr
            try process.run()
        }

        /// Waits (bounded) until `health` answers SERVING.
        func waitServing() async throws {
            for _ in 0..<150 {
                if try Executable.run(["health"], environment: environment).status == 0 { return }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw TestFailure("the server on \(port) did not start")
        }

        func stop() {
            if process.isRunning {
                process.terminate()
                process.waitUntilExit()
            }
            try? FileManager.default.removeItem(at: data)
        }
    }
}
