import Testing

@testable import RPCCore

/// The trailers a connection reuses for its inline calls: each call's handle sees its own
/// call's trailers only.
@Suite("trailers reused call after call")
struct TrailerStorageTests {
    @Test("a handle adds to its own call; once the next call began, an old handle adds nothing and reads nothing")
    func handles() {
        let storage = TrailerStorage()
        storage.begin(call: 1)
        let first = ResponseMetadata(storage, call: 1)
        first.add("x-first", "1")
        #expect(first.current["x-first"] == "1")
        storage.begin(call: 2)
        let second = ResponseMetadata(storage, call: 2)
        #expect(second.current["x-first"] == nil, "each call starts empty")
        first.add("x-late", "from call 1")
        second.add("x-second", "2")
        #expect(second.current["x-late"] == nil)
        #expect(second.current["x-second"] == "2")
        #expect(first.current.isEmpty)
    }

    @Test("a context's own trailers are its own")
    func ownTrailers() {
        let one = ResponseMetadata()
        let other = ResponseMetadata()
        one.add("x-one", "1")
        #expect(one.current["x-one"] == "1")
        #expect(other.current.isEmpty)
    }
}
