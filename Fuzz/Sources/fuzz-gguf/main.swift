import FuzzSupport
import GGUF
import Llama

/// The GGUF reader, the model and tokenizer importers, and dequantization of every tensor the file holds.
FuzzDriver.run { data, size in
    guard let data else { return 0 }
    let url = FuzzInput.file(data, size, suffix: ".gguf")
    guard let file = try? GGUFFile(url: url) else { return 0 }
    for t in file.tensors { _ = try? file.floats(t.name) }
    if let conversion = try? GGUFConversion(url: url) {
        _ = try? conversion.smallFiles(dtype: .f32)
    }
    _ = try? GGUFTokenizerImport(file).tokenizerJSON()
    return 0
}
