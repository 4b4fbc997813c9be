import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OpenAPIHummingbird
import OpenAPIRuntime
import ServiceLifecycle
import Synchronization
import TelnyxAPI

/// A stateful stand-in for the Telnyx API on loopback, served from the same published
/// description as the adapter's client: inventory per area code, 30-minute
/// reservations, orders and 10DLC assignments that complete as its clock moves, port-out
/// requests injected by tests, and failures on demand (429 with Retry-After, 500,
/// answers too slow for the caller's time limit).
public final class TelnyxEmulator: Sendable {
    /// How the emulated provider behaves.
    public struct Behaviour: Sendable {
        public var inventoryPerAreaCode: Int
        public var emptyAreaCodes: Set<String>
        /// How long an order stays `pending`.
        public var orderDelay: Duration
        /// How long an assignment stays PENDING_ASSIGNMENT.
        public var assignmentDelay: Duration
        /// Area codes whose assignments end FAILED_ASSIGNMENT.
        public var failAssignmentAreaCodes: Set<String>
        /// How long a reservation holds a number.
        public var reservationLifetime: Duration

        public init(
            inventoryPerAreaCode: Int = 20,
            emptyAreaCodes: Set<String> = ["202", "206", "207", "212", "406", "907"],
            orderDelay: Duration = .seconds(2),
            assignmentDelay: Duration = .seconds(2),
            failAssignmentAreaCodes: Set<String> = [],
            reservationLifetime: Duration = .seconds(1800)
        ) {
            self.inventoryPerAreaCode = min(100, inventoryPerAreaCode)
            self.emptyAreaCodes = emptyAreaCodes
            self.orderDelay = orderDelay
            self.assignmentDelay = assignmentDelay
            self.failAssignmentAreaCodes = failAssignmentAreaCodes
            self.reservationLifetime = reservationLifetime
        }
    }

    /// A failure the next matching call gets instead of its answer.
    public enum Fault: Sendable, Equatable {
        /// HTTP 429 with `Retry-After` seconds.
        case rateLimited(retryAfterSeconds: Int)
        /// HTTP 500.
        case serverError
        /// The answer comes after `delay` (longer than the caller waits).
        case slow(Duration)
    }

    /// One request and its answer, as sent on the wire (for the contract check).
    public struct Exchange: Sendable, Codable {
        public var method: String
        public var path: String
        public var query: String
        public var requestBody: String
        public var status: Int
        public var responseBody: String
        public var responseContentType: String
    }

    let behaviour: Mutex<Behaviour>
    let state = Mutex(EmulatorState())
    let faults = Mutex<[String: [Fault]]>([:])
    let offset = Atomic<Int64>(0)
    let recorded = Mutex<[Exchange]>([])
    /// The API key it accepts.
    public let apiKey: String
    /// Where each exchange is also appended as a JSON line (`TELNYX_EXCHANGE_LOG`), for
    /// the contract check of the test run.
    let exchangeLog: String?

    public init(
        behaviour: Behaviour = Behaviour(),
        apiKey: String = "KEY-emulator",
        exchangeLog: String? = ProcessInfo.processInfo.environment["TELNYX_EXCHANGE_LOG"]
    ) {
        self.behaviour = Mutex(behaviour)
        self.apiKey = apiKey
        self.exchangeLog = exchangeLog
    }

    // MARK: Clock

    /// The emulator's time: the wall clock plus what tests advanced.
    var now: Int64 { Int64(Date().timeIntervalSince1970 * 1000) + offset.load(ordering: .relaxed) }

    /// Moves the emulator's clock forward (orders, assignments and reservations follow).
    public func advance(by duration: Duration) {
        offset.add(duration.milliseconds, ordering: .relaxed)
    }

    /// Changes how it behaves from now on.
    public func configure(_ change: (inout Behaviour) -> Void) {
        behaviour.withLock { change(&$0) }
    }

    // MARK: Faults

    /// The next calls of `operationID` (`CreateNumberOrder`, … or `*` for any) fail so, in order.
    public func inject(_ faults: [Fault], into operationID: String = "*") {
        self.faults.withLock { $0[operationID, default: []] += faults }
    }

    func nextFault(_ operationID: String) -> Fault? {
        faults.withLock { faults in
            for key in [operationID, "*"] where !(faults[key]?.isEmpty ?? true) {
                return faults[key]!.removeFirst()
            }
            return nil
        }
    }

    // MARK: What tests look at and inject

    /// Orders placed under `customerReference` (a number bought twice shows 2).
    public func ordersPlaced(customerReference: String) -> Int {
        state.withLock { $0.ordersPlaced[customerReference] ?? 0 }
    }

    /// The numbers the emulated account holds, by E.164, with their customer reference.
    public func heldNumbers() -> [String: String] {
        state.withLock { Dictionary($0.numbers.values.map { ($0.e164, $0.customerReference) }, uniquingKeysWith: { a, _ in a }) }
    }

    /// Every number held for a customer reference, by a reservation or by a purchase
    /// (E.164 → reference): what the account pays for or blocks.
    public func holds() -> [String: String] {
        state.withLock { state in
            var holds = Dictionary(state.reservations.values.map { ($0.e164, $0.customerReference) }, uniquingKeysWith: { a, _ in a })
            for number in state.numbers.values { holds[number.e164] = number.customerReference }
            return holds
        }
    }

    /// The `external_pin` of a held number.
    public func externalPIN(_ e164: String) -> String? {
        state.withLock { $0.numbers.values.first { $0.e164 == e164 }?.externalPIN }
    }

    /// A number's campaign assignment status.
    public func assignmentStatus(_ e164: String) -> String? {
        state.withLock { $0.assignments[e164]?.status }
    }

    /// Buys a number outside the service (as someone in the portal would): drift.
    public func buyOutside(_ e164: String) {
        let now = self.now
        state.withLock { state in
            let id = String(2_000_000_000_000 + state.nextID)
            state.nextID += 1
            state.numbers[id] = .init(id: id, e164: e164, customerReference: "", messagingProfileID: "", externalPIN: "", createdAt: now)
        }
    }

    /// Deletes a number outside the service: drift the other way.
    public func deleteOutside(_ e164: String) {
        state.withLock { state in state.numbers = state.numbers.filter { $0.value.e164 != e164 } }
    }

    /// A gaining carrier asks to port `e164` away with `pin`. As Telnyx does, a wrong
    /// PIN is rejected by the provider at once; a right one waits `pending` for the
    /// number's owner. Returns the request's id.
    @discardableResult
    public func requestPortOut(_ e164: String, pin: String, carrier: String) -> String {
        let now = self.now
        return state.withLock { state in
            let id = UUID().uuidString.lowercased()
            let actual = state.numbers.values.first { $0.e164 == e164 }?.externalPIN ?? ""
            let matches = !actual.isEmpty && actual == pin
            state.portOuts[id] = .init(
                id: id,
                e164s: [e164],
                carrier: carrier,
                status: matches ? "pending" : "rejected",
                reason: matches ? nil : "The PIN given does not match the account's PIN.",
                createdAt: now
            )
            return id
        }
    }

    /// Registers (or changes) a 10DLC brand: status OK, REGISTRATION_PENDING or
    /// REGISTRATION_FAILED; identity VERIFIED, UNVERIFIED, SELF_DECLARED or VETTED_VERIFIED.
    public func setBrand(_ id: String, status: String, identity: String? = nil) {
        state.withLock { $0.brands[id] = (status, identity) }
    }

    /// Registers (or changes) a 10DLC campaign's `campaignStatus`.
    public func setCampaign(_ id: String, status: String) {
        state.withLock { $0.campaigns[id] = status }
    }

    /// A port-out request's status and reason.
    public func portOut(_ id: String) -> (status: String, reason: String?)? {
        state.withLock { state in state.portOuts[id].map { ($0.status, $0.reason) } }
    }

    /// Every exchange so far.
    public var exchanges: [Exchange] { recorded.withLock { $0 } }

    func record(_ exchange: Exchange) {
        recorded.withLock { $0.append(exchange) }
        guard let exchangeLog, let line = try? JSONEncoder().encode(exchange) else { return }
        // One write(2) per line on a file opened for appending: emulators of tests that
        // run at once share the log without tearing each other's lines.
        let fd = open(exchangeLog, O_WRONLY | O_APPEND | O_CREAT, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let bytes = Array(line) + [UInt8(ascii: "\n")]
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    // MARK: Serving

    /// Serves on `host:port` (0: a free port) until the task is cancelled or a graceful
    /// shutdown begins (SIGTERM in `telnyx-emulator`); `onListening` hears the port.
    public func run(host: String = "127.0.0.1", port: Int = 0, onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws
    {
        try await application(host: host, port: port, onListening: onListening).runService()
    }

    /// Starts serving on a free loopback port; `stop()` the result when done. Stopping
    /// is graceful (the listener closes first, then answers in flight finish), so no
    /// connection is accepted while the server is being torn down.
    public func start() async throws -> Running {
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "telnyx-emulator")
        logger.logLevel = .critical
        let group = ServiceGroup(
            services: [try application(host: "127.0.0.1", port: 0) { port in continuation.yield(port) }],
            logger: logger
        )
        let task = Task { try await group.run() }
        for await port in stream { return Running(url: URL(string: "http://127.0.0.1:\(port)/v2")!, group: group, task: task) }
        task.cancel()
        throw CancellationError()
    }

    /// An emulator serving in this process.
    public struct Running: Sendable {
        /// The API's base URL (`http://127.0.0.1:PORT/v2`).
        public let url: URL
        let group: ServiceGroup
        let task: Task<Void, any Error>

        /// Stops at once (where waiting is impossible, as in a `deinit`).
        public func cancel() { task.cancel() }

        /// Stops serving, gracefully, and waits until it has.
        public func stop() async {
            await group.triggerGracefulShutdown()
            _ = try? await task.value
        }
    }

    private func application(
        host: String,
        port: Int,
        onListening: @escaping @Sendable (Int) async -> Void
    ) throws -> some ApplicationProtocol {
        let router = Router()
        try EmulatedAPI(emulator: self).registerHandlers(
            on: router,
            serverURL: URL(string: "/v2")!,
            middlewares: [EmulatorMiddleware(emulator: self)]
        )
        // What a test or a person drives from outside, beside the API: a gaining
        // carrier's port-out request (`{"phone_number", "pin", "carrier"}`).
        router.post("/emulator/portouts") { request, context -> Response in
            struct Asked: Decodable {
                var phone_number: String
                var pin: String
                var carrier: String?
            }
            guard let asked = try? await request.decode(as: Asked.self, context: context) else {
                return Response(
                    status: .badRequest,
                    body: .init(byteBuffer: ByteBuffer(string: "{\"error\": \"phone_number and pin are required\"}\n"))
                )
            }
            let id = self.requestPortOut(asked.phone_number, pin: asked.pin, carrier: asked.carrier ?? "Other Carrier")
            let status = self.portOut(id)?.status ?? ""
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "{\"id\": \"\(id)\", \"status\": \"\(status)\"}\n")))
        }
        router.get("/emulator/portouts/:id") { _, context -> Response in
            let id = context.parameters.get("id") ?? ""
            guard let found = self.portOut(id) else { return Response(status: .notFound) }
            let body = "{\"id\": \"\(id)\", \"status\": \"\(found.status)\", \"reason\": \"\(found.reason ?? "")\"}\n"
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        var logger = Logger(label: "telnyx-emulator")
        logger.logLevel = .warning
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port)),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }
}
