import Foundation
import GGUF
import JSON
import SafeTensors

/// A GGUF file of a LLaMA-family model written as the equivalent Hugging Face checkpoint: tensors dequantized
/// (exactly, to Float32; then stored as the requested dtype), renamed, q/k rows of `llama` files unpermuted,
/// config.json, generation_config.json, tokenizer.json and tokenizer_config.json built from the metadata.
/// Checked before anything is written: the config built from the metadata must describe exactly the tensors
/// the file holds (names and shapes), so a file that disagrees with itself is refused naming the tensor.
public struct GGUFConversion {
    public let file: GGUFFile
    public let model: GGUFModelImport
    public let tokenizer: GGUFTokenizerImport
    /// The config the checkpoint will carry, parsed (so its shapes are known).
    public let config: LlamaConfig

    public init(url: URL) throws {
        file = try GGUFFile(url: url)
        model = try GGUFModelImport(file)
        tokenizer = try GGUFTokenizerImport(file)
        config = try LlamaConfig(object: try model.configJSON(torchDtype: "float32"), source: file.path + " (metadata)")
        var expected: [String: [Int]] = [:]
        for (name, shape) in config.expectedTensors() { expected[name] = shape }
        var seen = Set<String>()
        for t in model.tensors {
            let info = try file.tensor(t.gguf)
            guard let shape = expected[t.hf] else {
                throw GGUFError.invalidTensor(file: file.path, tensor: t.gguf, reason: "the metadata's model has no \(t.hf)")
            }
            guard info.shape == shape else {
                throw GGUFError.invalidTensor(file: file.path, tensor: t.gguf,
                    reason: "shape \(info.shape) (as \(t.hf)) but the metadata implies \(shape)")
            }
            guard info.type.conversion != nil else {
                throw GGUFError.unsupportedType(file: file.path, tensor: t.gguf, type: info.type.name)
            }
            seen.insert(t.hf)
        }
        for (name, _) in config.expectedTensors() where !seen.contains(name) {
            throw GGUFError.invalidTensor(file: file.path, tensor: name, reason: "missing from the file (the metadata implies it)")
        }
    }

    /// The tensors in Hugging Face state-dict order, each dequantized when the writer reaches it, stored as `dtype`.
    /// Tensors stream in row blocks of about 4 MB of Float32 (the q/k projections of llama files, which need
    /// their rows reordered, are dequantized whole), so memory stays at one block whatever the vocabulary.
    public func tensorSources(dtype: DType) -> [TensorWriteSource] {
        let byHF = Dictionary(uniqueKeysWithValues: model.tensors.map { ($0.hf, $0) })
        let file = self.file
        return WeightName.stateDictOrder(Array(byHF.keys)).map { hf in
            let t = byHF[hf]!
            let info = try! file.tensor(t.gguf)   // present: checked in init
            if let heads = t.unpermuteHeads {
                return TensorWriteSource.floats(hf, shape: info.shape, dtype: dtype) {
                    var w = try file.floats(t.gguf)
                    file.releasePages(t.gguf)
                    let rows = info.shape[0], cols = info.shape.count > 1 ? info.shape[1] : 1
                    GGUFModelImport.unpermuteRows(&w, rows: rows, cols: cols, heads: heads)
                    return w
                }
            }
            return TensorWriteSource(name: hf, dtype: dtype, shape: info.shape, produce: { sink in
                let rowLength = info.rowLength, rowCount = info.elementCount / max(rowLength, 1)
                let step = max(1, (1 << 20) / max(rowLength, 1))
                let buffer = UnsafeMutablePointer<Float>.allocate(capacity: step * rowLength)   // [step, rowLength]
                defer { buffer.deallocate() }
                var start = 0
                while start < rowCount {
                    let rows = start..<min(rowCount, start + step)
                    try file.floats(t.gguf, rows: rows, into: buffer)
                    try TensorWriteSource.encode(UnsafeBufferPointer(start: buffer, count: rows.count * rowLength),
                                                 as: dtype, tensor: hf, into: sink)
                    start = rows.upperBound
                }
                file.releasePages(t.gguf)
            })
        }
    }

    /// config.json, generation_config.json, tokenizer.json and tokenizer_config.json.
    public func smallFiles(dtype: DType) throws -> [(name: String, contents: [UInt8])] {
        func bytes(_ o: JSONObject) -> [UInt8] { Array((JSONValue.object(o).serialized(indent: 2) + "\n").utf8) }
        return [
            ("config.json", bytes(try model.configJSON(torchDtype: dtype.torchName ?? "float32"))),
            ("generation_config.json", bytes(try model.generationConfigJSON())),
            ("tokenizer.json", bytes(try tokenizer.tokenizerJSON())),
            ("tokenizer_config.json", bytes(try tokenizer.tokenizerConfigJSON(contextLength: config.maxPositionEmbeddings))),
        ]
    }

    /// Writes the checkpoint to `output` atomically (see `CheckpointWriter`).
    @discardableResult
    public func write(to output: URL, dtype: DType, maxShardBytes: Int? = nil, force: Bool = false,
                      progress: ((Int, Int) -> Void)? = nil) throws -> CheckpointWriter.Result {
        let writer = CheckpointWriter(output: output, maxShardBytes: maxShardBytes, force: force, inputs: [file.url])
        return try writer.write(tensors: tensorSources(dtype: dtype), files: try smallFiles(dtype: dtype), progress: progress)
    }

    /// Whether `url` names a GGUF file (a regular file whose first four bytes are "GGUF").
    public static func isGGUF(_ url: URL) -> Bool {
        guard let h = FileHandle(forReadingAtPath: url.path) else { return false }
        defer { try? h.close() }
        return (try? h.read(upToCount: 4)) == Data("GGUF".utf8)
    }

    /// The Float32 Hugging Face checkpoint of the GGUF file `url`, converted once into `cacheRoot` (keyed by the
    /// file's path, size and modification time) and reused; `log` hears when a conversion happens. Commands that
    /// take a checkpoint directory use it for a `.gguf` argument.
    public static func cachedCheckpoint(for url: URL, cacheRoot: URL, log: (String) -> Void) throws -> URL {
        let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
        let size = (attributes?[.size] as? NSNumber)?.intValue ?? 0
        let mtime = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        var hasher = SHA256()
        hasher.update(Data("\(url.standardizedFileURL.path)|\(size)|\(mtime)".utf8))
        let key = String(hasher.finalizeHex().prefix(16))
        let dir = cacheRoot.appendingPathComponent("\(url.deletingPathExtension().lastPathComponent)-\(key)-f32")
        if FileManager.default.fileExists(atPath: dir.appendingPathComponent("config.json").path) { return dir }
        let conversion = try GGUFConversion(url: url)
        let bytes = conversion.config.expectedTensors().reduce(0) { $0 + 4 * $1.shape.reduce(1, *) }
        log("converting \(url.lastPathComponent) to a Float32 checkpoint in \(dir.path) (\(bytes / 1_000_000) MB, once)")
        try conversion.write(to: dir, dtype: .f32, force: true)
        return dir
    }
}
