import Foundation
import RPCNIO

/// Server memory with many idle connections: the service runs in a child process
/// (`Bench idle-server`), this process opens `count` connections (each completes the
/// preface and a PING, then stays idle) and reads the child's resident set size.
enum IdleConnectionsBenchmark {
    struct Result {
        var count: Int
        var baselineRSS: Int
        var loadedRSS: Int
        var afterCloseRSS: Int
        var openedPerSecond: Double
    }

    /// The child: serves until killed, announcing its port on standard output.
    static func serve() async throws -> Never {
        let fixture = try await ServiceFixture.start(maxConnections: 12_000)
        FileHandle.standardOutput.write(Data("PORT \(fixture.port)\n".utf8))
        while true { try await Task.sleep(for: .seconds(3600)) }
    }

    static func run(count: Int) async throws -> Result {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        child.arguments = ["idle-server"]
        let output = Pipe()
        child.standardOutput = output
        try child.run()
        defer { child.terminate() }
        var line = ""
        while !line.hasSuffix("\n") {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            guard !byte.isEmpty else { throw BenchError("the idle server exited") }
            line += String(decoding: byte, as: UTF8.self)
        }
        guard let port = Int(line.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw BenchError("no port from the idle server")
        }
        let pid = child.processIdentifier

        let warm = RPCClient(host: "127.0.0.1", port: port)
        _ = try await warm.ping()
        await warm.close()
        try await Task.sleep(for: .seconds(1))
        let baseline = try residentBytes(pid)

        let start = ContinuousClock.now
        var clients: [RPCClient] = []
        for batchStart in stride(from: 0, to: count, by: 250) {
            let batch = (batchStart..<min(count, batchStart + 250)).map { _ in RPCClient(host: "127.0.0.1", port: port) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in batch { group.addTask { _ = try await client.ping() } }
                try await group.waitForAll()
            }
            clients += batch
        }
        let opening = ContinuousClock.now - start
        try await Task.sleep(for: .seconds(2))
        let loaded = try residentBytes(pid)
        for client in clients { await client.close() }
        try await Task.sleep(for: .seconds(2))
        let afterClose = try residentBytes(pid)
        return Result(
            count: count,
            baselineRSS: baseline,
            loadedRSS: loaded,
            afterCloseRSS: afterClose,
            openedPerSecond: Double(count) / opening.secondCount
        )
    }

    private static func residentBytes(_ pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { throw BenchError("no VmRSS for \(pid)") }
        return kilobytes * 1024
    }
}
