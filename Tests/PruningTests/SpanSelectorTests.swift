import XCTest
@testable import Pruning

final class SpanSelectorTests: XCTestCase {
    func testPicksLowestDistanceWithEarliestOnTies() throws {
        // L = 8, n = 2: starts 1...6.
        let spans = try SpanSelector.select(distances: [0.5, 0.2, 0.3, 0.2, 0.9, 0.4], n: 2, spans: 1, numLayers: 8)
        XCTAssertEqual(spans, [Span(start: 2, count: 2)])
        XCTAssertEqual(spans[0].keptLayer, 1)
        XCTAssertEqual(spans[0].layers, 2..<4)
    }

    func testGreedyNonOverlappingAndMergesAdjacent() throws {
        // L = 12, n = 2: starts 1...10. Best start 5 (layers 5,6), then 4 overlaps, then 7 (layers 7,8): adjacent.
        let d = [0.9, 0.8, 0.7, 0.15, 0.1, 0.12, 0.2, 0.6, 0.5, 0.4]
        let spans = try SpanSelector.select(distances: d, n: 2, spans: 2, numLayers: 12)
        XCTAssertEqual(spans, [Span(start: 5, count: 4)])
        // Three spans: 5, 7, then 6 and 4 overlap, 10 (layers 10, 11) is free and not adjacent.
        let three = try SpanSelector.select(distances: d, n: 2, spans: 3, numLayers: 12)
        XCTAssertEqual(three, [Span(start: 5, count: 4), Span(start: 10, count: 2)])
    }

    func testSeparateSpansStaySeparate() throws {
        let d = [0.1, 0.9, 0.9, 0.9, 0.9, 0.9, 0.2, 0.9]   // L = 10, n = 2: starts 1...8
        XCTAssertEqual(try SpanSelector.select(distances: d, n: 2, spans: 2, numLayers: 10),
                       [Span(start: 1, count: 2), Span(start: 7, count: 2)])
    }

    func testValidation() {
        XCTAssertThrowsError(try SpanSelector.validate(n: 7, numLayers: 8)) {
            XCTAssertEqual($0 as? PruningError, .spanTooLong(n: 7, numLayers: 8))
        }
        XCTAssertThrowsError(try SpanSelector.validate(n: 0, numLayers: 8))
        XCTAssertNoThrow(try SpanSelector.validate(n: 6, numLayers: 8))
        XCTAssertThrowsError(try SpanSelector.forced(start: 0, n: 2, numLayers: 8)) {
            XCTAssertEqual($0 as? PruningError, .spanOutOfRange(start: 0, n: 2, numLayers: 8))
            XCTAssertTrue("\($0)".contains("1...6"))
        }
        XCTAssertThrowsError(try SpanSelector.forced(start: 7, n: 2, numLayers: 8))
        XCTAssertEqual(try SpanSelector.forced(start: 6, n: 2, numLayers: 8), Span(start: 6, count: 2))
        XCTAssertThrowsError(try SpanSelector.select(distances: [0.1, 0.2, 0.3], n: 2, spans: 3, numLayers: 5)) {
            XCTAssertEqual($0 as? PruningError, .tooManySpans(requested: 3, placed: 2, n: 2, numLayers: 5))
        }
        XCTAssertThrowsError(try SpanSelector.select(distances: [0.1, .nan, 0.3], n: 2, spans: 1, numLayers: 5)) {
            guard case .nonFinite? = $0 as? PruningError else { return XCTFail("\($0)") }
        }
    }
}
