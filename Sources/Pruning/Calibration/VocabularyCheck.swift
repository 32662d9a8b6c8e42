/// Tokenized text against the model's vocabulary: a tokenizer.json can hold ids beyond the embedding's rows, and
/// text that tokenizes to one must be refused, naming the token, before it reaches the model.
public enum VocabularyCheck {
    /// Throws `PruningError.tokenBeyondVocabulary` for the first id of `ids` outside 0..<vocabSize.
    /// `file` names where the text came from; `tokenName` gives a token's text for the message.
    public static func require<I: BinaryInteger>(_ ids: [I], vocabSize: Int, file: String,
                                                 tokenName: (Int) -> String?) throws {
        guard let bad = ids.first(where: { $0 < 0 || Int($0) >= vocabSize }) else { return }
        throw PruningError.tokenBeyondVocabulary(file: file, token: tokenName(Int(bad)), id: Int(bad), vocabSize: vocabSize)
    }
}
