/// What a connection keeps for its calls in flight, by call id: an open-addressing table
/// indexed by the id's low bits, probing linearly.
///
/// A connection numbers its calls one after another, so the ids in flight fall into
/// distinct slots: a lookup is an index and a comparison, where a `Dictionary` hashes every
/// id (SipHash) on insert, lookup and removal. Any ids work; a long-lived call only keeps
/// its slot. Removal shifts the entries after it back, so no slot is ever a tombstone.
struct CallTable<Value> {
    private struct Entry {
        let id: UInt64
        var value: Value
    }

    private var slots: [Entry?]
    /// The number of slots minus one (slots are a power of two).
    private var mask: Int
    /// The calls in the table.
    private(set) var count = 0
    /// The farthest any entry sits from its home slot (an upper bound, reset when the slots
    /// are rebuilt). A removal looks no farther ahead for entries to move back: with ids
    /// in sequence it is 0, and a removal moves nothing.
    private var farthestFromHome = 0

    /// An empty table with room for `capacity` calls before it grows.
    init(capacity: Int = 32) {
        let slotCount = Self.slotCount(for: capacity)
        slots = Array(repeating: nil, count: slotCount)
        mask = slotCount - 1
    }

    var isEmpty: Bool { count == 0 }

    /// The ids in the table, in ascending order.
    var ids: [UInt64] { slots.compactMap { $0?.id }.sorted() }

    /// The calls in the table, by ascending id.
    var sortedByID: [(id: UInt64, value: Value)] {
        slots.compactMap { $0.map { ($0.id, $0.value) } }.sorted { $0.id < $1.id }
    }

    /// The value of call `id`, `nil` when it is not in the table.
    subscript(id: UInt64) -> Value? {
        guard let index = index(of: id) else { return nil }
        return slots[index]!.value
    }

    /// Adds call `id`, which must not be in the table (a connection never reuses an id; a
    /// value changes through `update`). The probe for a free slot passes every slot where
    /// `id` could be, so the check costs nothing more.
    mutating func add(_ id: UInt64, _ value: Value) {
        if (count + 1) * 2 > slots.count { grow() }
        insert(Entry(id: id, value: value))
        count += 1
    }

    /// Changes the value of call `id`, if it is in the table.
    mutating func update(_ id: UInt64, _ body: (inout Value) -> Void) {
        guard let index = index(of: id) else { return }
        body(&slots[index]!.value)
    }

    /// Takes call `id` out of the table; `nil` when it was not there.
    mutating func removeValue(for id: UInt64) -> Value? {
        guard var hole = index(of: id) else { return nil }
        let removed = slots[hole].take()!.value
        count -= 1
        // Entries after the hole that probed past it move back into it, so every entry
        // stays reachable from its home slot without a gap. None farther than
        // `farthestFromHome` past the hole can have.
        var next = (hole + 1) & mask
        while Self.distance(from: hole, to: next, mask: mask) <= farthestFromHome, let movable = self.id(at: next) {
            let home = Int(truncatingIfNeeded: movable) & mask
            if Self.distance(from: home, to: next, mask: mask) >= Self.distance(from: hole, to: next, mask: mask) {
                slots[hole] = slots[next].take()
                hole = next
            }
            next = (next + 1) & mask
        }
        return removed
    }

    /// Empties the table (its slots shrink back to the default).
    mutating func removeAll() {
        self = CallTable()
    }

    /// The id in slot `index`, `nil` when it is free (read without copying the value).
    private func id(at index: Int) -> UInt64? {
        slots[index]?.id
    }

    private func index(of id: UInt64) -> Int? {
        var index = Int(truncatingIfNeeded: id) & mask
        while let found = self.id(at: index) {
            if found == id { return index }
            index = (index + 1) & mask
        }
        return nil
    }

    /// Puts `entry` in the first free slot from its home on.
    private mutating func insert(_ entry: Entry) {
        let home = Int(truncatingIfNeeded: entry.id) & mask
        var index = home
        while let found = id(at: index) {
            precondition(found != entry.id, "call \(found) is already in the table")
            index = (index + 1) & mask
        }
        slots[index] = entry
        farthestFromHome = max(farthestFromHome, Self.distance(from: home, to: index, mask: mask))
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: nil, count: old.count * 2)
        mask = slots.count - 1
        farthestFromHome = 0
        for case let entry? in old { insert(entry) }
    }

    /// Steps from slot `from` forward to slot `to`, wrapping around.
    private static func distance(from: Int, to: Int, mask: Int) -> Int {
        (to - from) & mask
    }

    private static func slotCount(for capacity: Int) -> Int {
        var slots = 8
        while slots < capacity * 2 { slots *= 2 }
        return slots
    }
}
