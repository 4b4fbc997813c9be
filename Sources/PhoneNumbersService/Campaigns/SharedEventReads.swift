import Synchronization

/// Reads of an account's new events, shared by the watchers a change wakes together:
/// one store read per change and account instead of one per watcher.
///
/// A watcher woken by a signal joins a read that has not started yet (so it sees the
/// change that was signalled) and that starts no later in the log than the watcher's
/// position; otherwise it starts one. Each watcher keeps only the events after its own
/// position, so sharing adds no gap and no duplicate.
final class SharedEventReads: Sendable {
    /// Up to `pageSize` events after `after`, as read in one snapshot; `complete` when
    /// the page was not full (nothing more after it in that snapshot).
    struct Page: Sendable {
        let events: [EventRecord]
        let complete: Bool
    }

    private struct Flight {
        let id: Int
        let after: Int64
        var started: Bool
        let task: Task<Page, any Error>
    }

    private let store: any PhoneNumbersStore
    private let pageSize: Int
    private let flights = Mutex<[String: Flight]>([:])
    private let nextID = Atomic<Int>(0)

    init(store: any PhoneNumbersStore, pageSize: Int = 500) {
        self.store = store
        self.pageSize = pageSize
    }

    /// The account's events after `sequence`, from a read that starts after this call.
    func events(ofAccount accountID: String, after sequence: Int64) async throws -> Page {
        let task = flights.withLock { flights -> Task<Page, any Error> in
            if let flight = flights[accountID], !flight.started, flight.after <= sequence {
                return flight.task
            }
            let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
            let task = Task { [store, pageSize] in
                self.markStarted(accountID, id)
                defer { self.remove(accountID, id) }
                let events = try await store.read { try $0.events(ofAccount: accountID, after: sequence, limit: pageSize) }
                return Page(events: events, complete: events.count < pageSize)
            }
            flights[accountID] = Flight(id: id, after: sequence, started: false, task: task)
            return task
        }
        let page = try await task.value
        let mine = page.events.drop { $0.sequence <= sequence }
        return Page(events: Array(mine), complete: page.complete)
    }

    private func markStarted(_ accountID: String, _ id: Int) {
        flights.withLock { flights in
            if flights[accountID]?.id == id { flights[accountID]?.started = true }
        }
    }

    private func remove(_ accountID: String, _ id: Int) {
        flights.withLock { flights in
            if flights[accountID]?.id == id { flights[accountID] = nil }
        }
    }
}
