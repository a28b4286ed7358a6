import Resources

/// How a Prometheus series becomes part of a workload's resource vector: the mapping file
/// (`config/prometheus/*.toml`, every key documented in `config/prometheus/README.md`).
///
/// A series is taken by the **first rule, in file order,** whose `metric` is the series'
/// `__name__` and whose `labels` all match (`labels`: equal; `exclude`: not one of the
/// values). The rule's `workload` template (else the file's `[workload] name`) names the
/// workload; its `pop` template (else `[workload] pop`; absent: not placed) names the POP.
/// A counter becomes a per-second rate, a gauge is taken as it is; either is multiplied by
/// `scale` (the unit conversion into the resource's SI unit); a rule with `role =
/// "allocation"` gives what the workload is allocated instead of what it uses. Series of one workload and
/// resource at the same second are summed (cores of a host, containers of a pod,
/// interfaces). A series that no rule takes, or whose template labels are missing, is
/// counted and dropped, never guessed.
package struct PrometheusMapping: Sendable {
    package enum Kind: String, Sendable, CaseIterable {
        /// Monotonic total (`*_total`): the rate per second between consecutive samples; a
        /// decrease is a counter reset (the new value is the increase since it).
        case counter
        /// A level, taken as it is.
        case gauge
    }

    /// What a rule's series measure.
    package enum Role: String, Sendable, CaseIterable {
        /// What the workload uses (the samples that are stored, forecast and scored).
        case usage
        /// What the workload is given — a limit such as cAdvisor's
        /// `container_spec_memory_limit_bytes`: the allocation its risk is measured against
        /// (as an agent's batch reports `allocations`). Not stored as a sample; a sum of 0
        /// means "no limit" (cAdvisor's 0 for an unlimited container) and is left out.
        case allocation
    }

    package struct Rule: Sendable {
        package var metric: String
        package var resource: Resource
        package var role: Role = .usage
        package var kind: Kind
        /// Multiplies the value (after the rate for a counter) into the resource's SI unit.
        package var scale: Double
        /// Labels that must have exactly this value.
        package var labels: [(name: String, value: String)]
        /// Labels that must not have any of these values (an absent label has the value "").
        package var exclude: [(name: String, values: Set<String>)]
        package var workload: LabelTemplate
        package var pop: LabelTemplate?
        /// The rule's key path in the file (`metrics[3]`), for messages.
        package var keyPath: String

        /// Whether `labels` (sorted or not) satisfy the rule's matchers.
        func matches(_ value: (String) -> String?) -> Bool {
            for matcher in labels where value(matcher.name) != matcher.value { return false }
            for matcher in exclude where matcher.values.contains(value(matcher.name) ?? "") { return false }
            return true
        }
    }

    /// The file (or text) the mapping came from.
    package let source: String
    package let rules: [Rule]
    /// Rule indices per metric name, in file order.
    let rulesByMetric: [String: [Int]]

    /// The metric names the rules read, in file order, each once (the trainer's
    /// `query_range` import asks for these).
    package var metricNames: [String] {
        var seen = Set<String>()
        return rules.map(\.metric).filter { seen.insert($0).inserted }
    }

    package init(source: String, rules: [Rule]) {
        self.source = source
        self.rules = rules
        var byMetric: [String: [Int]] = [:]
        for (i, rule) in rules.enumerated() { byMetric[rule.metric, default: []].append(i) }
        rulesByMetric = byMetric
    }

    /// Why a series was not taken (the `reason` label of
    /// `headroom_prometheus_samples_dropped_total`).
    package enum Unmatched: String, Sendable, CaseIterable {
        /// No rule's metric and labels match.
        case noRule = "no_rule"
        /// A rule matched, but a label its workload or POP template names is absent or empty.
        case missingLabel = "missing_label"
        /// The rendered workload name breaks `InputRules` (too long, control characters).
        case invalidName = "invalid_name"
    }

    /// What a series maps to.
    package enum Match: Sendable, Equatable {
        case rule(index: Int, workload: String, pop: String?)
        case unmatched(Unmatched)
    }

    /// The rule that takes a series with these labels (`__name__` included) and the
    /// workload and POP it names.
    package func match(_ labels: [Prometheus_Label]) -> Match {
        func value(_ name: String) -> String? { labels.first { $0.name == name }?.value }
        guard let metric = value("__name__"), let candidates = rulesByMetric[metric] else { return .unmatched(.noRule) }
        for index in candidates where rules[index].matches(value) {
            let rule = rules[index]
            guard let workload = rule.workload.render(value) else { return .unmatched(.missingLabel) }
            var pop: String?
            if let template = rule.pop {
                guard let rendered = template.render(value) else { return .unmatched(.missingLabel) }
                pop = rendered
            }
            if InputRules.nameViolation(workload) != nil { return .unmatched(.invalidName) }
            return .rule(index: index, workload: workload, pop: pop)
        }
        return .unmatched(.noRule)
    }
}
