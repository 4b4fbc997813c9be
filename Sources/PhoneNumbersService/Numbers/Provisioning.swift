/// The background half of dedicated numbers: provisioning, releasing, and finishing
/// reservations a crashed call left behind. Each is a durable job.
extension NumbersDomain {
    /// Registers this domain's job handlers.
    public func registerJobs() {
        jobs.register(.provisionNumber) { job in await self.provision(job) }
        jobs.register(.releaseNumber) { job in await self.release(job) }
        jobs.register(.completeReservation) { job in
            do {
                _ = try await self.completeReservation(job.subjectID, actor: .system, requestID: "")
                return .done
            } catch let error as DomainError where error.code != .unavailable {
                return .done  // the reservation was discarded
            } catch {
                return .retry(after: retryBackoff(attempt: job.attempts), error: "\(error)")
            }
        }
    }

    /// Provisions the number for its use case and sets its port-out PIN; READY on
    /// success, FAILED with a reason on a permanent error or after repeated transient ones.
    func provision(_ job: JobRecord) async -> JobOutcome {
        do {
            guard let number = try await store.read({ try $0.number(job.subjectID) }), number.status == .provisioning else {
                try await store.write { try $0.deleteJob(kind: .provisionNumber, subjectID: job.subjectID) }
                return .done
            }
            try await attemptCounted(number)
            do {
                try await provider.provision(e164: number.e164, useCaseID: number.useCaseID)
                try await provider.setPortOutPIN(e164: number.e164, pin: NumberRules.makePortOutPIN())
            } catch .permanent(let why) {
                try await finishProvisioning(number.id, failure: why)
                return .done
            } catch .noInventory {
                try await finishProvisioning(number.id, failure: "the provider no longer holds this number")
                return .done
            } catch .transient(let why) {
                if job.attempts + 1 >= NumberRules.maxProvisioningAttempts {
                    try await finishProvisioning(
                        number.id, failure: "the provider kept failing (\(why)); retry provisioning later or contact support")
                    return .done
                }
                return .retry(after: retryBackoff(attempt: job.attempts), error: why)
            }
            try await finishProvisioning(number.id, failure: nil)
            return .done
        } catch {
            return .retry(after: retryBackoff(attempt: job.attempts), error: "\(error)")
        }
    }

    private func attemptCounted(_ number: NumberRecord) async throws {
        try await store.write { tx in
            guard var current = try tx.number(number.id), current.status == .provisioning else { return }
            current.provisioningAttempts += 1
            try tx.update(current)
        }
    }

    private func finishProvisioning(_ numberID: String, failure: String?) async throws {
        let updated = try await store.write { tx -> NumberRecord? in
            try tx.deleteJob(kind: .provisionNumber, subjectID: numberID)
            guard var number = try tx.number(numberID), number.status == .provisioning else { return nil }
            let old = number
            let now = currentTimestamp()
            if let failure {
                number.status = .failed
                number.failureReason = failure
                number.failedAt = now
            } else {
                number.status = .ready
                number.readyAt = now
                number.failureReason = ""
            }
            number.updatedAt = now
            try tx.update(number)
            try ChangeLog.number(tx, from: old, to: number, actor: .system, action: failure == nil ? "PROVISIONING_SUCCEEDED" : "PROVISIONING_FAILED")
            if number.kind == .singleUse {
                try CampaignsDomain.singleUseNumberFinished(tx, number)
            }
            return number
        }
        if let updated {
            signals.notify(updated.accountID)
            logger.info(
                "provisioning finished",
                metadata: ["number.id": "\(numberID)", "number.status": "\(updated.status.rawValue)", "reason": "\(updated.failureReason)"])
        }
    }

    /// Releases a deleted number at the provider.
    func release(_ job: JobRecord) async -> JobOutcome {
        do {
            guard let number = try await store.read({ try $0.number(job.subjectID) }) else {
                try await store.write { try $0.deleteJob(kind: .releaseNumber, subjectID: job.subjectID) }
                return .done
            }
            do {
                if number.e164.isEmpty {
                    // Released while still reserving: the provider may hold a reservation anyway.
                    try await provider.cancelReservation(reservationKey: number.id)
                } else {
                    try await provider.release(e164: number.e164, reservationKey: number.id)
                }
            } catch .transient(let why) {
                return .retry(after: retryBackoff(attempt: job.attempts), error: why)
            } catch {
                logger.warning("provider refused a release", metadata: ["number.id": "\(number.id)", "error": "\(error)"])
            }
            try await store.write { try $0.deleteJob(kind: .releaseNumber, subjectID: job.subjectID) }
            return .done
        } catch {
            return .retry(after: retryBackoff(attempt: job.attempts), error: "\(error)")
        }
    }
}
