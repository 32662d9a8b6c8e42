import XCTest
@testable import Pruning

// Placeholder so the test target builds; replaced by the Pruning tests.
final class PruningPlaceholderTests: XCTestCase {}
