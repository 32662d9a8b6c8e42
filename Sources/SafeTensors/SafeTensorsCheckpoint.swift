import JSON
import Foundation

/// The weights of a Hugging Face checkpoint directory: either one `model.safetensors`, or shards listed by
/// `model.safetensors.index.json` (every tensor in exactly one shard; a missing shard or tensor is an error).
/// Without either, the directory's `*.safetensors` files are used, `model*` first. Only the top level counts.
///
/// Opening maps and validates every file's header and reads no tensor data.
public final class SafeTensorsCheckpoint: @unchecked Sendable {
    public static let singleFileName = "model.safetensors"
    public static let indexFileName = "model.safetensors.index.json"

    public let directory: URL
    /// The weight files, in shard order.
    public let files: [SafeTensorsFile]
    /// The index file when the checkpoint is sharded through one.
    public let indexURL: URL?
    /// Tensor names in checkpoint order (shard order, then data order within a shard).
    public let tensorNames: [String]
    private let location: [String: (file: Int, info: TensorInfo)]

    public init(directory: URL) throws {
        self.directory = directory
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDir), isDir.boolValue else {
            throw SafeTensorsError.notADirectory(path: directory.path)
        }
        let indexURL = directory.appendingPathComponent(Self.indexFileName)
        let single = directory.appendingPathComponent(Self.singleFileName)
        var weightMap: [(tensor: String, shard: String)]? = nil
        var fileNames: [String]
        if FileManager.default.fileExists(atPath: indexURL.path) {
            let map = try Self.readIndex(indexURL)
            weightMap = map
            var seen = Set<String>()
            fileNames = []
            for entry in map where seen.insert(entry.shard).inserted { fileNames.append(entry.shard) }
            fileNames.sort()
            for entry in map where !FileManager.default.fileExists(atPath: directory.appendingPathComponent(entry.shard).path) {
                throw SafeTensorsError.missingShard(index: indexURL.path, shard: entry.shard, tensor: entry.tensor)
            }
            self.indexURL = indexURL
        } else if FileManager.default.fileExists(atPath: single.path) {
            fileNames = [Self.singleFileName]
            self.indexURL = nil
        } else {
            let all = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            let st = all.filter { $0.hasSuffix(".safetensors") && !$0.hasPrefix(".") }
            fileNames = st.filter { $0.hasPrefix("model") }.sorted() + st.filter { !$0.hasPrefix("model") }.sorted()
            guard !fileNames.isEmpty else { throw SafeTensorsError.noWeights(directory: directory.path) }
            self.indexURL = nil
        }

        var files: [SafeTensorsFile] = []
        var location: [String: (file: Int, info: TensorInfo)] = [:]
        var names: [String] = []
        for name in fileNames {
            let file = try SafeTensorsFile(url: directory.appendingPathComponent(name))
            for t in file.tensors {
                if let previous = location[t.name] {
                    throw SafeTensorsError.tensorInSeveralFiles(tensor: t.name, first: files[previous.file].url.lastPathComponent,
                                                                second: name)
                }
                location[t.name] = (files.count, t)
                names.append(t.name)
            }
            files.append(file)
        }
        if let weightMap, let indexURL = self.indexURL {
            var mapped: [String: String] = [:]
            for entry in weightMap {
                mapped[entry.tensor] = entry.shard
                guard let loc = location[entry.tensor], files[loc.file].url.lastPathComponent == entry.shard else {
                    throw SafeTensorsError.tensorMissingFromShard(index: indexURL.path, tensor: entry.tensor, shard: entry.shard)
                }
            }
            for name in names where mapped[name] == nil {
                throw SafeTensorsError.tensorNotInIndex(index: indexURL.path, tensor: name,
                                                        shard: files[location[name]!.file].url.lastPathComponent)
            }
        }
        self.files = files
        self.location = location
        self.tensorNames = names
    }

    /// Reads `weight_map` of an index file, in its order. Shard names must be plain file names.
    private static func readIndex(_ url: URL) throws -> [(tensor: String, shard: String)] {
        let path = url.path
        let data: [UInt8]
        do {
            data = Array(try FileContents.read(url))
        } catch {
            throw SafeTensorsError.cannotOpen(file: path, reason: error.localizedDescription)
        }
        let json: JSONValue
        do {
            json = try JSONParser.parse(data)
        } catch {
            throw SafeTensorsError.invalidIndex(file: path, reason: "not valid JSON: \(error)")
        }
        guard let map = json.objectValue?["weight_map"]?.objectValue else {
            throw SafeTensorsError.invalidIndex(file: path, reason: "missing the 'weight_map' object")
        }
        var result: [(String, String)] = []
        for m in map.members {
            guard let shard = m.value.stringValue, !shard.isEmpty, !shard.contains("/"), shard != "..", shard != "." else {
                throw SafeTensorsError.invalidIndex(file: path, reason: "weight_map entry for '\(m.key)' must be a file name in the same directory, found \(m.value.serialized())")
            }
            result.append((m.key, shard))
        }
        return result
    }

    public var isSharded: Bool { files.count > 1 || indexURL != nil }

    /// Sum of all tensors' byte sizes (what an index's `metadata.total_size` states).
    public var totalTensorBytes: Int { files.reduce(0) { $0 + $1.dataSize } }

    public func contains(_ name: String) -> Bool { location[name] != nil }

    public func info(_ name: String) -> TensorInfo? { location[name]?.info }

    /// The header entry of `name`; throws `tensorNotFound` naming the directory.
    public func tensorInfo(_ name: String) throws(SafeTensorsError) -> TensorInfo {
        guard let loc = location[name] else { throw .tensorNotFound(tensor: name, location: directory.path) }
        return loc.info
    }

    /// The file holding `name`.
    public func file(containing name: String) throws(SafeTensorsError) -> SafeTensorsFile {
        guard let loc = location[name] else { throw .tensorNotFound(tensor: name, location: directory.path) }
        return files[loc.file]
    }

    /// The tensor converted to Float32 (F32, F16, BF16), row-major.
    public func floats(_ name: String) throws -> [Float] { try file(containing: name).floats(name) }

    public func floats(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        try file(containing: name).floats(name, into: destination)
    }

    /// Calls `body` with the tensor's raw bytes, straight from the mapping.
    public func withRawBytes<R>(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        try file(containing: name).withRawBytes(name, body)
    }

    /// Streams the tensor's raw bytes in pieces, releasing each piece's pages (see `SafeTensorsFile.streamRawBytes`).
    public func streamRawBytes(_ name: String, chunkBytes: Int = 8 << 20,
                               _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        try file(containing: name).streamRawBytes(name, chunkBytes: chunkBytes, body)
    }

    /// A copy of the tensor's raw bytes (any dtype).
    public func rawBytes(_ name: String) throws -> [UInt8] { try file(containing: name).rawBytes(name) }

    public func releasePages(_ name: String) { try? file(containing: name).releasePages(name) }

    /// The set of distinct dtypes, with the number of tensors and bytes of each.
    public var dtypeSummary: [(dtype: DType, tensors: Int, bytes: Int)] {
        var byType: [DType: (Int, Int)] = [:]
        for f in files { for t in f.tensors { byType[t.dtype, default: (0, 0)].0 += 1; byType[t.dtype, default: (0, 0)].1 += t.byteCount } }
        return byType.map { ($0.key, $0.value.0, $0.value.1) }.sorted { $0.bytes > $1.bytes }
    }

    /// Top-level files a rewritten checkpoint should carry over unchanged: tokenizer, generation config, chat
    /// template and the like. Excludes weights (`*.safetensors`, the index, other weight formats), config.json
    /// (rewritten separately) and hidden files.
    public func auxiliaryFiles() -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let weightSuffixes = [".safetensors", ".bin", ".pt", ".pth", ".gguf", ".h5", ".msgpack", ".onnx", ".ckpt"]
        return names.sorted().filter { name in
            guard !name.hasPrefix("."), name != "config.json", !name.hasSuffix(".index.json"),
                  !weightSuffixes.contains(where: { name.hasSuffix($0) }) else { return false }
            var isDir: ObjCBool = false
            let path = directory.appendingPathComponent(name).path
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && !isDir.boolValue
        }.map { directory.appendingPathComponent($0) }
    }
}
