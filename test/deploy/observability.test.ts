// Keeps the alert rules and the Grafana dashboard honest: every metric they
// query must be one the services emit (found in the code's serviceMeter calls,
// under the name Prometheus gives an OTLP metric), and the files must have the
// shape Prometheus and Grafana load.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./deploy-tools.ts";

interface Rule {
  alert?: string;
  expr?: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Dashboard {
  title: string;
  uid: string;
  panels: { id: number; type: string; title: string; targets: { refId: string; expr: string }[] }[];
}

/** Source files that may register instruments. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts"))
    .map((entry) => join(entry.parentPath, entry.name));
}

/**
 * The Prometheus names of the metrics the code registers: dots become
 * underscores, counters get `_total`, a `By` unit adds `_bytes` and an `s` unit
 * `_seconds` (unless the name ends so already), histograms expose _bucket/_sum/_count.
 */
function emittedPrometheusNames(): Set<string> {
  const names = new Set<string>();
  const instrument = /\.create(Counter|ObservableCounter|UpDownCounter|ObservableUpDownCounter|Gauge|ObservableGauge|Histogram)\(\s*"([^"]+)"\s*(?:,\s*\{([^}]*)\})?/g;
  for (const file of ["services", "gateway", "lib"].flatMap((dir) => sourceFiles(join(repoRoot, dir)))) {
    for (const match of readFileSync(file, "utf8").matchAll(instrument)) {
      const [, kind = "", name = "", options = ""] = match;
      let base = name.replace(/[^a-zA-Z0-9_]/g, "_");
      if (/unit:\s*"By"/.test(options) && !base.endsWith("_bytes")) base += "_bytes";
      if (/unit:\s*"s"/.test(options) && !base.endsWith("_seconds")) base += "_seconds";
      if (kind.endsWith("Counter") && !kind.includes("UpDown")) names.add(`${base}_total`);
      else if (kind === "Histogram") for (const suffix of ["_bucket", "_sum", "_count"]) names.add(base + suffix);
      else names.add(base);
    }
  }
  return names;
}

/** Metric names in a PromQL expression (identifiers followed by a selector, range or closing paren). */
function metricsIn(expr: string): string[] {
  // Label lists (`by (a, b)`) and matchers (`{a="b"}`) name labels, not metrics.
  const stripped = expr.replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ").replace(/\{[^}]*\}/g, "{}");
  const words = stripped.match(/\b[a-z][a-z0-9_]*_(?:total|bytes|bucket|sum|count|[a-z]+)\b(?=\s*[{[)])/g) ?? [];
  return [...new Set(words)];
}

const emitted = emittedPrometheusNames();

describe("alert rules and dashboard", () => {
  it("finds the services' metrics in the code", () => {
    expect(emitted).toContain("identity_login_attempts_total");
    expect(emitted).toContain("xtream_edge_origin_bytes_total");
    expect(emitted).toContain("xtream_edge_memory_bytes");
    expect(emitted).toContain("xtream_transcoder_job_duration_seconds_bucket");
  });

  it("alert rules are well formed and query only emitted metrics", () => {
    const file = parse(readFileSync(join(repoRoot, "observability", "alerts", "xtream.rules.yaml"), "utf8")) as { groups: { name: string; rules: Rule[] }[] };
    const rules = file.groups.flatMap((group) => group.rules);
    expect(rules.length).toBeGreaterThan(0);
    const alerts = new Set<string>();
    for (const rule of rules) {
      expect(rule.alert, JSON.stringify(rule)).toMatch(/^Xtream[A-Za-z]+$/);
      expect(alerts.has(rule.alert ?? "")).toBe(false);
      alerts.add(rule.alert ?? "");
      expect(["info", "warning", "critical"]).toContain(rule.labels?.["severity"]);
      expect(rule.annotations?.["summary"], rule.alert).toBeTruthy();
      if (rule.for !== undefined) expect(rule.for).toMatch(/^\d+[smh]$/);
      const used = metricsIn(rule.expr ?? "");
      expect(used.length, `${rule.alert ?? ""} queries no metric`).toBeGreaterThan(0);
      for (const metric of used) expect(emitted, `${rule.alert ?? ""}: ${metric} is not emitted by the code`).toContain(metric);
    }
  });

  it("dashboard panels query only emitted metrics", () => {
    const dashboard = JSON.parse(readFileSync(join(repoRoot, "observability", "dashboards", "xtream.json"), "utf8")) as Dashboard;
    expect(dashboard.uid).toBeTruthy();
    expect(new Set(dashboard.panels.map((panel) => panel.id)).size).toBe(dashboard.panels.length);
    for (const panel of dashboard.panels.filter((panel) => panel.type !== "row")) {
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets) {
        const used = metricsIn(target.expr);
        expect(used.length, `${panel.title} queries no metric`).toBeGreaterThan(0);
        for (const metric of used) expect(emitted, `${panel.title}: ${metric} is not emitted by the code`).toContain(metric);
      }
    }
  });

  it("alert rules load in a real rules engine (vmalert -dryRun)", () => {
    // victoriametrics.sh builds vmalert with VictoriaMetrics (./dev.sh test installs both first).
    const out = execFileSync("bash", [join(repoRoot, "scripts", "stack", "victoriametrics.sh"), "check-rules"], { encoding: "utf8", timeout: 300_000 });
    expect(out).toContain("rules valid: observability/alerts/xtream.rules.yaml");
  }, 300_000);
});
