import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import Pruning

final class DistanceTableFormattingTests: XCTestCase {
    let table = DistanceTable(numLayers: 5, maxN: 2, tokens: .last, samples: 3, positions: 3,
                              rows: [[0.4, 0.1, 0.3, 0.2], [0.5, 0.35, 0.6]])

    func testTextMarksEachRowsMinimum() {
        let lines = table.textTable().split(separator: "\n")
        XCTAssertEqual(lines.count, 4)
        XCTAssertTrue(lines[2].contains("0.1000*"))
        XCTAssertTrue(lines[3].contains("0.3500*"))
        XCTAssertEqual(lines[2].filter { $0 == "*" }.count, 1)
    }

    func testCSVHasOneRowPerWindow() {
        let rows = table.csv().split(separator: "\n")
        XCTAssertEqual(rows.first, "n,start,end,kept_layer,distance")
        XCTAssertEqual(rows.count, 1 + 4 + 3)
        XCTAssertEqual(rows[5], "2,1,2,0,0.5000000000")
    }

    func testJSONRoundTripsAndNamesBest() throws {
        let object = try JSONSerialization.jsonObject(with: table.json()) as? [String: Any]
        let best = object?["best"] as? [[String: Any]]
        XCTAssertEqual(best?.map { $0["start"] as? Int }, [2, 2])
        struct Doc: Decodable { var table: DistanceTable }
        XCTAssertEqual(try JSONDecoder().decode(Doc.self, from: table.json()).table, table)
    }

    func testSVGIsWellFormedWithOneCellPerWindow() {
        let svg = table.svg()
        let parser = XMLParser(data: Data(svg.utf8))
        XCTAssertTrue(parser.parse(), "\(String(describing: parser.parserError))")
        XCTAssertEqual(svg.components(separatedBy: "<title>start").count - 1, 7)
        XCTAssertEqual(svg.components(separatedBy: "stroke=\"#e8112d\"").count - 1, 2)
    }
}
