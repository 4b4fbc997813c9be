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

    /// Writes `sections` (each starting with its `## ` heading) between the markers of the
    /// file at `path`, each stamped with when and how it was measured: a section measured
    /// now replaces the one with its heading, the others stay as they were (a run of one
    /// part leaves the other parts' tables). The text around the markers is kept; a file
    /// without markers is written whole.
    static func write(sections: [String], stamp: String, into path: String) throws {
        let existing = try? String(contentsOfFile: path, encoding: .utf8)
        var kept: [(heading: String, text: String)] = []
        if let existing, let begin = existing.range(of: beginMarker), let end = existing.range(of: endMarker),
            begin.upperBound <= end.lowerBound
        {
            kept = parse(String(existing[begin.upperBound..<end.lowerBound]))
        }
        for section in sections {
            let stamped = insert(stamp, after: section)
            let heading = String(stamped.prefix { $0 != "\n" })
            if let index = kept.firstIndex(where: { $0.heading == heading }) {
                kept[index].text = stamped
            } else {
                kept.append((heading, stamped))
            }
        }
        let block = beginMarker + "\n\n" + kept.map(\.text).joined(separator: "\n\n") + "\n\n" + endMarker
        var text = "# Performance\n\n" + block + "\n"
        if let existing, let begin = existing.range(of: beginMarker), let end = existing.range(of: endMarker),
            begin.upperBound <= end.lowerBound
        {
            text = existing.replacingCharacters(in: begin.lowerBound..<end.upperBound, with: block)
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// The block's sections by heading; text before the first heading (a stamp shared by
    /// every section, as older runs wrote it) goes into each section that has none.
    private static func parse(_ block: String) -> [(heading: String, text: String)] {
        var sections: [(heading: String, text: String)] = []
        var prelude: [Substring] = []
        for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("## ") {
                sections.append((String(line), String(line)))
            } else if sections.isEmpty {
                prelude.append(line)
            } else {
                sections[sections.count - 1].text += "\n" + line
            }
        }
        let shared = prelude.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        return sections.map { section in
            let text = section.text.trimmingCharacters(in: .whitespacesAndNewlines)
            let stamped = text.contains("\nMeasured ") || shared.isEmpty ? text : insert(shared, after: text)
            return (section.heading, stamped)
        }
    }

    /// `section` with `stamp` as the paragraph after its heading.
    private static func insert(_ stamp: String, after section: String) -> String {
        guard let newline = section.firstIndex(of: "\n") else { return section + "\n\n" + stamp }
        let rest = section[section.index(after: newline)...].drop { $0 == "\n" }
        return section[..<newline] + "\n\n" + stamp + "\n\n" + rest
    }
}
