import Foundation
import FuzzSupport
import Tokenization

/// tokenizer.json → Tokenizer, then the same bytes encoded as text and the ids decoded back.
FuzzDriver.run { data, size in
    guard let data else { return 0 }
    let bytes = FuzzInput.bytes(data, size)
    guard let tokenizer = try? Tokenizer(tokenizerJSON: Data(bytes)) else { return 0 }
    let text = String(decoding: bytes.prefix(4096), as: UTF8.self)
    let ids = tokenizer.encode(text)
    _ = tokenizer.decode(ids)
    return 0
}
