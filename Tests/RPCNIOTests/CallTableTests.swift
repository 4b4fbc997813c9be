import Testing

@testable import RPCNIO

/// The table of calls in flight, checked against a `Dictionary` doing the same operations:
/// sequential ids ending out of order, long-lived calls, ids that share a home slot, growth
/// and removals that shift entries back across the end of the slots.
@Suite("call table")
struct CallTableTests {
    /// Applies `operations` random additions, updates and removals to a table and a dictionary,
    /// and compares them after each one.
    private func compareWithDictionary(ids nextID: () -> UInt64, operations: Int, seed: UInt64) {
        var random = SplitMix(seed: seed)
        var table = CallTable<String>(capacity: 4)
        var model: [UInt64: String] = [:]
        for step in 0..<operations {
            let choice = random.next() % 10
            if choice < 5 || model.isEmpty {
                let id = nextID()
                // A connection never reuses an id while its call is in flight.
                guard model[id] == nil else { continue }
                table.add(id, "call \(id) at \(step)")
                model[id] = "call \(id) at \(step)"
            } else if choice < 9 {
                // Removes one in flight (or, one time in ten, an id that is not there).
                let id = random.next() % 10 == 0 ? UInt64.max - random.next() % 100 : model.keys.randomElement(using: &random)!
                #expect(table.removeValue(for: id) == model.removeValue(forKey: id))
            } else {
                let id = model.keys.randomElement(using: &random)!
                table.update(id) { $0 += " updated" }
                model[id]! += " updated"
            }
            #expect(table.count == model.count)
            #expect(table.isEmpty == model.isEmpty)
        }
        for (id, value) in model { #expect(table[id] == value) }
        #expect(table.ids == model.keys.sorted())
        #expect(table.sortedByID.map(\.value) == model.sorted { $0.key < $1.key }.map(\.value))
    }

    @Test("sequential ids, as a connection numbers its calls")
    func sequentialIDs() {
        var next: UInt64 = 0
        compareWithDictionary(
            ids: {
                next += 1
                return next
            },
            operations: 20_000,
            seed: 1
        )
    }

    @Test("ids that collide in their home slot and wrap around the slots")
    func collidingIDs() {
        // Multiples of 64 share home slot 0 in every table up to 64 slots; ids near the
        // top of the range wrap the probe around the end.
        var random = SplitMix(seed: 7)
        compareWithDictionary(
            ids: { random.next() % 2 == 0 ? (random.next() % 200 + 1) * 64 : UInt64.max - random.next() % 40 },
            operations: 20_000,
            seed: 2
        )
    }

    @Test("a long-lived call stays reachable while many ids pass, 40 in flight beside it")
    func longLivedCall() {
        var table = CallTable<Int>()
        table.add(1, -1)
        var wrongRemovals = 0
        for id in UInt64(2)...300_000 {
            table.add(id, Int(id))
            if id > 41, table.removeValue(for: id - 40) != Int(id - 40) { wrongRemovals += 1 }
        }
        #expect(wrongRemovals == 0)
        #expect(table[1] == -1)
        #expect(table.count == 41)
        #expect(table[300_000] == 300_000)
        #expect(table[3] == nil)
    }

    @Test("adding an id that is in flight stops the process instead of hiding a call")
    func addingAnIDTwice() async {
        await #expect(processExitsWith: .failure) {
            var table = CallTable<Int>()
            for id in UInt64(1)...20 { table.add(id, Int(id)) }
            table.add(17, 0)
        }
    }

    @Test("removeAll empties it")
    func removeAll() {
        var table = CallTable<Int>()
        for id in UInt64(1)...100 { table.add(id, Int(id)) }
        table.removeAll()
        #expect(table.isEmpty)
        #expect(table[5] == nil)
        table.add(5, 5)
        #expect(table[5] == 5)
    }
}

/// A small seeded generator, so a failure repeats.
private struct SplitMix: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1334_11EB
        return z ^ (z >> 31)
    }
}
