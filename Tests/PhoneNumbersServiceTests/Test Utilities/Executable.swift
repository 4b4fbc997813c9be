import Foundation
import PhoneNumbersClient
import Synchronization
import Testing

/// The `phone-numbers` executable this build produced, run as a person would.
enum Executable {
    static let url = Repository.root.appendingPathComponent(".build/debug/phone-numbers")

    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs blocking work (process I/O) on a thread of its own, never on Swift's
    /// cooperative pool, which has one thread per core and would stall every other test.
    static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try work() })
            }
        }
    }

    /// Runs it to the end, killing it after `timeout`.
    @discardableResult
    static func run(_ arguments: [String], environment: [String: String], timeout: Duration = .seconds(30)) async throws -> Output {
        try await offPool { try runBlocking(arguments, environment: environment, timeout: timeout) }
    }

    /// Output goes to files, not pipes: a pipe's reader waits for every writer to close it,
    /// and a server another test starts at the same moment can inherit the write end and
    /// keep it open for minutes. A file is read once the process has exited, which the
    /// watchdog bounds (SIGTERM at `timeout`, SIGKILL two seconds later).
    private static func runBlocking(_ arguments: [String], environment: [String: String], timeout: Duration) throws -> Output {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pn-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let outURL = folder.appendingPathComponent("stdout")
        let errURL = folder.appendingPathComponent("stderr")
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        try start(process, stdout: outURL, stderr: errURL)
        let milliseconds = Int(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        let pid = process.processIdentifier
        let terminate = DispatchWorkItem { kill(pid, SIGTERM) }
        let killHard = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(milliseconds), execute: terminate)
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(milliseconds + 2000), execute: killHard)
        process.waitUntilExit()
        terminate.cancel()
        killHard.cancel()
        return Output(
            status: process.terminationStatus,
            stdout: text(of: outURL),
            stderr: text(of: errURL)
        )
    }

    /// Starts `process` with nothing on its standard input and its output in two files,
    /// emptied first. The write ends are closed here once the child has its own copies.
    static func start(_ process: Process, stdout: URL, stderr: URL) throws {
        _ = FileManager.default.createFile(atPath: stdout.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
        let out = try FileHandle(forWritingTo: stdout)
        let err = try FileHandle(forWritingTo: stderr)
        defer {
            try? out.close()
            try? err.close()
        }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try launch(process)
    }

    /// Runs `process`, one launch at a time in this test process: Foundation's `Process.run`
    /// on Linux walks the open file descriptors to close them in the child, and launches
    /// racing each other while hundreds of sockets are open (the PostgreSQL suite) crashed
    /// it once in memcpy. Every test starts its processes through here.
    static func launch(_ process: Process) throws {
        try launching.withLock { _ in try process.run() }
    }

    private static let launching = Mutex(())

    /// What a file holds, as text; empty if it cannot be read.
    static func text(of file: URL) -> String {
        String(decoding: (try? Data(contentsOf: file)) ?? Data(), as: UTF8.self)
    }

    /// A loopback port that was free a moment ago: the kernel's pick for port 0.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw TestFailure("bind() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Waits (bounded, 30 s by the clock) until a server on `port` answers a call, from this
    /// process: polling with the executable would start a process every tenth of a second.
    /// `exited` says why to stop at once, a server that is no longer running.
    static func waitServing(port: Int, exited: () -> String? = { nil }) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let why = exited() { throw TestFailure("the server on \(port) stopped before serving: \(why)") }
            let probe = PhoneNumbersConnection(host: "127.0.0.1", port: port, token: nil)
            do {
                _ = try await probe.areaCodes.listAreaCodes(ListAreaCodesRequest(), options: CallOptions(timeout: .seconds(1)))
            } catch  where error.code == .unauthenticated {
                await probe.close()
                return
            } catch {}
            await probe.close()
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("the server on \(port) did not answer within 30 s\(exited().map { ": \($0)" } ?? "")")
    }

    /// A server on its own data directory and port, until `stop()`.
    ///
    /// Its output goes to files, never to pipes nobody reads: a server that logs more than
    /// a pipe holds would block in the middle of a call.
    final class Server: @unchecked Sendable {
        private(set) var process = Process()
        let data: URL
        private(set) var port: Int
        private let arguments: [String]
        private let processEnvironment: [String: String]?
        private let stdoutURL: URL
        private let stderrURL: URL
        var environment: [String: String] { ["PHONE_NUMBERS_SERVER": "127.0.0.1:\(port)"] }

        init(arguments: [String] = [], data: URL? = nil, logLevel: String = "warning", environment: [String: String] = [:]) throws {
            let name = "pn-cli-\(UUID().uuidString)"
            self.data = data ?? FileManager.default.temporaryDirectory.appendingPathComponent(name)
            stdoutURL = FileManager.default.temporaryDirectory.appendingPathComponent("\(name).stdout")
            stderrURL = FileManager.default.temporaryDirectory.appendingPathComponent("\(name).stderr")
            self.arguments = ["--data", self.data.path, "--log-level", logLevel] + arguments
            processEnvironment = environment.isEmpty ? nil : ProcessInfo.processInfo.environment.merging(environment) { $1 }
            port = try Executable.freePort()
            try launch()
        }

        deinit {
            try? FileManager.default.removeItem(at: stdoutURL)
            try? FileManager.default.removeItem(at: stderrURL)
        }

        private func launch() throws {
            process = Process()
            process.executableURL = Executable.url
            process.arguments = ["serve", "--port", "\(port)"] + arguments
            if let processEnvironment { process.environment = processEnvironment }
            try Executable.start(process, stdout: stdoutURL, stderr: stderrURL)
        }

        /// What the server has written to its standard error (its log) so far.
        var log: String { Executable.text(of: stderrURL) }

        /// What the server has written to its standard output so far.
        var output: String { Executable.text(of: stdoutURL) }

        /// The demo's credentials (`demo-credentials.json` in its data directory, `--demo`).
        func demoCredentials() throws -> [String: String] {
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: data.appendingPathComponent("demo-credentials.json")))
            guard let credentials = object as? [String: String] else {
                throw TestFailure("demo-credentials.json is not an object of strings")
            }
            return credentials
        }

        /// Waits (bounded) until the server answers; fails at once, with its log, if it exits.
        ///
        /// The port was free when it was picked, but another test's connection can take it
        /// before the server binds it: then the server starts again on another port.
        func waitServing() async throws {
            for attempt in 1...3 {
                do {
                    try await Executable.waitServing(port: port) {
                        guard !process.isRunning else { return nil }
                        return "exit status \(process.terminationStatus), log: \(log.suffix(2000))"
                    }
                    return
                } catch  where attempt < 3 && !process.isRunning && log.contains("address already in use") {
                    port = try Executable.freePort()
                    try launch()
                }
            }
        }

        /// Sends SIGTERM (the server drains) and waits until it exits; the data stays.
        func terminate() {
            guard process.isRunning else { return }
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }

        /// Kills it with SIGKILL, as a crash would; the data stays.
        func crash() {
            guard process.isRunning else { return }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        /// Kills it (at once: a drain would hold this thread) and removes its data.
        func stop() {
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            try? FileManager.default.removeItem(at: data)
        }
    }
}
