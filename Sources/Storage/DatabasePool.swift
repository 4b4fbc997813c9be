import Dispatch
import Synchronization

/// A SQLite database in WAL mode: one writer connection and a few readers, each on
/// its own thread, so blocking SQLite calls never run on Swift's cooperative pool.
///
/// Writes are **group-committed**: writes that arrive while a commit is in progress
/// run together in the next transaction, each inside its own savepoint (a write that
/// throws rolls back alone), and share one commit, hence one fsync. A write's `await`
/// returns only after its transaction committed durably (`synchronous=FULL`).
public final class DatabasePool: Sendable {
    /// Settings of a pool.
    public struct Configuration: Sendable {
        /// Reader connections.
        public var readers: Int
        /// Writes committed together at most; also the most reads run in one read transaction.
        public var maxBatch: Int

        /// Two readers, batches of up to 128 writes.
        public init(readers: Int = 2, maxBatch: Int = 128) {
            self.readers = readers
            self.maxBatch = maxBatch
        }
    }

    private let writer: Connection
    private let readers: [Connection]
    private let nextReader = Atomic<Int>(0)
    private let pendingWrites = Mutex(WaitingWork<PendingWrite>())
    private let maxBatch: Int

    /// The database file's path.
    public let path: String

    /// Opens (creating if needed) the database at `path` in WAL mode with foreign keys on.
    /// - Throws: `SQLiteError` when it cannot be opened.
    private let commitObserver = Mutex<(@Sendable (Int) -> Void)?>(nil)
    public init(path: String, configuration: Configuration = .init()) throws(SQLiteError) {
        self.path = path
        self.maxBatch = configuration.maxBatch
        let writerDatabase = try Database(path: path, readOnly: false)
        try writerDatabase.executeScript(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA wal_autocheckpoint=4000; \(Self.memoryPragmas)"
        )
        writer = Connection(writerDatabase, label: "sqlite.writer")
        var readers: [Connection] = []
        for index in 0..<max(1, configuration.readers) {
            let database = try Database(path: path, readOnly: false)
            try database.executeScript("PRAGMA foreign_keys=ON; PRAGMA query_only=ON; \(Self.memoryPragmas)")
            readers.append(Connection(database, label: "sqlite.reader.\(index)"))
        }
        self.readers = readers
    }

    /// Reads through a memory map of the database file (no read system call per page:
    /// SQLite maps it read-only; writes still go through the WAL) and a 32 MiB page cache
    /// per connection.
    private static let memoryPragmas = "PRAGMA mmap_size=4294967296; PRAGMA cache_size=-32768;"

    /// Runs `body` in a write transaction and returns once it committed.
    /// - Throws: what `body` throws (its changes are rolled back), or `SQLiteError`.
    public func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let write = PendingWrite(
                run: { database in
                    do {
                        let value = try body(database)
                        return (true, { continuation.resume(returning: value) })
                    } catch {
                        return (false, { continuation.resume(throwing: error) })
                    }
                },
                fail: { continuation.resume(throwing: $0) }
            )
            if pendingWrites.withLock({ $0.add(write) }) {
                writer.queue.async { self.drainWrites() }
            }
        }
    }

    /// Runs `body` in a read transaction (a consistent snapshot) on a reader connection.
    ///
    /// Reads that arrive while their connection is busy run together in its next
    /// transaction, one after another, each answered as soon as its body returned: one
    /// BEGIN, COMMIT and thread hop per batch instead of per read. Every read of a batch
    /// was asked for before the batch's snapshot was taken, so it sees every write that
    /// had returned by then.
    /// - Throws: what `body` throws, or `SQLiteError`.
    public func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let index = nextReader.wrappingAdd(1, ordering: .relaxed).oldValue % readers.count
        let connection = readers[index]
        let maxBatch = self.maxBatch
        return try await withCheckedThrowingContinuation { continuation in
            let read = PendingRead(
                run: { database in continuation.resume(with: Result { try body(database) }) },
                fail: { continuation.resume(throwing: $0) }
            )
            if connection.pendingReads.withLock({ $0.add(read) }) {
                connection.queue.async { connection.drainReads(maxBatch: maxBatch) }
            }
        }
    }

    /// Told the size of each committed batch of writes (for the metrics); nil: nobody.
    public func observeCommits(_ observer: (@Sendable (Int) -> Void)?) {
        commitObserver.withLock { $0 = observer }
    }

    /// Runs `body` on the writer connection outside any transaction (migrations, PRAGMAs).
    public func withWriter<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            writer.queue.async {
                continuation.resume(with: Result { try body(self.writer.database) })
            }
        }
    }

    private func drainWrites() {
        while true {
            let batch = pendingWrites.withLock { $0.nextBatch(max: maxBatch) }
            if batch.isEmpty { return }
            commit(batch)
        }
    }

    private func commit(_ batch: [PendingWrite]) {
        let database = writer.database
        do {
            try database.execute("BEGIN IMMEDIATE")
        } catch {
            for write in batch { write.fail(error) }
            return
        }
        var outcomes: [(write: PendingWrite, succeeded: Bool, resume: () -> Void)] = []
        for write in batch {
            do {
                try database.execute("SAVEPOINT batched_write")
            } catch {
                outcomes.append((write, false, { write.fail(error) }))
                continue
            }
            let (succeeded, resume) = write.run(database)
            do {
                if !succeeded { try database.execute("ROLLBACK TO batched_write") }
                try database.execute("RELEASE batched_write")
                outcomes.append((write, succeeded, resume))
            } catch {
                outcomes.append((write, false, { write.fail(error) }))
            }
        }
        do {
            try database.execute("COMMIT")
            commitObserver.withLock { $0 }?(batch.count)
            for outcome in outcomes { outcome.resume() }
        } catch {
            try? database.execute("ROLLBACK")
            for outcome in outcomes {
                if outcome.succeeded { outcome.write.fail(error) } else { outcome.resume() }
            }
        }
    }
}

/// A connection and the serial queue it is used on.
private final class Connection: @unchecked Sendable {
    let database: Database
    let queue: DispatchQueue
    /// Reads waiting for this (reader) connection.
    let pendingReads = Mutex(WaitingWork<PendingRead>())

    init(_ database: Database, label: String) {
        self.database = database
        self.queue = DispatchQueue(label: label)
    }

    /// Runs the waiting reads, a batch per read transaction, until none is left (on `queue`).
    func drainReads(maxBatch: Int) {
        while true {
            let batch = pendingReads.withLock { $0.nextBatch(max: maxBatch) }
            if batch.isEmpty { return }
            do {
                try database.execute("BEGIN")
            } catch {
                for read in batch { read.fail(error) }
                continue
            }
            for read in batch { read.run(database) }
            try? database.execute("COMMIT")
        }
    }
}

/// Work waiting for a connection's queue, and whether a drain of it is under way there.
struct WaitingWork<Item> {
    private var items: [Item] = []
    private var draining = false

    /// Adds `item`; `true` when no drain is under way, so the caller must start one.
    mutating func add(_ item: Item) -> Bool {
        items.append(item)
        guard !draining else { return false }
        draining = true
        return true
    }

    /// The next batch, oldest first; empty when nothing waits, which ends the drain.
    mutating func nextBatch(max: Int) -> [Item] {
        let batch = Array(items.prefix(max))
        items.removeFirst(batch.count)
        if batch.isEmpty { draining = false }
        return batch
    }
}

/// A read waiting for its reader: `run` executes the body in the batch's transaction and
/// answers the caller; `fail` answers with an error instead (the transaction could not begin).
private struct PendingRead: @unchecked Sendable {
    let run: (Database) -> Void
    let fail: (any Error) -> Void
}

/// A write waiting for the writer. `run` executes the body on the writer queue and
/// returns whether it succeeded and how to resume the caller once the commit is done;
/// `fail` resumes the caller with an error instead (the body did not run, or its
/// transaction did not commit). Exactly one of the two resumes the caller.
private struct PendingWrite: @unchecked Sendable {
    let run: (Database) -> (Bool, () -> Void)
    let fail: (any Error) -> Void
}
