/// The `model` section of tokenizer.json (`type: "BPE"`): vocabulary, ranked merges and the rules for
/// characters missing from the vocabulary. Vocabulary keys are raw UTF-8 bytes (byte-exact, no Unicode
/// equivalence).
///
/// Tokenizing one pre-token ("word") follows HF `BPE::merge_word` + `Word::merge_all`:
/// 1. with `ignore_merges`, a word that is itself in the vocabulary is that one token;
/// 2. each Unicode scalar becomes a symbol: its vocabulary id, else (`byte_fallback`) one `<0xXX>` token per
///    UTF-8 byte if all exist, else `unk` (consecutive unks fused with `fuse_unk`), else it is dropped;
/// 3. repeatedly merge the adjacent pair of lowest rank (leftmost on ties) until no pair is in the merge table.
final class BPEModel: @unchecked Sendable {
    /// token bytes → id
    let vocab: [[UInt8]: Int32]
    /// id → token bytes (empty for ids not in the vocabulary).  [maxId + 1]
    let tokens: [[UInt8]]
    let merges: MergeTable
    let unkId: Int32?
    let byteFallback: Bool
    let fuseUnk: Bool
    let ignoreMerges: Bool
    /// id of `<0xXX>` for each byte, or -1.  [256]
    private let byteFallbackIds: [Int32]
    /// id of each single-scalar vocabulary token, by scalar value.
    private let scalarIds: [UInt32: Int32]
    /// id of the ByteLevel character of each byte, or -1.  [256]
    private let byteLevelIds: [Int32]

    init(vocab: [[UInt8]: Int32], merges: MergeTable, unkId: Int32?, byteFallback: Bool, fuseUnk: Bool,
         ignoreMerges: Bool) {
        self.vocab = vocab
        self.merges = merges
        self.unkId = unkId
        self.byteFallback = byteFallback
        self.fuseUnk = fuseUnk
        self.ignoreMerges = ignoreMerges
        let maxId = Int(vocab.values.max() ?? -1)
        var tokens = [[UInt8]](repeating: [], count: maxId + 1)
        var scalarIds: [UInt32: Int32] = [:]
        for (k, id) in vocab {
            tokens[Int(id)] = k
            let s = UTF8Bytes.scalars(k)
            if s.count == 1 { scalarIds[s[0]] = id }
        }
        self.tokens = tokens
        self.scalarIds = scalarIds
        byteFallbackIds = (0..<256).map { b in vocab[Array(Self.byteTokenName(UInt8(b)).utf8)] ?? -1 }
        byteLevelIds = (0..<256).map { b in scalarIds[ByteLevelAlphabet.scalarOf[b]] ?? -1 }
    }

    /// `<0xXX>` with uppercase hex, the name of byte-fallback tokens.
    static func byteTokenName(_ b: UInt8) -> String {
        let hex = Array("0123456789ABCDEF")
        return "<0x\(hex[Int(b >> 4)])\(hex[Int(b & 15)])>"
    }

    /// The byte a `<0xXX>` token stands for, or nil.
    static func byteOfFallbackToken(_ t: [UInt8]) -> UInt8? {
        guard t.count == 6, t[0] == UInt8(ascii: "<"), t[1] == UInt8(ascii: "0"), t[2] == UInt8(ascii: "x"),
              t[5] == UInt8(ascii: ">") else { return nil }
        func hex(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x41...0x46: return c - 0x41 + 10
            case 0x61...0x66: return c - 0x61 + 10
            default: return nil
            }
        }
        guard let h = hex(t[3]), let l = hex(t[4]) else { return nil }
        return h << 4 | l
    }

    /// Tokenizes one word. `byteLevel`: the word is raw bytes still to be mapped through the ByteLevel alphabet
    /// (the pre-tokenizer's last step); otherwise the word's own scalars are the initial symbols.
    /// symbols: scratch buffer reused across calls. Appends to `out`.
    func tokenize(_ word: UnsafeBufferPointer<UInt8>, byteLevel: Bool, symbols: inout [Int32], into out: inout [Int32]) {
        if ignoreMerges {
            let key = byteLevel ? ByteLevelAlphabet.map(ArraySlice(word)) : Array(word)
            if let id = vocab[key] { out.append(id); return }
        }
        symbols.removeAll(keepingCapacity: true)
        var pendingUnk = false
        func unknown(_ scalarBytes: [UInt8]) {
            if byteFallback {
                let ids = scalarBytes.map { byteFallbackIds[Int($0)] }
                if !ids.contains(-1) {
                    // As HF: a pending unk is not flushed here; it lands after these bytes.
                    symbols.append(contentsOf: ids)
                    return
                }
            }
            guard let unk = unkId else { return }  // no unk token: the scalar is dropped, as in HF
            if pendingUnk && !fuseUnk { symbols.append(unk) }
            pendingUnk = true
        }
        if byteLevel {
            for b in word {
                let id = byteLevelIds[Int(b)]
                if id >= 0 {
                    if pendingUnk, let unk = unkId { symbols.append(unk); pendingUnk = false }
                    symbols.append(id)
                } else {
                    unknown(ByteLevelAlphabet.utf8Of[Int(b)])
                }
            }
        } else {
            var i = 0
            while i < word.count {
                let (v, n) = UTF8Bytes.decode(word, at: i)
                if let id = scalarIds[v] {
                    if pendingUnk, let unk = unkId { symbols.append(unk); pendingUnk = false }
                    symbols.append(id)
                } else {
                    unknown(Array(word[i..<i + n]))
                }
                i += n
            }
        }
        if pendingUnk, let unk = unkId { symbols.append(unk) }
        if symbols.count > 48 { mergeWithHeap(&symbols) } else { mergeByScanning(&symbols) }
        out.append(contentsOf: symbols)
    }

    /// Merge loop for short words: scan all adjacent pairs for the lowest rank (leftmost wins ties), merge it,
    /// repeat. O(n²) but allocation-free and fastest for typical words.
    func mergeByScanning(_ s: inout [Int32]) {
        let kept = s.withUnsafeMutableBufferPointer { p -> Int in
            var n = p.count
            while n > 1 {
                var bestRank = Int32.max
                var bestPos = -1
                var bestId: Int32 = 0
                for k in 0..<(n - 1) {
                    if let m = merges.lookup(p[k], p[k + 1]), m.rank < bestRank {
                        bestRank = m.rank; bestPos = k; bestId = m.merged
                    }
                }
                if bestPos < 0 { break }
                p[bestPos] = bestId
                var k = bestPos + 1
                while k < n - 1 { p[k] = p[k + 1]; k += 1 }
                n -= 1
            }
            return n
        }
        s.removeLast(s.count - kept)
    }

    /// Merge loop for long words (a whole line when there is no pre-tokenizer): HF's algorithm, a min-heap of
    /// (rank, position) over a doubly linked list of symbols, with stale entries skipped at pop time.
    /// Equivalent to `mergeByScanning`, O(n log n).
    func mergeWithHeap(_ s: inout [Int32]) {
        let n = s.count
        var next = (0..<n).map { Int32($0 + 1) }   // [n]; n means none
        var prev = (0..<n).map { Int32($0 - 1) }   // [n]; -1 means none
        var alive = [Bool](repeating: true, count: n)
        var heap = MinHeap()
        for k in 0..<(n - 1) {
            if let m = merges.lookup(s[k], s[k + 1]) { heap.push(UInt64(UInt32(m.rank)) << 32 | UInt64(k)) }
        }
        while let top = heap.pop() {
            let rank = Int32(truncatingIfNeeded: top >> 32)
            let pos = Int(top & 0xFFFF_FFFF)
            guard alive[pos] else { continue }
            let nx = Int(next[pos])
            guard nx < n, let m = merges.lookup(s[pos], s[nx]), m.rank == rank else { continue }
            s[pos] = m.merged
            alive[nx] = false
            let nn = Int(next[nx])
            next[pos] = Int32(nn)
            if nn < n { prev[nn] = Int32(pos) }
            let pv = Int(prev[pos])
            if pv >= 0, let m2 = merges.lookup(s[pv], s[pos]) { heap.push(UInt64(UInt32(m2.rank)) << 32 | UInt64(pv)) }
            if nn < n, let m2 = merges.lookup(s[pos], s[nn]) { heap.push(UInt64(UInt32(m2.rank)) << 32 | UInt64(pos)) }
        }
        var out: [Int32] = []
        out.reserveCapacity(n)
        var k = 0
        while k < n { out.append(s[k]); k = Int(next[k]) }
        s = out
    }
}

/// A binary min-heap of UInt64 keys (rank << 32 | position: lowest rank first, then leftmost).
struct MinHeap {
    private var a: [UInt64] = []

    mutating func push(_ v: UInt64) {
        a.append(v)
        var i = a.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if a[parent] <= a[i] { break }
            a.swapAt(parent, i)
            i = parent
        }
    }

    mutating func pop() -> UInt64? {
        guard let first = a.first else { return nil }
        let last = a.removeLast()
        if !a.isEmpty {
            a[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < a.count && a[l] < a[m] { m = l }
                if r < a.count && a[r] < a[m] { m = r }
                if m == i { break }
                a.swapAt(i, m)
                i = m
            }
        }
        return first
    }
}
