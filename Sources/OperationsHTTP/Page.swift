import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The Phone Numbers page: HTML, CSS and JavaScript shipped as package resources, read
/// once at start and served from memory. It calls the Connect gateway on the same listener.
struct Page: Sendable {
    private struct File: Sendable {
        let body: ByteBuffer
        let contentType: String
    }

    private let files: [String: File]

    /// The page's files from the resource bundle beside the executable; none (and `/`
    /// answering 503 with why) when the bundle was not installed with it.
    static func load(logger: Logger) -> Page {
        guard let directory = bundleDirectory() else {
            logger.warning("the page is not served: \(PageMissing())")
            return Page(files: [:])
        }
        let types = ["html": "text/html; charset=utf-8", "css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8"]
        var files: [String: File] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] {
            guard let type = types[(name as NSString).pathExtension],
                let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path)
            else { continue }
            files["/" + name] = File(body: ByteBuffer(bytes: data), contentType: type)
        }
        files["/"] = files["/index.html"]
        return Page(files: files)
    }

    /// Where SwiftPM puts the resources: `PhoneNumbers_OperationsHTTP.resources` beside the
    /// executable. (`Bundle.module` would stop the process when they are missing.)
    private static func bundleDirectory() -> URL? {
        let bases = [Bundle.main.bundleURL, Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent()]
        for case let base? in bases {
            let directory = base.appendingPathComponent("PhoneNumbers_OperationsHTTP.resources/Page")
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("index.html").path) { return directory }
        }
        return nil
    }

    /// Adds a `GET` route per file.
    func register<Context: RequestContext>(on router: Router<Context>) {
        if files.isEmpty {
            router.get("/") { _, _ in
                Response(
                    status: .serviceUnavailable,
                    headers: [.contentType: "text/plain; charset=utf-8"],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: "\(PageMissing())\n"))
                )
            }
        }
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
        var description: String {
            "the page's files (PhoneNumbers_OperationsHTTP.resources) are not beside the executable: install them with it"
        }
    }
}
