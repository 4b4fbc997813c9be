import Foundation
import PhoneNumbersService
import Synchronization
import Testing

/// Jobs shared by several runners (replicas on one database): each job runs in one
/// place at a time, and a runner that dies hands its jobs over when their leases end.
@Suite("job leases")
struct JobLeaseTests {
    static func job(_ subject: String, runAt: Timestamp = currentTimestamp()) -> JobRecord {
        JobRecord(kind: .reconcileNumbers, subjectID: subject, runAt: runAt, traceContext: "")
    }

    @Test("a leased job is nobody else's until its lease ends; a freed one is anyone's; a lost lease reschedules nothing")
    func leases() async throws {
        try await TestStores.with(replicas: 2) { stores in
            let (a, b) = (stores[0], stores[1])
            let now = currentTimestamp()
            try await a.write { try $0.upsert(Self.job("j1", runAt: now - 10)) }
            let claimedByA = try await a.write {
                try $0.claimDueJobs(kinds: [.reconcileNumbers], at: now, owner: "A", leaseUntil: now + 1_000, limit: 10)
            }
            #expect(claimedByA.map(\.subjectID) == ["j1"])
            // Before the lease ends, B finds nothing; the next job time is the lease's end.
            #expect(
                try await b.write {
                    try $0.claimDueJobs(kinds: [.reconcileNumbers], at: now + 999, owner: "B", leaseUntil: now + 2_000, limit: 10)
                }.isEmpty
            )
            #expect(try await b.read { try $0.nextJobTime() } == now + 1_000)
            // After it, B takes it over, and A, late, can no longer reschedule it.
            let claimedByB = try await b.write {
                try $0.claimDueJobs(kinds: [.reconcileNumbers], at: now + 1_000, owner: "B", leaseUntil: now + 31_000, limit: 10)
            }
            #expect(claimedByB.map(\.subjectID) == ["j1"])
            var lateJob = claimedByA[0]
            lateJob.attempts = 7
            let late = lateJob
            #expect(try await a.write { try $0.reschedule(late, leasedBy: "A") } == false)
            // B stops without finishing: the job is free at once.
            try await b.write { try $0.releaseLeases(owner: "B") }
            #expect(
                try await a.write {
                    try $0.claimDueJobs(kinds: [.reconcileNumbers], at: now + 1_001, owner: "A", leaseUntil: now + 2_000, limit: 10)
                }.count == 1
            )
            // A kind the claimer cannot run is left to runners that can.
            try await a.write { try $0.upsert(JobRecord(kind: .vetBrand, subjectID: "b1", runAt: now - 10, traceContext: "")) }
            #expect(
                try await b.write {
                    try $0.claimDueJobs(kinds: [.reconcileNumbers], at: now + 5_000, owner: "B", leaseUntil: now + 6_000, limit: 10)
                }.map(\.subjectID) == ["j1"]
            )
        }
    }

    @Test("two runners on one database run each of 60 jobs exactly once")
    func sharedQueue() async throws {
        try await TestStores.with(replicas: 2) { stores in
            let runs = Mutex<[String: Int]>([:])
            let runners = stores.map { JobRunner(store: $0) }
            for (index, runner) in runners.enumerated() {
                let store = stores[index]
                runner.register(.reconcileNumbers) { job in
                    runs.withLock { $0[job.subjectID, default: 0] += 1 }
                    try? await Task.sleep(for: .milliseconds(5))
                    _ = try? await store.write { try $0.deleteJob(kind: .reconcileNumbers, subjectID: job.subjectID) }
                    return .done
                }
            }
            try await stores[0].write { tx in
                for index in 0..<60 { try tx.upsert(Self.job("job\(index)")) }
            }
            let tasks = runners.map { runner in Task { try await runner.run() } }
            defer { for task in tasks { task.cancel() } }
            for _ in 0..<600 where try await stores[0].read({ try $0.nextJobTime() }) != nil {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(try await stores[0].read { try $0.nextJobTime() } == nil, "every job finished")
            let counts = runs.withLock { $0 }
            #expect(counts.count == 60)
            #expect(counts.values.allSatisfy { $0 == 1 }, "\(counts.filter { $0.value != 1 })")
        }
    }

    @Test("a job whose run schedules its next step at once runs that step next, not after its lease", .timeLimit(.minutes(2)))
    func nextStepRunsAtOnce() async throws {
        try await TestStores.with(replicas: 1) { stores in
            let store = stores[0]
            let runner = JobRunner(store: store, leaseDuration: .seconds(120))
            let steps = Mutex(0)
            runner.register(.reconcileNumbers) { job in
                // Like vetting: the final transaction replaces the job with its next step, due now.
                let step = steps.withLock { steps -> Int in
                    steps += 1
                    return steps
                }
                _ = try? await store.write { tx in
                    if step < 100 {
                        try tx.upsert(Self.job(job.subjectID))
                    } else {
                        try tx.deleteJob(kind: .reconcileNumbers, subjectID: job.subjectID)
                    }
                }
                runner.wake()
                return .done
            }
            try await store.write { try $0.upsert(Self.job("chain")) }
            let task = Task { try await runner.run() }
            defer { task.cancel() }
            // A step claimed while the previous one ended would otherwise wait 120 s for its lease
            // (longer than the time limit); a hundred steps take a second or two alone, more under load.
            for _ in 0..<9_000 where try await store.read({ try $0.nextJobTime() }) != nil {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(steps.withLock { $0 } == 100)
        }
    }

    @Test("a claim made while a run ends is dropped when that run finished the job: it runs once", .timeLimit(.minutes(2)))
    func finishedJobIsNotRunAgain() async throws {
        try await TestStores.with(replicas: 1) { stores in
            let store = stores[0]
            let runner = JobRunner(store: store, leaseDuration: .seconds(120), owner: "runner-once")
            let runs = Mutex(0)
            runner.register(.reconcileNumbers) { job in
                runs.withLock { $0 += 1 }
                // While this run goes on, the job becomes due again and this runner claims it
                // (as when a lease lapses under load and the same runner takes the job back)…
                _ = try? await store.write { try $0.upsert(Self.job(job.subjectID)) }
                runner.wake()
                for _ in 0..<2_000 {
                    let claimed =
                        (try? await store.read {
                            try $0.holdsLease(kind: .reconcileNumbers, subjectID: job.subjectID, owner: "runner-once")
                        }) ?? false
                    if claimed { break }
                    try? await Task.sleep(for: .milliseconds(10))
                }
                // …then this run finishes the job.
                _ = try? await store.write { try $0.deleteJob(kind: .reconcileNumbers, subjectID: job.subjectID) }
                return .done
            }
            try await store.write { try $0.upsert(Self.job("once")) }
            let task = Task { try await runner.run() }
            defer { task.cancel() }
            for _ in 0..<2_000 where try await store.read({ try $0.nextJobTime() }) != nil || runs.withLock({ $0 }) == 0 {
                try await Task.sleep(for: .milliseconds(10))
            }
            // Let a second run, if one were coming, start: the runner wakes when a run ends.
            runner.wake()
            try await Task.sleep(for: .milliseconds(300))
            #expect(runs.withLock { $0 } == 1)
        }
    }

    @Test("a runner that dies mid-job keeps it only until the lease ends; another runner then finishes it")
    func takeover() async throws {
        try await TestStores.with(replicas: 2) { stores in
            let started = Mutex<[String]>([])
            let dying = JobRunner(store: stores[0], leaseDuration: .seconds(1))
            dying.register(.reconcileNumbers) { _ in
                started.withLock { $0.append("dying") }
                try? await Task.sleep(for: .seconds(3600))  // never finishes: the runner dies first
                return .done
            }
            try await stores[0].write { try $0.upsert(Self.job("slow")) }
            let dyingTask = Task { try await dying.run() }
            for _ in 0..<200 where started.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(20)) }
            #expect(started.withLock { $0 } == ["dying"])
            dyingTask.cancel()  // not a graceful stop: the lease is not freed
            _ = try? await dyingTask.value

            let survivor = JobRunner(store: stores[1], leaseDuration: .seconds(1))
            let store = stores[1]
            survivor.register(.reconcileNumbers) { job in
                started.withLock { $0.append("survivor") }
                _ = try? await store.write { try $0.deleteJob(kind: .reconcileNumbers, subjectID: job.subjectID) }
                return .done
            }
            let survivorTask = Task { try await survivor.run() }
            defer { survivorTask.cancel() }
            for _ in 0..<500 where try await store.read({ try $0.nextJobTime() }) != nil { try await Task.sleep(for: .milliseconds(20)) }
            #expect(started.withLock { $0 } == ["dying", "survivor"])
            #expect(try await store.read { try $0.nextJobTime() } == nil)
        }
    }
}
