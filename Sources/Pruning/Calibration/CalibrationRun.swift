import Llama

/// A stage that reads the calibration pass: a scorer (distances), an estimator (least-squares statistics), a
/// screen. The driver calls it for every layer of every batch, in the order the observers were given, so a later
/// observer may read what an earlier one has just accumulated for the same layer.
public protocol CalibrationObserver: AnyObject {
    /// Layer `states.layer`'s activations for the batch whose first sample is `firstSample` (global index).
    func observe(_ states: LayerStates, firstSample: Int) throws
    /// Called after the batch has gone through every layer of the run.
    func batchEnded() throws
    /// Whether the coming batch must compute every row of `layer` for this observer (false: each sample's last
    /// token is enough). Asked only for the run's last layer, which then runs `FinalLayerRows.lastTokens` when
    /// no observer needs more.
    func needsAllRows(ofLayer layer: Int) -> Bool
}

extension CalibrationObserver {
    public func batchEnded() throws {}
    public func needsAllRows(ofLayer layer: Int) -> Bool { true }
}

/// The one calibration driver: runs the calibration windows through the model (as `edit` changes it, if given) in
/// batches of bounded rows, layer streaming as `LlamaModel.forward` does, up to `through`, and fans every layer's
/// states out to any number of observers. Replaces the separate drivers of pass 1 and pass 2.
public struct CalibrationRun {
    public let model: LlamaModel
    public let calibration: CalibrationSet
    public let batches: CalibrationBatches
    public var edit: ModelEdit?

    public init(model: LlamaModel, calibration: CalibrationSet, batches: CalibrationBatches? = nil, edit: ModelEdit? = nil) {
        self.model = model
        self.calibration = calibration
        self.batches = batches ?? CalibrationBatches(samples: calibration.samples, seqLen: calibration.seqLen)
        self.edit = edit
    }

    /// Layer-steps a run through `last` takes (for progress bars).
    public func steps(through last: Int) -> Int { batches.ranges.count * (last + 1) }

    /// - Parameter progress: (layer-steps done, total).
    public func run(through last: Int, observers: [CalibrationObserver], progress: ((Int, Int) -> Void)? = nil) throws {
        var done = 0
        let total = steps(through: last)
        for range in batches.ranges {
            let fanOut = ClosureObserver { s in
                for o in observers { try o.observe(s, firstSample: range.lowerBound) }
                done += 1
                progress?(done, total)
            }
            let lastTokensOnly = !observers.contains { $0.needsAllRows(ofLayer: last) }
            try model.forward(CalibrationBatches.batch(calibration, range), edit: edit, through: last, observer: fanOut,
                              finalRows: lastTokensOnly ? .lastTokens : .all)
            for o in observers { try o.batchEnded() }
        }
    }
}
