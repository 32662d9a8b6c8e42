/// What the post-processor adds around the encoded text when `addSpecialTokens` is true: HF
/// `TemplateProcessing` (single-sequence template), `BertProcessing`, `RobertaProcessing`, any of these nested
/// in `Sequence`; `ByteLevel` processors only trim offsets and add nothing.
struct PostProcessor {
    /// ids before the text  ("<s>" for Llama-2, "<|begin_of_text|>" for Llama-3)
    var prefix: [Int32] = []
    /// ids after the text
    var suffix: [Int32] = []

    /// Wraps an already wrapped sequence (a later processor in a `Sequence` sees the earlier one's output).
    mutating func wrap(prefix p: [Int32], suffix s: [Int32]) {
        prefix = p + prefix
        suffix = suffix + s
    }
}
