import XCTest
@testable import Tokenization

// Placeholder so the test target builds; replaced by the Tokenization tests.
final class TokenizationPlaceholderTests: XCTestCase {}
