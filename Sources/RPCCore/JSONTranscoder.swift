import ProtoBridge

/// A method's requests and responses between their protobuf encoding and their proto3
/// JSON form, for transports that speak JSON (the Connect gateway) and their clients.
/// Generated per method (`…Methods.jsonTranscoders`); handlers stay protobuf-only.
public struct JSONTranscoder: Sendable {
    /// The method.
    public let descriptor: MethodDescriptor
    /// The encoded request read from its JSON form.
    public let requestFromJSON: @Sendable (JSONValue) throws(JSONMappingError) -> [UInt8]
    /// The JSON form of an encoded request.
    public let requestToJSON: @Sendable ([UInt8]) throws(ProtoDecodingError) -> JSONValue
    /// The JSON form of an encoded response.
    public let responseToJSON: @Sendable ([UInt8]) throws(ProtoDecodingError) -> JSONValue
    /// The encoded response read from its JSON form.
    public let responseFromJSON: @Sendable (JSONValue) throws(JSONMappingError) -> [UInt8]

    /// The transcoder of a unary method.
    public init<
        Request: ProtoMessage & JSONRepresentable & JSONDecodableMessage,
        Response: ProtoMessage & JSONRepresentable & JSONDecodableMessage
    >(
        _ method: UnaryMethod<Request, Response>
    ) {
        self.init(method.descriptor, Request.self, Response.self)
    }

    /// The transcoder of a server-streaming method (each response message alike).
    public init<
        Request: ProtoMessage & JSONRepresentable & JSONDecodableMessage,
        Response: ProtoMessage & JSONRepresentable & JSONDecodableMessage
    >(
        _ method: ServerStreamingMethod<Request, Response>
    ) {
        self.init(method.descriptor, Request.self, Response.self)
    }

    private init<
        Request: ProtoMessage & JSONRepresentable & JSONDecodableMessage,
        Response: ProtoMessage & JSONRepresentable & JSONDecodableMessage
    >(
        _ descriptor: MethodDescriptor,
        _: Request.Type,
        _: Response.Type
    ) {
        self.descriptor = descriptor
        requestFromJSON = { json throws(JSONMappingError) in try Request(json: json).serializedBytes() }
        requestToJSON = { bytes throws(ProtoDecodingError) in try Request(serializedBytes: bytes).jsonValue }
        responseToJSON = { bytes throws(ProtoDecodingError) in try Response(serializedBytes: bytes).jsonValue }
        responseFromJSON = { json throws(JSONMappingError) in try Response(json: json).serializedBytes() }
    }
}
