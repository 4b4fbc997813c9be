/// Per-call settings a caller may give.
public struct CallOptions: Sendable {
    /// How long the call may take, from when it is started; `nil` for no limit. The
    /// server is told the time left and enforces it too.
    public var timeout: Duration?
    /// Metadata sent with the request, added to the connection's defaults.
    public var metadata: Metadata

    /// Options with an optional timeout and metadata.
    public init(timeout: Duration? = nil, metadata: Metadata = [:]) {
        self.timeout = timeout
        self.metadata = metadata
    }
}
