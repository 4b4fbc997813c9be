import CEchoFloor

/// The kernel floor for serial calls: blocking C ping-pong on one connection.
struct FloorContender: EchoContender {
    let name = "C blocking ping-pong (floor)"

    func run(_ scenario: Scenario, for duration: Duration) async throws -> Measurement {
        precondition(scenario.connections == 1 && scenario.inFlight == 1, "the floor is serial only")
        let port = pn_floor_server_start()
        let nanoseconds = duration.nanosecondCount
        var latencies = [UInt64](repeating: 0, count: 4_000_000)
        let calls = latencies.withUnsafeMutableBufferPointer { buffer in
            pn_floor_client_run(port, scenario.payload, nanoseconds, buffer.baseAddress, buffer.count)
        }
        guard calls > 0 else { throw BenchError("the C floor failed") }
        return Measurement(
            calls: calls,
            seconds: Double(nanoseconds) / 1e9,
            latencies: Array(latencies.prefix(min(calls, latencies.count)))
        )
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
