/// What a connection keeps for its calls in flight, by call id: an open-addressing table
/// indexed by the id's low bits, probing linearly.
///
/// A connection numbers its calls one after another, so the ids in flight fall into
/// distinct slots: a lookup is an index and a comparison, where a `Dictionary` hashes every
/// id (SipHash) on insert, lookup and removal. Any ids but 0 work; a long-lived call only
/// keeps its slot. Removal shifts the entries after it back, so no slot is ever a tombstone.
struct CallTable<Value> {
    /// The id in each slot, `freeSlot` when it holds no call. Kept apart from the values so
    /// a lookup reads ids only: it touches neither a value's memory nor its reference counts.
    private var slotIDs: [UInt64]
    /// The value of the call in each slot, `nil` when it is free.
    private var slotValues: [Value?]
    /// The number of slots minus one (slots are a power of two).
    private var mask: Int
    /// The calls in the table.
    private(set) var count = 0
    /// The farthest any entry sits from its home slot (an upper bound, reset when the slots
    /// are rebuilt). A removal looks no farther ahead for entries to move back: with ids
    /// in sequence it is 0, and a removal moves nothing.
    private var farthestFromHome = 0

    /// Marks a free slot: call id 0 is the connection's own (its frames belong to no call).
    private static var freeSlot: UInt64 { 0 }

    /// An empty table with room for `capacity` calls before it grows.
    init(capacity: Int = 32) {
        let slotCount = Self.slotCount(for: capacity)
        slotIDs = Array(repeating: Self.freeSlot, count: slotCount)
        slotValues = Array(repeating: nil, count: slotCount)
        mask = slotCount - 1
    }

    var isEmpty: Bool { count == 0 }

    /// The ids in the table, in ascending order.
    var ids: [UInt64] { slotIDs.filter { $0 != Self.freeSlot }.sorted() }

    /// The calls in the table, by ascending id.
    var sortedByID: [(id: UInt64, value: Value)] {
        zip(slotIDs, slotValues).compactMap { id, value in value.map { (id, $0) } }.sorted { $0.id < $1.id }
    }

    /// The value of call `id`, `nil` when it is not in the table.
    subscript(id: UInt64) -> Value? {
        guard let index = index(of: id) else { return nil }
        return slotValues[index]
    }

    /// Adds call `id` (never 0, the connection's own), which must not be in the table (a
    /// connection never reuses an id; a value changes through `update`). The probe for a
    /// free slot passes every slot where `id` could be, so the check costs nothing more.
    mutating func add(_ id: UInt64, _ value: Value) {
        precondition(id != Self.freeSlot, "call id 0 belongs to the connection")
        if (count + 1) * 2 > slotIDs.count { grow() }
        insert(id, value)
        count += 1
    }

    /// Changes the value of call `id`, if it is in the table.
    mutating func update(_ id: UInt64, _ body: (inout Value) -> Void) {
        guard let index = index(of: id) else { return }
        body(&slotValues[index]!)
    }

    /// Takes call `id` out of the table; `nil` when it was not there.
    mutating func removeValue(for id: UInt64) -> Value? {
        guard var hole = index(of: id) else { return nil }
        let removed = slotValues[hole].take()!
        slotIDs[hole] = Self.freeSlot
        count -= 1
        // Entries after the hole that probed past it move back into it, so every entry
        // stays reachable from its home slot without a gap. None farther than
        // `farthestFromHome` past the hole can have.
        var next = (hole + 1) & mask
        while Self.distance(from: hole, to: next, mask: mask) <= farthestFromHome, slotIDs[next] != Self.freeSlot {
            let home = Int(truncatingIfNeeded: slotIDs[next]) & mask
            if Self.distance(from: home, to: next, mask: mask) >= Self.distance(from: hole, to: next, mask: mask) {
                slotIDs[hole] = slotIDs[next]
                slotIDs[next] = Self.freeSlot
                slotValues[hole] = slotValues[next].take()
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

    private func index(of id: UInt64) -> Int? {
        guard id != Self.freeSlot else { return nil }
        var index = Int(truncatingIfNeeded: id) & mask
        while true {
            let found = slotIDs[index]
            if found == id { return index }
            if found == Self.freeSlot { return nil }
            index = (index + 1) & mask
        }
    }

    /// Puts call `id` in the first free slot from its home on.
    private mutating func insert(_ id: UInt64, _ value: Value) {
        let home = Int(truncatingIfNeeded: id) & mask
        var index = home
        while slotIDs[index] != Self.freeSlot {
            precondition(slotIDs[index] != id, "call \(id) is already in the table")
            index = (index + 1) & mask
        }
        slotIDs[index] = id
        slotValues[index] = value
        farthestFromHome = max(farthestFromHome, Self.distance(from: home, to: index, mask: mask))
    }

    private mutating func grow() {
        let oldIDs = slotIDs
        var oldValues = slotValues
        slotIDs = Array(repeating: Self.freeSlot, count: oldIDs.count * 2)
        slotValues = Array(repeating: nil, count: oldIDs.count * 2)
        mask = slotIDs.count - 1
        farthestFromHome = 0
        for (index, id) in oldIDs.enumerated() where id != Self.freeSlot {
            insert(id, oldValues[index].take()!)
        }
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
