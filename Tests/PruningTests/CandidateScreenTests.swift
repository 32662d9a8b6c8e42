import XCTest
@testable import Pruning

final class CandidateScreenTests: XCTestCase {
    /// A candidate that is worse on every sample by a steady margin is dropped; one that is level on average
    /// (worse on some samples, better on others) is kept; the leader is never dropped.
    func testDropsOnlyCandidatesSignificantlyWorseThanTheLeader() {
        let base: [Double] = [0.20, 0.35, 0.15, 0.28, 0.22, 0.31, 0.18, 0.26]     // samples differ a lot
        let leader = base
        let clearlyWorse = base.map { $0 + 0.03 }                                  // paired: always +0.03
        let level = zip(base, [0.02, -0.02, 0.01, -0.01, 0.03, -0.03, 0.0, 0.0]).map { $0 + $1 }
        let noisyWorse = zip(base, [0.09, -0.05, 0.08, -0.04, 0.07, -0.06, 0.06, -0.03]).map { $0 + $1 }
        let keep = CandidateScreen().survivors(distances: [clearlyWorse, leader, level, noisyWorse],
                                               alive: [true, true, true, true])
        XCTAssertEqual(keep, [false, true, true, true])
    }

    func testWaitsForEnoughSamplesAndKeepsDroppedOnesDropped() {
        let a: [Double] = [0.1, 0.1, 0.1], b: [Double] = [0.5, 0.5, 0.5]
        XCTAssertEqual(CandidateScreen().survivors(distances: [a, b], alive: [true, true]), [true, true],
                       "3 samples < minimumSamples: nothing is judged")
        let a4 = a + [0.1], b4 = b + [0.5]
        XCTAssertEqual(CandidateScreen().survivors(distances: [a4, b4], alive: [true, true]), [true, false])
        // The leader is judged among all candidates, fitted or not; a dropped candidate never comes back.
        XCTAssertEqual(CandidateScreen().survivors(distances: [a4, b4], alive: [false, true]), [false, false])
        XCTAssertEqual(CandidateScreen().survivors(distances: [b4, a4], alive: [false, true]), [false, true])
    }

    /// With `keep` K the reference is the K-th lowest: the K lowest are never dropped, a candidate level with the
    /// K-th is kept, one steadily worse than it is dropped, and K at least the count drops nothing.
    func testKeepingTheKLowestJudgesAgainstTheKth() {
        let base: [Double] = [0.20, 0.35, 0.15, 0.28, 0.22, 0.31, 0.18, 0.26]
        let first = base, second = base.map { $0 + 0.01 }, third = base.map { $0 + 0.02 }
        let levelWithSecond = zip(second, [0.004, -0.004, 0.002, -0.002, 0.003, -0.003, 0.0, 0.0]).map { $0 + $1 }
        let worse = base.map { $0 + 0.05 }
        let all = [worse, third, first, levelWithSecond, second], alive = [Bool](repeating: true, count: 5)
        XCTAssertEqual(CandidateScreen(keep: 2).survivors(distances: all, alive: alive), [false, false, true, true, true])
        XCTAssertEqual(CandidateScreen(keep: 4).survivors(distances: all, alive: alive), [false, true, true, true, true],
                       "the fourth lowest is protected, and the reference")
        XCTAssertEqual(CandidateScreen(keep: 1).survivors(distances: all, alive: alive), [false, false, true, false, false])
        XCTAssertEqual(CandidateScreen(keep: 5).survivors(distances: all, alive: alive), alive)
    }

    func testTiesGoToTheFirstCandidateAsInSelection() {
        let same: [Double] = [0.2, 0.3, 0.25, 0.22]
        XCTAssertEqual(CandidateScreen().survivors(distances: [same, same], alive: [true, true]), [true, true],
                       "a candidate level with the leader on every sample is not significantly worse")
    }
}
