import XCTest
@testable import Llama

// Placeholder so the test target builds; replaced by the Llama tests.
final class LlamaPlaceholderTests: XCTestCase {}
