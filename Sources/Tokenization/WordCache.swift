/// Cache of BPE results keyed by the pre-token's bytes (HF caches per word too): open addressing over an
/// arena of key bytes and an arena of ids, so a lookup allocates nothing.
/// slots: [capacity]; keyArena: concatenated keys; idArena: concatenated id lists.
struct WordCache {
    private struct Slot {
        var hash: UInt64 = 0
        var keyStart: Int32 = -1   // -1: empty slot
        var keyLength: Int32 = 0
        var idStart: Int32 = 0
        var idCount: Int32 = 0
    }

    private var slots: [Slot]
    private var keyArena: [UInt8] = []
    private var idArena: [Int32] = []
    private var count = 0
    /// Clear everything when this many words are cached (bounds memory on huge corpora).
    private let maxEntries: Int

    init(maxEntries: Int = 1 << 18) {
        self.maxEntries = maxEntries
        slots = [Slot](repeating: Slot(), count: 1024)
    }

    /// FNV-1a over the bytes, finished with a multiplicative mix.
    @inline(__always)
    static func hash(_ p: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in p { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return (h ^ (h >> 29)) &* 0xBF58_476D_1CE4_E5B9
    }

    /// Appends the cached ids of `key` to `out` and returns true, or returns false.
    @inline(__always)
    func lookup(_ key: UnsafeBufferPointer<UInt8>, hash h: UInt64, into out: inout [Int]) -> Bool {
        let mask = slots.count - 1
        var s = Int(truncatingIfNeeded: h >> 7) & mask
        return slots.withUnsafeBufferPointer { sl in
            while true {
                let slot = sl[s]
                if slot.keyStart < 0 { return false }
                if slot.hash == h && Int(slot.keyLength) == key.count {
                    let same = keyArena.withUnsafeBufferPointer { ka in
                        memcmpEqual(ka.baseAddress! + Int(slot.keyStart), key.baseAddress!, key.count)
                    }
                    if same {
                        idArena.withUnsafeBufferPointer { ia in
                            for k in Int(slot.idStart)..<Int(slot.idStart + slot.idCount) { out.append(Int(ia[k])) }
                        }
                        return true
                    }
                }
                s = (s + 1) & mask
            }
        }
    }

    mutating func insert(_ key: UnsafeBufferPointer<UInt8>, hash h: UInt64, ids: ArraySlice<Int32>) {
        if count >= maxEntries || keyArena.count + key.count >= Int(Int32.max) || idArena.count + ids.count >= Int(Int32.max) {
            self = WordCache(maxEntries: maxEntries)
        }
        if (count + 1) * 2 > slots.count { grow() }
        var slot = Slot(hash: h, keyStart: Int32(keyArena.count), keyLength: Int32(key.count),
                        idStart: Int32(idArena.count), idCount: Int32(ids.count))
        keyArena.append(contentsOf: key)
        idArena.append(contentsOf: ids)
        place(&slot)
        count += 1
    }

    private mutating func place(_ slot: inout Slot) {
        let mask = slots.count - 1
        var s = Int(truncatingIfNeeded: slot.hash >> 7) & mask
        while slots[s].keyStart >= 0 { s = (s + 1) & mask }
        slots[s] = slot
    }

    private mutating func grow() {
        let old = slots
        slots = [Slot](repeating: Slot(), count: old.count * 2)
        for var s in old where s.keyStart >= 0 { place(&s) }
    }
}

@inline(__always)
private func memcmpEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    var i = 0
    while i < n { if a[i] != b[i] { return false }; i += 1 }
    return true
}
