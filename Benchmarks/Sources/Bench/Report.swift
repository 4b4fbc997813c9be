import Foundation

/// Markdown output: tables printed as they fill and collected into docs/PERFORMANCE.md.
enum Report {
    /// A markdown table whose rows are printed as they are added.
    struct Table {
        let columns: [String]
        private(set) var rows: [[String]] = []

        init(columns: [String]) {
            self.columns = columns
            print(Self.line(columns))
        }

        mutating func add(_ cells: String...) {
            rows.append(cells)
            print(Self.line(cells))
        }

        var markdown: String {
            let header = Self.line(columns) + "\n" + Self.line(columns.enumerated().map { $0.offset < 2 ? "---" : "---:" })
            return ([header] + rows.map(Self.line)).joined(separator: "\n")
        }

        private static func line(_ cells: [String]) -> String { "| " + cells.joined(separator: " | ") + " |" }
    }

    static func rate(_ value: Double) -> String { value.isFinite ? String(format: "%.0f", value) : "–" }
    static func micros(_ value: Double) -> String { String(format: "%.1f", value) }
    static func ratio(_ value: Double) -> String { value.isFinite ? String(format: "%.2f×", value) : "–" }

    /// The machine, for the report's header.
    static var machine: String {
        let cpu =
            (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        let memory = ProcessInfo.processInfo.physicalMemory / 1 << 30
        return
            "\(ProcessInfo.processInfo.activeProcessorCount) cores (\(cpu)), \(memory) GiB, \(ProcessInfo.processInfo.operatingSystemVersionString)"
    }

    static var now: String { ISO8601DateFormatter().string(from: Date()) }

    static let beginMarker = "<!-- Bench output begins: everything up to the end marker is rewritten by scripts/bench.sh -->"
    static let endMarker = "<!-- Bench output ends -->"

    /// Writes `report` between the markers of the file at `path` (the text around them is
    /// kept), or as the whole file when it has no markers.
    static func write(_ report: String, into path: String) throws {
        let block = beginMarker + "\n\n" + report + "\n\n" + endMarker
        var text = "# Performance\n\n" + block + "\n"
        if let existing = try? String(contentsOfFile: path, encoding: .utf8),
            let begin = existing.range(of: beginMarker), let end = existing.range(of: endMarker), begin.upperBound <= end.lowerBound
        {
            text = existing.replacingCharacters(in: begin.lowerBound..<end.upperBound, with: block)
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
