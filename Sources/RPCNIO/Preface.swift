import NIOCore

/// The connection preface: the first 8 bytes each side sends.
///
/// `50 4E 52 50 43 00` ("PNRPC" and a zero byte), then the protocol version as a
/// big-endian UInt16. A server turns away a peer whose first bytes differ from the
/// magic as soon as one byte differs (see docs/PROTOCOL.md, "Preface").
enum Preface {
    static let magic: [UInt8] = Array("PNRPC".utf8) + [0]
    static let length = 8
    /// The only protocol version so far.
    static let version: UInt16 = 1

    /// What the first bytes of a connection say.
    enum Check: Equatable {
        case needMoreBytes
        case valid(version: UInt16)
        case invalid(PeerGuess)
    }

    /// What a peer that does not speak PNRPC probably is, to answer it in its own terms.
    enum PeerGuess: Equatable {
        case http
        case tls
        case unknown
    }

    static func write(version: UInt16 = version, into buffer: inout ByteBuffer) {
        buffer.writeBytes(magic)
        buffer.writeInteger(version)
    }

    static func check(_ buffer: ByteBuffer) -> Check {
        let available = min(buffer.readableBytes, length)
        guard let bytes = buffer.getBytes(at: buffer.readerIndex, length: available) else { return .needMoreBytes }
        for (index, byte) in bytes.prefix(magic.count).enumerated() where byte != magic[index] {
            return .invalid(guess(bytes))
        }
        guard available == length, let version = buffer.getInteger(at: buffer.readerIndex + magic.count, as: UInt16.self) else {
            return .needMoreBytes
        }
        return .valid(version: version)
    }

    private static func guess(_ bytes: [UInt8]) -> PeerGuess {
        if bytes.first == 0x16 || bytes.first == 0x15 { return .tls }  // a handshake or an alert record
        let methods = ["GET ", "POST", "PUT ", "HEAD", "DELE", "OPTI", "PATC", "CONN", "TRAC", "PRI "]
        let start = String(decoding: bytes.prefix(4), as: UTF8.self)
        if methods.contains(where: { $0.hasPrefix(start) || start.hasPrefix($0) }) { return .http }
        return .unknown
    }

    /// What the server writes before closing on a peer that does not speak PNRPC: an
    /// HTTP 400 response to HTTP, a fatal TLS alert to a TLS ClientHello, and a
    /// one-line explanation to anything else.
    static func rejection(for guess: PeerGuess, allocator: ByteBufferAllocator) -> ByteBuffer {
        let explanation = "This port speaks PNRPC/\(version), a length-prefixed protobuf protocol (docs/PROTOCOL.md).\n"
        switch guess {
        case .http:
            var buffer = allocator.buffer(capacity: 256)
            buffer.writeString(
                "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n"
                    + "Content-Length: \(explanation.utf8.count)\r\n\r\n\(explanation)"
            )
            return buffer
        case .tls:
            // A TLS record (type 21, alert; version 3.1; length 2): fatal, protocol_version.
            return allocator.buffer(bytes: [0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46])
        case .unknown:
            return allocator.buffer(string: "PNRPC bad preface: " + explanation)
        }
    }
}
