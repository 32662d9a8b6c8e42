/// A normalized text segment and the pieces ("words") the pre-tokenizers have cut it into.
/// bytes: [n] UTF-8; pieces: ordered, non-overlapping, non-empty byte ranges of `bytes` (gaps are removed text).
struct PreTokenizedText {
    struct Piece {
        var range: Range<Int>
        /// Whether the piece starts at offset 0 of the original input (Metaspace `prepend_scheme: "first"`).
        var atOrigin: Bool
    }

    var bytes: [UInt8]
    var pieces: [Piece]

    init(bytes: [UInt8], atOrigin: Bool) {
        self.bytes = bytes
        self.pieces = bytes.isEmpty ? [] : [Piece(range: 0..<bytes.count, atOrigin: atOrigin)]
    }

    /// Cuts every piece with `cut`, which appends the sub-ranges of the range it is given.
    mutating func split(_ cut: (UnsafeBufferPointer<UInt8>, Range<Int>, inout [Range<Int>]) -> Void) {
        var next: [Piece] = []
        next.reserveCapacity(pieces.count * 2)
        var sub: [Range<Int>] = []
        bytes.withUnsafeBufferPointer { p in
            for piece in pieces {
                sub.removeAll(keepingCapacity: true)
                cut(p, piece.range, &sub)
                for r in sub where !r.isEmpty {
                    next.append(Piece(range: r, atOrigin: piece.atOrigin && r.lowerBound == piece.range.lowerBound))
                }
            }
        }
        pieces = next
    }

    /// Rewrites the text of every piece with `transform` (given the piece's bytes and its `atOrigin`), laying
    /// the results out in a new buffer.
    mutating func rewrite(_ transform: (ArraySlice<UInt8>, Bool) -> [UInt8]) {
        var newBytes: [UInt8] = []
        newBytes.reserveCapacity(bytes.count + pieces.count * 3)
        var newPieces: [Piece] = []
        newPieces.reserveCapacity(pieces.count)
        for piece in pieces {
            let t = transform(bytes[piece.range], piece.atOrigin)
            if t.isEmpty { continue }
            newPieces.append(Piece(range: newBytes.count..<newBytes.count + t.count, atOrigin: piece.atOrigin))
            newBytes.append(contentsOf: t)
        }
        bytes = newBytes
        pieces = newPieces
    }
}
