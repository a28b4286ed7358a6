import Foundation

/// The SVG and HTML pieces the trainer's evaluation report and the scorer's frontier report
/// share: escaping, short number labels, a polyline path, and an x–y line chart. Pure
/// string building, no dependencies.
public enum SVG {
    /// `s` with `&`, `<`, `>` escaped for HTML and SVG text.
    public static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// A short label: scientific above 10⁴ or below 10⁻² (not 0), else two decimals.
    public static func short(_ v: Double) -> String {
        abs(v) >= 1e4 || (abs(v) < 1e-2 && v != 0) ? String(format: "%.2e", v) : String(format: "%.2f", v)
    }

    /// An SVG `path` through the points in order (already in pixels); a non-finite point
    /// lifts the pen. `extra` goes into the element (e.g. a dash pattern).
    public static func path(_ points: [(x: Double, y: Double)], color: String, extra: String = "") -> String {
        var d = "", pen = false
        for p in points {
            guard p.x.isFinite, p.y.isFinite else { pen = false; continue }
            d += String(format: "%@%.1f,%.1f ", pen ? "L" : "M", p.x, p.y)
            pen = true
        }
        return "<path d=\"\(d)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.2\" \(extra)/>"
    }

    /// One named line of an x–y chart, its points in data units (drawn in the given order,
    /// each with a dot and an optional label).
    public struct Series: Sendable {
        public var name: String
        public var color: String
        public var points: [(x: Double, y: Double, label: String?)]
        public init(name: String, color: String, points: [(x: Double, y: Double, label: String?)]) {
            self.name = name
            self.color = color
            self.points = points
        }
    }

    /// A line chart of `series` on linear axes spanning every finite point (a degenerate
    /// span becomes 1), with the axis titles, the extremes as tick labels and a legend.
    /// Empty input gives an empty frame.
    public static func lineChart(_ series: [Series], title: String, xTitle: String, yTitle: String,
                                 width: Double = 560, height: Double = 340) -> String {
        let pad = 48.0
        let all = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        let x0 = min(0, all.map(\.x).min() ?? 0), x1 = all.map(\.x).max() ?? 1
        let y0 = min(0, all.map(\.y).min() ?? 0), y1 = all.map(\.y).max() ?? 1
        let sx = x1 > x0 ? x1 - x0 : 1, sy = y1 > y0 ? y1 - y0 : 1
        func px(_ v: Double) -> Double { pad + (v - x0) / sx * (width - 2 * pad) }
        func py(_ v: Double) -> Double { height - pad - (v - y0) / sy * (height - 2 * pad) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" style=\"border:1px solid #ddd\">"
        s += "<text x=\"\(pad)\" y=\"16\" font-size=\"12\">\(escape(title))</text>"
        s += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\"/>", px(x0), py(y0), px(x1), py(y0))
        s += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\"/>", px(x0), py(y0), px(x0), py(y1))
        s += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\">%@</text>", width / 2, height - 8, escape(xTitle))
        s += String(format: "<text x=\"12\" y=\"%.1f\" font-size=\"10\" transform=\"rotate(-90 12 %.1f)\" text-anchor=\"middle\">%@</text>",
                    height / 2, height / 2, escape(yTitle))
        s += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\">%@</text>", px(x0), height - pad + 12, short(x0))
        s += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"end\">%@</text>", px(x1), height - pad + 12, short(x1))
        s += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"end\">%@</text>", pad - 3, py(y1) + 3, short(y1))
        s += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"end\">%@</text>", pad - 3, py(y0), short(y0))
        for (k, line) in series.enumerated() {
            s += path(line.points.map { (px($0.x), py($0.y)) }, color: line.color)
            for p in line.points where p.x.isFinite && p.y.isFinite {
                s += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%@\"/>", px(p.x), py(p.y), line.color)
                if let label = p.label {
                    s += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"8\" fill=\"%@\">%@</text>", px(p.x) + 4, py(p.y) - 4,
                                line.color, escape(label))
                }
            }
            s += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"%@\">%@</text>", width - pad - 90,
                        pad + 14 * Double(k), line.color, escape(line.name))
        }
        return s + "</svg>"
    }
}
