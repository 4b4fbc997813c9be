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
        /// Writes committed together at most.
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
    private let pending = Mutex<(writes: [PendingWrite], draining: Bool)>(([], false))
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
            let startDrain = pending.withLock { state -> Bool in
                state.writes.append(write)
                guard !state.draining else { return false }
                state.draining = true
                return true
            }
            if startDrain {
                writer.queue.async { self.drainWrites() }
            }
        }
    }

    /// Runs `body` in a read transaction (a consistent snapshot) on a reader connection.
    /// - Throws: what `body` throws, or `SQLiteError`.
    public func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let index = nextReader.wrappingAdd(1, ordering: .relaxed).oldValue % readers.count
        let connection = readers[index]
        return try await withCheckedThrowingContinuation { continuation in
            connection.queue.async {
                let database = connection.database
                continuation.resume(
                    with: Result {
                        try database.execute("BEGIN")
                        defer { try? database.execute("COMMIT") }
                        return try body(database)
                    }
                )
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
            let batch = pending.withLock { state -> [PendingWrite] in
                let batch = Array(state.writes.prefix(maxBatch))
                state.writes.removeFirst(batch.count)
                if batch.isEmpty { state.draining = false }
                return batch
            }
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

    init(_ database: Database, label: String) {
        self.database = database
        self.queue = DispatchQueue(label: label)
    }
}

/// A write waiting for the writer. `run` executes the body on the writer queue and
/// returns whether it succeeded and how to resume the caller once the commit is done;
/// `fail` resumes the caller with an error instead (the body did not run, or its
/// transaction did not commit). Exactly one of the two resumes the caller.
private struct PendingWrite: @unchecked Sendable {
    let run: (Database) -> (Bool, () -> Void)
    let fail: (any Error) -> Void
}
