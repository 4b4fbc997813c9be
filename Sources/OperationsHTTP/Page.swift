import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The Phone Numbers page: HTML, CSS and JavaScript shipped as package resources, read
/// once at start and served from memory. It calls the Connect gateway on the same listener.
struct Page: Sendable {
    private struct File: Sendable {
        let body: ByteBuffer
        let contentType: String
    }

    private let files: [String: File]

    /// The page's files from the bundle.
    static func load() throws -> Page {
        guard let directory = Bundle.module.url(forResource: "Page", withExtension: nil) else {
            throw PageMissing()
        }
        let types = ["html": "text/html; charset=utf-8", "css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8"]
        var files: [String: File] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            guard let type = types[(name as NSString).pathExtension] else { continue }
            let data = try Data(contentsOf: directory.appendingPathComponent(name))
            files["/" + name] = File(body: ByteBuffer(bytes: data), contentType: type)
        }
        files["/"] = files["/index.html"]
        return Page(files: files)
    }

    /// Adds a `GET` route per file.
    func register<Context: RequestContext>(on router: Router<Context>) {
        for (path, file) in files {
            router.get(RouterPath(path)) { _, _ in
                Response(
                    status: .ok,
                    headers: [
                        .contentType: file.contentType,
                        .cacheControl: "no-cache",
                        .contentSecurityPolicy: "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
                        HTTPField.Name("x-content-type-options")!: "nosniff",
                        HTTPField.Name("referrer-policy")!: "no-referrer",
                    ],
                    body: ResponseBody(byteBuffer: file.body)
                )
            }
        }
    }

    struct PageMissing: Error, CustomStringConvertible {
        var description: String { "the page's files (the Page resources of OperationsHTTP) are not beside the executable" }
    }
}
