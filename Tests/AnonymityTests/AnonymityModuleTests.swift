import Testing
@testable import Anonymity
