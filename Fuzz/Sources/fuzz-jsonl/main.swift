import FuzzSupport
import Pruning

/// Calibration input: a JSONL file ({"text": ...} or {"ids": [...]} per line) and the same bytes as plain text.
FuzzDriver.run { data, size in
    guard let data else { return 0 }
    let url = FuzzInput.file(data, size, suffix: ".jsonl")
    _ = try? TextFile.documents(url, bom: .drop, jsonl: true)
    _ = try? TextFile.documents(url, bom: .keep, jsonl: false)
    return 0
}
