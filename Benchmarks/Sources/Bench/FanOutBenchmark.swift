import Foundation
import PhoneNumbersClient
import RPCCore
import RPCNIO
import Synchronization

/// WatchEvents fan-out: `watchers` streams on one account (50 per connection, as many
/// dashboards and launchers would hold), while one producer pauses and resumes the
/// account's campaign, one call after the other, for `seconds`. Each state change is an
/// event every watcher must receive, in order, without gaps.
///
/// Delivery latency: from the start of the producer's call that caused the event to its
/// arrival at a watcher (the call commits the change, the server then wakes each watcher).
enum FanOutBenchmark {
    struct Result {
        var watchers: Int
        var events: Int
        var eventsPerSecond: Double
        var deliveriesPerSecond: Double
        var latency: Measurement
        var complete: Bool
    }

    /// What the watchers and the producer share.
    private final class State: Sendable {
        let started = Atomic<Int>(0)
        let finished = Atomic<Int>(0)
        let sent = Mutex<[ContinuousClock.Instant]>([])
        let stop = Atomic<Bool>(false)
    }

    static func run(_ fixture: ServiceFixture, watchers: Int, seconds: Int) async throws -> Result {
        let template = fixture.template!
        let connections = (0..<max(1, (watchers + 49) / 50)).map { _ in fixture.connection(fixture.readerToken) }
        let producer = fixture.operatorAPI
        defer { Task { for connection in connections { await connection.rpc.close() } } }
        let state = State()

        let deliveries = try await withThrowingTaskGroup(of: [UInt64]?.self) { group in
            for index in 0..<watchers {
                let connection = connections[index / 50]
                group.addTask(executorPreference: connection.rpc.preferredTaskExecutor) {
                    defer { state.finished.wrappingAdd(1, ordering: .relaxed) }
                    var request = WatchEventsRequest()
                    request.accountId = template.accountID
                    var latencies: [UInt64] = []
                    var lastSequence: Int64 = -1
                    do {
                        for try await event in connection.events.watchEvents(request) {
                            if event.kind == "WATCH_STARTED" {
                                state.started.wrappingAdd(1, ordering: .relaxed)
                                continue
                            }
                            guard lastSequence < 0 || event.sequence > lastSequence else { throw BenchError("events out of order") }
                            lastSequence = event.sequence
                            let now = ContinuousClock.now
                            let (origin, total) = state.sent.withLock { ($0.count > latencies.count ? $0[latencies.count] : now, $0.count) }
                            latencies.append((now - origin).nanosecondCount)
                            if state.stop.load(ordering: .acquiring), latencies.count >= total { break }
                        }
                    } catch {
                        // Cancelled by the watchdog: report what arrived.
                    }
                    return latencies
                }
            }
            while state.started.load(ordering: .relaxed) < watchers { try await Task.sleep(for: .milliseconds(10)) }
            // The producer: pause and resume, one change at a time.
            var request = CampaignRequest()
            request.accountId = template.accountID
            request.campaignId = template.campaignID
            let deadline = ContinuousClock.now + .seconds(seconds)
            var paused = false
            func change(last: Bool = false) async throws {
                state.sent.withLock { $0.append(ContinuousClock.now) }
                // Watchers stop once they have every change, which they can know only after
                // `stop` is set: the last change is recorded first, then `stop`.
                if last { state.stop.store(true, ordering: .releasing) }
                _ = try await (paused ? producer.campaigns.resumeCampaign(request) : producer.campaigns.pauseCampaign(request))
                paused.toggle()
            }
            while ContinuousClock.now < deadline { try await change() }
            // End with the campaign ACTIVE, the last change a resume.
            if !paused { try await change() }
            try await change(last: true)
            group.addTask {  // the watchdog
                let limit = ContinuousClock.now + .seconds(30)
                while state.finished.load(ordering: .relaxed) < watchers, ContinuousClock.now < limit {
                    try? await Task.sleep(for: .milliseconds(20))
                }
                return nil
            }
            var all: [[UInt64]] = []
            while let part = try await group.next() {
                if let part { all.append(part) } else { group.cancelAll() }
            }
            return all
        }
        let events = state.sent.withLock { $0.count }
        let elapsed = Double(seconds)  // the last two changes, after the measured window, are counted too: negligible
        let latencies = deliveries.flatMap { $0 }
        return Result(
            watchers: watchers,
            events: events,
            eventsPerSecond: Double(events) / elapsed,
            deliveriesPerSecond: Double(latencies.count) / elapsed,
            latency: Measurement(calls: latencies.count, seconds: elapsed, latencies: latencies),
            complete: deliveries.count == watchers && deliveries.allSatisfy { $0.count == events }
        )
    }
}
