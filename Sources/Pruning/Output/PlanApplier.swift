import Foundation
import Llama
import SafeTensors

/// `replaceme apply`: writes the checkpoint a saved plan describes (what `prune` writes for the same plan,
/// tensor for tensor), with a small report inside, in one atomic install; `layout` as `PrunedCheckpointWriter`'s.
public enum PlanApplier {
    public struct Report: Codable, Sendable {
        public var tool: String
        public var version: String
        public var createdAt: String
        public var input: String
        public var plan: String
        public var method: String
        public var inputLayers: Int
        public var outputLayers: Int
        public var droppedLayers: [Int]
        public var transformedLayers: [Int]
        public var output: String
        public var outputFiles: [PruneReport.FileRecord]
        public var seconds: Double
        public var peakMemoryBytes: Int

        public func jsonData() throws -> Data { try ReportJSON.encode(self) }
    }

    /// Checks the output location, reads and checks the plan against the checkpoint, then writes.
    public static func apply(checkpointDirectory input: URL, plan planURL: URL, output: URL, force: Bool,
                             layout: PrunedCheckpointWriter.Layout = .uniform, toolVersion: String, progress: ((Int, Int) -> Void)? = nil) throws -> Report {
        let start = Date()
        try OutputLocation.check(output: output, input: input, force: force)
        let checkpoint = try LlamaCheckpoint(directory: input)
        let geometry = try LlamaGeometry(config: checkpoint.config)
        let plan = try PruningPlan.read(planURL, for: geometry)
        if checkpoint.config.isHeterogeneous { throw PruningError.heterogeneousInput(path: input.path) }
        if layout == .uniform { try PrunedCheckpointWriter.checkWritable(plan.edit) }
        var report: Report?
        try PrunedCheckpointWriter.write(checkpoint: checkpoint, edit: plan.edit, output: output, force: force,
                                         layout: layout, finalFiles: { result in
            let r = Report(tool: "replaceme", version: toolVersion, createdAt: ISO8601DateFormatter().string(from: Date()),
                           input: input.path, plan: planURL.path, method: plan.method, inputLayers: geometry.layerCount,
                           outputLayers: plan.edit.outputLayerCount, droppedLayers: plan.edit.droppedLayers,
                           transformedLayers: plan.edit.layers.indices.filter { plan.edit.layers[$0].transform != nil },
                           output: output.path,
                           outputFiles: (result.weightFiles + result.otherFiles).map { .init(name: $0.name, bytes: $0.bytes, sha256: $0.sha256) },
                           seconds: Date().timeIntervalSince(start), peakMemoryBytes: PruneReport.peakMemoryBytes())
            report = r
            return [(Pruner.reportFileName, Array(try r.jsonData()))]
        }, progress: progress)
        return report!
    }
}
