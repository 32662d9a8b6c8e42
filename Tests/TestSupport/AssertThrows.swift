import XCTest

/// Asserts that `body` throws an error of type `E` satisfying `match`; returns its description.
@discardableResult
public func assertThrows<E: Error, R>(_ type: E.Type, _ body: @autoclosure () throws -> R,
                                      file: StaticString = #filePath, line: UInt = #line,
                                      _ match: (E) -> Bool) -> String {
    do {
        _ = try body()
        XCTFail("expected an error, none thrown", file: file, line: line)
    } catch let e as E {
        XCTAssertTrue(match(e), "unexpected error: \(e)", file: file, line: line)
        return "\(e)"
    } catch {
        XCTFail("unexpected error type: \(error)", file: file, line: line)
    }
    return ""
}
