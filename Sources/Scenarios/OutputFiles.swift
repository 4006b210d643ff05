package import Foundation

/// Writing a scenario's output files: directories and whole-file atomic writes, each failure a
/// ``ScenarioError/output(path:reason:)`` naming the path. Shared by the scenarios (exports)
/// and `ReportRendering` (reports).
package enum OutputFiles {
    /// Creates `directory` and its parents if missing.
    package static func createDirectory(_ directory: String) throws {
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw ScenarioError.output(path: directory, reason: "\(error)")
        }
    }

    /// Writes `data` to a temporary file beside `path` and renames it over `path`, so a failed
    /// write leaves no half-written file.
    package static func atomicWrite(_ data: Data, to path: String) throws {
        do { try data.write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw ScenarioError.output(path: path, reason: "\(error)")
        }
    }
}
