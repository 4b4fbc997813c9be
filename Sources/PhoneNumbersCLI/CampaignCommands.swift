import ArgumentParser
import PhoneNumbersClient
import ProtoBridge

/// `phone-numbers campaigns …`.
struct CampaignsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaigns",
        abstract: "Create, launch, pause, resume and archive campaigns.",
        subcommands: [Create.self, Launch.self, Pause.self, Resume.self, Archive.self, List.self, Show.self]
    )

    static let header = ["ID", "NAME", "STATE", "SENDER", "NUMBER", "REASON"]

    static func row(_ campaign: Campaign) -> [String] {
        [
            campaign.id, campaign.name, displayName(campaign.state.protoName), campaign.senderKind,
            campaign.e164.isEmpty ? "-" : campaign.e164, campaign.failureReason,
        ]
    }

    static func describe(_ campaign: Campaign) -> String {
        table(header, [row(campaign)])
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a DRAFT campaign on a dedicated number or a single-use sender.",
            discussion:
                "Without --number or --use-case, the account's only READY dedicated number is used; with several, the error lists them."
        )
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Option(help: "The campaign's name.") var name: String
        @Option(help: "Send from this dedicated number (its id).") var number = ""
        @Option(help: "Single-use: the APPROVED use case.") var useCase = ""
        @Option(
            name: .customLong("area-code"),
            parsing: .unconditionalSingleValue,
            help: "Single-use: a preferred area code (repeatable, in order)."
        )
        var areaCodes: [String] =
            []
        @Option(help: "An idempotency key.") var requestId = ""

        func validate() throws {
            if !number.isEmpty && (!useCase.isEmpty || !areaCodes.isEmpty) {
                throw ValidationError(
                    "--number sends from a dedicated number; --use-case and --area-code describe a single-use sender. Give one or the other."
                )
            }
        }

        func run() async throws {
            var request: CreateCampaignRequest = client.request()
            request.name = name
            request.requestId = requestId
            if !number.isEmpty {
                var sender = DedicatedSender()
                sender.numberId = number
                request.dedicated = sender
            }
            if !useCase.isEmpty || !areaCodes.isEmpty {
                var sender = SingleUseSender()
                sender.useCaseId = useCase
                sender.preferredAreaCodes = areaCodes
                request.singleUse = sender
            }
            try await call(client, CampaignsMethods.createCampaign, request, text: CampaignsCommand.describe)
        }
    }

    struct Launch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Launch a DRAFT campaign.")
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Argument(help: "The campaign's id.") var id: String
        @Flag(help: "Show progress until the campaign is ACTIVE (or back in DRAFT).") var wait = false

        func run() async throws {
            try await withServer(client) { api in
                let request: CampaignRequest = client.request(campaign: id)
                guard wait else {
                    let campaign = try await api.campaigns.launchCampaign(request, options: client.callOptions)
                    emit(campaign, client, CampaignsCommand.describe(campaign))
                    return
                }
                _ = try await watchChanges(api, client) {
                    let campaign = try await api.campaigns.launchCampaign(request, options: client.callOptions)
                    return (campaign.id, campaign.state != .launching)
                } isFinal: {
                    $0.kind == "CAMPAIGN_STATE_CHANGED" && ["ACTIVE", "DRAFT", "ARCHIVED"].contains($0.newState)
                }
                let campaign = try await api.campaigns.getCampaign(request, options: client.callOptions)
                emit(campaign, client, line: true, CampaignsCommand.describe(campaign))
                if campaign.state != .active { throw ExitCode(1) }
            }
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pause an ACTIVE campaign.")
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Argument(help: "The campaign's id.") var id: String

        func run() async throws {
            try await call(client, CampaignsMethods.pauseCampaign, client.request(campaign: id), text: CampaignsCommand.describe)
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resume a PAUSED campaign.")
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Argument(help: "The campaign's id.") var id: String

        func run() async throws {
            try await call(client, CampaignsMethods.resumeCampaign, client.request(campaign: id), text: CampaignsCommand.describe)
        }
    }

    struct Archive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Archive a campaign (releases a single-use number).")
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Argument(help: "The campaign's id.") var id: String

        func run() async throws {
            try await call(client, CampaignsMethods.archiveCampaign, client.request(campaign: id), text: CampaignsCommand.describe)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List campaigns.")
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Option(help: "Only campaigns in this state.") var state: CampaignState?
        @Option(help: "Only campaigns using this number (its id).") var number = ""

        func run() async throws {
            var request: ListCampaignsRequest = client.request()
            request.state = state ?? .unspecified
            request.numberId = number
            try await call(client, CampaignsMethods.listCampaigns, request) {
                table(CampaignsCommand.header, $0.campaigns.map(CampaignsCommand.row))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one campaign.")
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Argument(help: "The campaign's id.") var id: String

        func run() async throws {
            try await call(client, CampaignsMethods.getCampaign, client.request(campaign: id), text: details)
        }
    }
}

/// `phone-numbers senders resolve`.
struct SendersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "senders",
        abstract: "Which number texts a contact.",
        subcommands: [Resolve.self]
    )

    struct Resolve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The number and conversation that text a contact for an ACTIVE campaign.")
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Option(help: "The campaign's id.") var campaign: String
        @Option(help: "The contact's phone number.") var contact: String

        func run() async throws {
            var request: ResolveSenderRequest = client.request(campaign: campaign)
            request.contact = contact
            try await call(client, CampaignsMethods.resolveSender, request) {
                "\($0.e164) → \($0.contact) (conversation \($0.conversationId))"
            }
        }
    }
}

/// `phone-numbers events watch`.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "The account's live event log.",
        subcommands: [Watch.self]
    )

    struct Watch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print every number status and campaign state change as it happens.")
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Option(parsing: .unconditional, help: "Replay events after this sequence number first.") var since: Int64 = 0
        @Flag(help: "Replay the whole log first.") var fromStart = false

        func run() async throws {
            try await withServer(client) { api in
                var request: WatchEventsRequest = client.request()
                request.since = since
                request.fromStart = fromStart
                for try await event in api.events.watchEvents(request) {
                    if client.json {
                        print(event.jsonValue.rendered())
                    } else if event.kind == "WATCH_STARTED" {
                        print("watching from sequence \(event.sequence)")
                    } else {
                        print(
                            TerminalText.safe(
                                "#\(event.sequence) \(event.kind) \(event.subjectId): \(event.oldState) → \(event.newState)\(event.reason.isEmpty ? "" : " — \(event.reason)")"
                            )
                        )
                    }
                }
            }
        }
    }
}

/// `phone-numbers audit list`.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "The audit trail (owner, admin, operator).",
        subcommands: [List.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List audit entries, newest first.")
        @OptionGroup(title: "Connection Options") var client: ClientOptions
        @Option(help: "Only this action, e.g. NUMBER_ADDED.") var action = ""
        @Option(help: "Only entries about this number, campaign or use case id.") var subject = ""
        @Option(help: "Entries per page.") var pageSize: Int32 = 50
        @Option(help: "The next_page_token of a previous page.") var pageToken = ""

        func run() async throws {
            var request: ListAuditEventsRequest = client.request()
            request.action = action
            request.subjectId = subject
            request.pageSize = pageSize
            request.pageToken = pageToken
            try await call(client, EventsMethods.listAuditEvents, request) { response in
                table(
                    ["ID", "ACTION", "ACTOR", "SUBJECT", "CHANGE", "REQUEST"],
                    response.events.map {
                        ["\($0.id)", $0.action, $0.actor, $0.subjectId, "\($0.oldValue) → \($0.newValue)", $0.requestId]
                    }
                )
                    + (response.nextPageToken.isEmpty ? "" : "\nnext page: --page-token \(response.nextPageToken)")
            }
        }
    }
}
