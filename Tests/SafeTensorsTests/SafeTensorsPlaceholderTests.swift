import XCTest
@testable import SafeTensors

// Placeholder so the test target builds; replaced by the SafeTensors tests.
final class SafeTensorsPlaceholderTests: XCTestCase {}
