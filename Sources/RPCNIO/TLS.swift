import NIOCore
import NIOSSL
import RPCCore

/// TLS for a server's listener.
public struct ServerTLS: Sendable, Hashable {
    /// PEM file with the server's certificate chain, leaf first.
    public var certificateChainFile: String
    /// PEM file with the server's private key.
    public var privateKeyFile: String
    /// PEM file of the CAs whose client certificates are accepted. When set, every
    /// client must present a certificate they signed (mutual TLS, for internal services).
    public var clientCAFile: String?

    public init(certificateChainFile: String, privateKeyFile: String, clientCAFile: String? = nil) {
        self.certificateChainFile = certificateChainFile
        self.privateKeyFile = privateKeyFile
        self.clientCAFile = clientCAFile
    }

    /// The TLS context; reads the files.
    /// - Throws: NIOSSL's error when a file is missing or not valid PEM.
    func makeContext() throws -> NIOSSLContext {
        let chain = try NIOSSLCertificate.fromPEMFile(certificateChainFile).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: privateKeyFile, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        if let clientCAFile {
            configuration.trustRoots = .file(clientCAFile)
            configuration.certificateVerification = .noHostnameVerification
        }
        return try NIOSSLContext(configuration: configuration)
    }
}

/// TLS for a client's connection.
public struct ClientTLS: Sendable, Hashable {
    /// PEM file of the CAs trusted to sign the server's certificate; `nil` for the system's.
    public var trustRootsFile: String?
    /// The client's certificate chain and key, for servers that require mutual TLS.
    public var certificateChainFile: String?
    public var privateKeyFile: String?
    /// The name to verify the server's certificate against; the configured host by default.
    public var serverHostname: String?

    public init(
        trustRootsFile: String? = nil,
        certificateChainFile: String? = nil,
        privateKeyFile: String? = nil,
        serverHostname: String? = nil
    ) {
        self.trustRootsFile = trustRootsFile
        self.certificateChainFile = certificateChainFile
        self.privateKeyFile = privateKeyFile
        self.serverHostname = serverHostname
    }

    func makeContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        if let trustRootsFile { configuration.trustRoots = .file(trustRootsFile) }
        if let certificateChainFile, let privateKeyFile {
            configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificateChainFile).map { .certificate($0) }
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: privateKeyFile, format: .pem))
        }
        return try NIOSSLContext(configuration: configuration)
    }
}
