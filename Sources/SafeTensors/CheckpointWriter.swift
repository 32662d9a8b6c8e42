import JSON
import Foundation

/// Writes a checkpoint directory atomically: everything goes into a temporary sibling
/// `.<name>.replaceme-tmp-<pid>`, every file is fsynced, and only then is the directory renamed to its final
/// name. A failing write removes the temporary directory; a killed one leaves only that clearly named sibling
/// (removed by the next write to the same output once its process is gone), never a partial output.
///
/// Weights are sharded in the given tensor order when they exceed `maxShardBytes` (HF naming
/// `model-00001-of-00003.safetensors` plus `model.safetensors.index.json` with `metadata.total_size`);
/// otherwise a single `model.safetensors` is written.
public struct CheckpointWriter {
    public var output: URL
    /// Largest shard (sum of tensor bytes); nil for a single file whatever the size. A tensor larger than the
    /// limit gets a shard of its own.
    public var maxShardBytes: Int?
    /// Replace an existing non-empty output directory.
    public var force: Bool
    /// Input directories the output must neither be nor lie inside (nor contain, as replacing it would delete them).
    public var inputs: [URL]
    /// Hash every file as it is written (`WrittenFile.sha256`); off, the digests are nil.
    public var hashing = true

    public init(output: URL, maxShardBytes: Int? = nil, force: Bool = false, inputs: [URL] = []) {
        self.output = output; self.maxShardBytes = maxShardBytes; self.force = force; self.inputs = inputs
    }

    /// One written file, with the SHA-256 of its bytes (computed while writing).
    public struct WrittenFile: Sendable, Equatable {
        public var name: String
        public var bytes: Int
        public var sha256: String?
        init(name: String, _ digest: FileDigest) { self.name = name; bytes = digest.bytes; sha256 = digest.sha256 }
    }

    /// Set in the environment (to any value) to make every checkpoint write fail after all its files, the final
    /// ones included, are in the temporary directory and before it is renamed: the fault tests and scripts use it
    /// to show that nothing is published then.
    public static let faultInjectionVariable = "REPLACEME_FAULT_BEFORE_INSTALL"

    public struct Result: Sendable {
        public var directory: URL
        public var weightFiles: [WrittenFile]
        public var otherFiles: [WrittenFile]
        public var tensorCount: Int
        /// Sum of tensor byte sizes (the index's `metadata.total_size`).
        public var tensorBytes: Int
    }

    /// Writes the checkpoint: the weight files from `tensors`, `files` (name → contents, e.g. the rewritten
    /// config.json), and copies of `copying` (tokenizer and generation files, by their file names).
    /// `progress(done, total)` counts tensors written.
    @discardableResult
    public func write(tensors: [TensorWriteSource], files: [(name: String, contents: [UInt8])] = [], copying: [URL] = [],
                      progress: ((Int, Int) -> Void)? = nil) throws -> Result {
        try write(shards: try plan(tensors), files: files, copying: copying, progress: progress)
    }

    /// Like `write(tensors:…)`, with the shards given explicitly (e.g. the input's own shard layout, so that a
    /// copy reproduces it file for file); `maxShardBytes` is ignored. One group gives `model.safetensors`.
    /// `finalFiles`, when given, is called with everything written so far (names, sizes, digests) and returns
    /// files written last, still inside the temporary directory: a report that describes the output appears with
    /// it, atomically.
    @discardableResult
    public func write(shards: [[TensorWriteSource]], files: [(name: String, contents: [UInt8])] = [], copying: [URL] = [],
                      finalFiles: ((Result) throws -> [(name: String, contents: [UInt8])])? = nil,
                      progress: ((Int, Int) -> Void)? = nil) throws -> Result {
        var shards = shards.filter { !$0.isEmpty }
        if shards.isEmpty { shards = [[]] }  // a checkpoint without tensors still gets its (empty) model.safetensors
        let tensors = shards.flatMap { $0 }
        _ = try SafeTensorsWriter.layout(tensors)  // validates names and sizes before anything is created
        try checkLocation()
        let fm = FileManager.default
        let finalURL = output.standardizedFileURL
        let parent = finalURL.deletingLastPathComponent()
        let name = finalURL.lastPathComponent
        do {
            try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw SafeTensorsError.writeFailed(path: parent.path, reason: (error as NSError).localizedDescription)
        }
        if let reason = AtomicFile.unwritableReason(parent) {
            throw SafeTensorsError.writeFailed(path: output.path, reason: reason)
        }
        Self.removeStaleTemporaries(parent: parent)
        let pid = ProcessInfo.processInfo.processIdentifier
        let tmp = parent.appendingPathComponent(".\(name).replaceme-tmp-\(pid)")
        try? fm.removeItem(at: tmp)
        do {
            try fm.createDirectory(at: tmp, withIntermediateDirectories: false)
        } catch {
            throw SafeTensorsError.writeFailed(path: tmp.path, reason: (error as NSError).localizedDescription)
        }
        TemporaryOutputs.register(tmp)
        defer { TemporaryOutputs.unregister(tmp) }
        do {
            var result = Result(directory: finalURL, weightFiles: [], otherFiles: [], tensorCount: tensors.count, tensorBytes: 0)
            var done = 0
            progress?(0, tensors.count)
            var weightMap: [(String, String)] = []
            for (k, shard) in shards.enumerated() {
                let fileName = shards.count == 1 ? SafeTensorsCheckpoint.singleFileName
                                                 : String(format: "model-%05d-of-%05d.safetensors", k + 1, shards.count)
                let digest = try SafeTensorsWriter.write(shard, to: tmp.appendingPathComponent(fileName), hashing: hashing) {
                    done += 1
                    progress?(done, tensors.count)
                }
                result.weightFiles.append(WrittenFile(name: fileName, digest))
                result.tensorBytes += shard.reduce(0) { $0 + $1.byteCount! }
                weightMap += shard.map { ($0.name, fileName) }
            }
            var others = files
            if shards.count > 1 {
                others.append((SafeTensorsCheckpoint.indexFileName, Self.indexBytes(weightMap, totalSize: result.tensorBytes)))
            }
            func put(_ file: (name: String, contents: [UInt8])) throws {
                let out = try OutputFile(path: tmp.appendingPathComponent(file.name).path, hashing: hashing)
                try out.write(file.contents)
                try out.finish()
                result.otherFiles.append(WrittenFile(name: file.name, out.digest))
            }
            for file in others { try put(file) }
            for url in copying where !others.contains(where: { $0.name == url.lastPathComponent }) {
                let digest = try Self.copyFile(url, to: tmp.appendingPathComponent(url.lastPathComponent), hashing: hashing)
                result.otherFiles.append(WrittenFile(name: url.lastPathComponent, digest))
            }
            if let finalFiles {
                let final = try finalFiles(result)
                for file in final { try put(file) }
            }
            if ProcessInfo.processInfo.environment[Self.faultInjectionVariable] != nil {
                throw SafeTensorsError.writeFailed(path: tmp.path, reason: "fault injected before the rename (\(Self.faultInjectionVariable) is set)")
            }
            try Self.fsyncDirectory(tmp)
            try install(tmp, at: finalURL)
            try Self.fsyncDirectory(parent)
            return result
        } catch {
            try? fm.removeItem(at: tmp)
            throw error
        }
    }

    /// Refuses an output that is (inside) an input or contains one, and a non-empty existing output unless forced.
    public func checkLocation() throws {
        let out = Self.resolved(output)
        for input in inputs {
            let inp = Self.resolved(input)
            if out == inp || out.hasPrefix(inp.hasSuffix("/") ? inp : inp + "/") {
                throw SafeTensorsError.outputInsideInput(output: output.path, input: input.path)
            }
            if inp.hasPrefix(out.hasSuffix("/") ? out : out + "/") {
                throw SafeTensorsError.inputInsideOutput(output: output.path, input: input.path)
            }
        }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: output.path, isDirectory: &isDir) {
            guard isDir.boolValue else {
                throw SafeTensorsError.writeFailed(path: output.path, reason: "exists and is not a directory")
            }
            let contents = (try? FileManager.default.contentsOfDirectory(atPath: output.path)) ?? []
            if !contents.isEmpty && !force { throw SafeTensorsError.outputNotEmpty(path: output.path) }
        }
    }

    /// Groups tensors into shards, in order: a new shard starts when adding a tensor would exceed the limit.
    func plan(_ tensors: [TensorWriteSource]) throws -> [[TensorWriteSource]] {
        _ = try SafeTensorsWriter.layout(tensors)  // validates names and sizes before the arithmetic below
        guard let limit = maxShardBytes else { return [tensors] }
        var shards: [[TensorWriteSource]] = [[]]
        var size = 0
        for t in tensors {
            let n = t.byteCount!
            if !shards[shards.count - 1].isEmpty && size + n > limit {
                shards.append([])
                size = 0
            }
            shards[shards.count - 1].append(t)
            size += n
        }
        return shards
    }

    /// Moves the finished temporary directory to `final`, replacing an existing (empty or forced) directory.
    /// Without `force` it is one rename, which succeeds only onto nothing or an empty directory: if another process
    /// installed an output there meanwhile, this run fails (naming it) and the winner's output stays whole.
    private func install(_ tmp: URL, at final: URL) throws {
        let fm = FileManager.default
        if !force {
            guard rename(tmp.path, final.path) == 0 else {
                let e = errno
                if e == ENOTEMPTY || e == EEXIST || e == ENOTDIR {
                    throw SafeTensorsError.writeFailed(path: final.path,
                        reason: "another output appeared there while this run was writing (a concurrent run?); it was left as it is")
                }
                throw SafeTensorsError.writeFailed(path: final.path, reason: "rename: \(String(cString: strerror(e)))")
            }
            return
        }
        var old: URL? = nil
        if fm.fileExists(atPath: final.path) {
            let pid = ProcessInfo.processInfo.processIdentifier
            let o = final.deletingLastPathComponent().appendingPathComponent(".\(final.lastPathComponent).replaceme-old-\(pid)")
            try? fm.removeItem(at: o)
            guard rename(final.path, o.path) == 0 else {
                throw SafeTensorsError.writeFailed(path: final.path, reason: "cannot move the old directory aside: \(String(cString: strerror(errno)))")
            }
            old = o
        }
        guard rename(tmp.path, final.path) == 0 else {
            let reason = String(cString: strerror(errno))
            if let old { _ = rename(old.path, final.path) }
            throw SafeTensorsError.writeFailed(path: final.path, reason: "rename: \(reason)")
        }
        if let old { try? fm.removeItem(at: old) }
    }

    /// Removes the temporaries replaceme writes, `.<any name>.replaceme-tmp-<pid>` and `-old-<pid>` (directories
    /// and single files), that processes no longer running left in `parent` (a SIGKILL cannot be caught), whatever
    /// output they were for; a temporary of a running process is never touched. Returns the names removed.
    @discardableResult
    public static func removeStaleTemporaries(parent: URL) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []
        var removed: [String] = []
        for entry in entries where entry.hasPrefix(".") {
            for marker in [".replaceme-tmp-", ".replaceme-old-"] {
                guard let range = entry.range(of: marker, options: .backwards),
                      let pid = Int32(entry[range.upperBound...]), pid > 0 else { continue }
                if kill(pid, 0) != 0 && errno == ESRCH,
                   (try? FileManager.default.removeItem(at: parent.appendingPathComponent(entry))) != nil {
                    removed.append(entry)
                }
            }
        }
        return removed
    }

    /// `{"metadata": {"total_size": N}, "weight_map": {name: file}}` with sorted names, as transformers writes it.
    static func indexBytes(_ weightMap: [(String, String)], totalSize: Int) -> [UInt8] {
        let map = JSONObject(weightMap.map { ($0.0, JSONValue.string($0.1)) }).sortedByKey()
        let index = JSONObject([("metadata", .object(JSONObject([("total_size", .int(totalSize))]))),
                                ("weight_map", .object(map))])
        return Array((JSONValue.object(index).serialized(indent: 2) + "\n").utf8)
    }

    static func copyFile(_ src: URL, to dst: URL, hashing: Bool = true) throws -> FileDigest {
        let input = try MappedFile(path: src.path)
        let out = try OutputFile(path: dst.path, hashing: hashing)
        try out.write(input.bytes)
        try out.finish()
        return out.digest
    }

    static func fsyncDirectory(_ url: URL) throws {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SafeTensorsError.writeFailed(path: url.path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        guard fsync(fd) == 0 else {
            throw SafeTensorsError.writeFailed(path: url.path, reason: "fsync: \(String(cString: strerror(errno)))")
        }
    }

    /// Real path with symlinks resolved; for a path that does not exist yet, its nearest existing ancestor is
    /// resolved and the rest appended.
    static func resolved(_ url: URL) -> String {
        var existing = url.standardizedFileURL
        var rest: [String] = []
        while !FileManager.default.fileExists(atPath: existing.path) && existing.path != "/" {
            rest.insert(existing.lastPathComponent, at: 0)
            existing = existing.deletingLastPathComponent()
        }
        var base = existing.path
        if let r = realpath(existing.path, nil) {
            base = String(cString: r)
            free(r)
        }
        return rest.reduce(base) { $0.hasSuffix("/") ? $0 + $1 : $0 + "/" + $1 }
    }
}
