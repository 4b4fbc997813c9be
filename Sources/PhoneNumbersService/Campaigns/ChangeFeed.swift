import ServiceLifecycle

/// Wakes this replica's watchers (WatchEvents, WatchNumber, `--wait`) when another
/// replica sharing the store commits a change to their account. Run it beside the job
/// runner; with a store only this process uses, it idles until stopped.
public struct ChangeFeed: Service {
    let store: any PhoneNumbersStore
    let signals: AccountSignals

    public func run() async throws {
        let signals = self.signals
        do {
            try await cancelWhenGracefulShutdown {
                try await store.followChanges { accountID in
                    if let accountID { signals.notify(accountID) } else { signals.notifyAll() }
                }
                // Nothing to follow (one process): idle until stopped.
                while true { try await Task.sleep(for: .seconds(3600)) }
            }
        } catch is CancellationError {
            return
        }
    }
}
