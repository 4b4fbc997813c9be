import Foundation
import RPCProto
import Testing

@testable import RPCNIO

/// Every committed FuzzFrames input runs in every test run, with the fuzzer's invariants.
@Suite("fuzz corpus replay", .timeLimit(.minutes(1)))
struct FuzzCorpusReplayTests {
    static let corpus: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.lastPathComponent != "Tests" { url.deleteLastPathComponent() }
        return url.deletingLastPathComponent().appendingPathComponent("Fuzz/Corpus/FuzzFrames")
    }()

    @Test("each committed input keeps every connection invariant, with and without a leading preface")
    func replay() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path).sorted()
        #expect(files.count >= 9)
        for file in files {
            let bytes = Array(try Data(contentsOf: Self.corpus.appendingPathComponent(file)))
            // The first byte's low bit decides whether a valid preface is put in front: try both.
            for variant in [bytes, [bytes.first.map { $0 ^ 1 } ?? 1] + bytes.dropFirst()] {
                let replay = ConnectionReplay.run(variant)
                #expect(replay.violations.isEmpty, "\(file): \(replay.violations)")
            }
        }
    }

    @Test("the invariants catch a broken server: unknown and repeated answers, frames after a closing GOAWAY, silence")
    func invariantsCanFail() {
        func frame(_ type: WireFrameType, _ id: UInt64 = 0, lastCallID: UInt64 = 0) -> [UInt8] {
            var frame = WireFrame()
            frame.type = type
            frame.callId = id
            frame.lastCallId = lastCallID
            return Wire.frame(frame)
        }
        let received = Wire.preface + Wire.request(id: 1, method: "/a.B/C", payload: [])
        let start = Wire.preface + frame(.settings)
        func violations(_ sent: [UInt8], open: Bool = true) -> [String] {
            var replay = ConnectionReplay()
            replay.check(received: received, sent: sent, stillOpen: open)
            return replay.violations
        }
        #expect(violations(start + frame(.end, 1)).isEmpty)
        #expect(violations(start + frame(.end, 7) + frame(.end, 1)).contains { $0.contains("never started") })
        #expect(violations(start + frame(.end, 1) + frame(.end, 1)).contains { $0.contains("second END") })
        #expect(violations(start + frame(.goaway) + frame(.end, 1)).contains { $0.contains("after the GOAWAY") })
        #expect(violations(start).contains { $0.contains("never answered") })
        #expect(violations(start, open: false).isEmpty)
    }
}
