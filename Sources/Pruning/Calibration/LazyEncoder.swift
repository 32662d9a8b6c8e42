import Foundation
import Tokenization

/// Tokenizes calibration text with a checkpoint's `tokenizer.json`, loading it on first use only (pre-tokenized
/// calibration needs no tokenizer). Special tokens are not added (see `CalibrationSet`).
final class LazyEncoder {
    private let directory: URL
    private var tokenizer: Tokenizer?

    init(directory: URL) { self.directory = directory }

    func encode(_ text: String) throws -> [Int] {
        if tokenizer == nil { tokenizer = try Tokenizer(directory: directory) }
        return tokenizer!.encode(text, addSpecialTokens: false)
    }

    /// The token text of `id` (nil when no tokenizer was needed or the id is unknown).
    func token(for id: Int) -> String? { tokenizer?.token(for: id) }
}
