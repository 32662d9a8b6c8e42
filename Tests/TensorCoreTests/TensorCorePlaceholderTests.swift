import XCTest
@testable import TensorCore

// Placeholder so the test target builds; replaced by the TensorCore tests.
final class TensorCorePlaceholderTests: XCTestCase {}
