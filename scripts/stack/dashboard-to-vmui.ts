/**
 * Prints a vmui predefined dashboard (VictoriaMetrics' own UI) made from a
 * Grafana dashboard JSON, so the one dashboard file serves Grafana and the
 * local VictoriaMetrics alike: Grafana "row" panels become vmui rows, each
 * timeseries panel a vmui panel with its PromQL, legends and width.
 *   node scripts/stack/dashboard-to-vmui.ts observability/dashboards/xtream.json
 * (scripts/stack/victoriametrics.sh runs it at start.)
 */
import { readFileSync } from "node:fs";

interface GrafanaPanel {
  type: string;
  title: string;
  description?: string;
  gridPos?: { x: number; y: number; w: number; h: number };
  fieldConfig?: { defaults?: { unit?: string } };
  targets?: { expr: string; legendFormat?: string }[];
}
interface VmuiPanel {
  title: string;
  description?: string;
  unit?: string;
  expr: string[];
  alias?: string[];
  width: number;
}

/** Grafana's range variables have no meaning outside Grafana: a fixed window that suits 15 s samples. */
export function toMetricsQl(expr: string): string {
  return expr.replaceAll("$__rate_interval", "2m").replaceAll("$__interval", "1m").replaceAll("$__range", "1h");
}

/** Grafana units vmui shows as suffixes. */
const units: Record<string, string> = { s: "s", ms: "ms", bytes: "B", reqps: "req/s", ops: "/s", percentunit: "", short: "" };

export function toVmui(grafana: { title: string; panels: GrafanaPanel[] }): { title: string; rows: { title?: string; panels: VmuiPanel[] }[] } {
  const rows: { title?: string; panels: VmuiPanel[] }[] = [];
  let current: { title?: string; panels: VmuiPanel[] } | undefined;
  const panels = [...grafana.panels].sort((a, b) => (a.gridPos?.y ?? 0) - (b.gridPos?.y ?? 0) || (a.gridPos?.x ?? 0) - (b.gridPos?.x ?? 0));
  for (const panel of panels) {
    if (panel.type === "row") {
      current = { title: panel.title, panels: [] };
      rows.push(current);
      continue;
    }
    if (!current) {
      current = { panels: [] };
      rows.push(current);
    }
    const targets = panel.targets ?? [];
    const unit = units[panel.fieldConfig?.defaults?.unit ?? ""];
    current.panels.push({
      title: panel.title,
      ...(panel.description ? { description: panel.description } : {}),
      ...(unit ? { unit } : {}),
      expr: targets.map((target) => toMetricsQl(target.expr)),
      // vmui names series by their labels itself; only fixed legends ("requests") carry over.
      ...(targets.length > 1 && targets.every((target) => target.legendFormat && !target.legendFormat.includes("{{"))
        ? { alias: targets.map((target) => target.legendFormat ?? "") }
        : {}),
      // Grafana's grid is 24 wide, vmui's 12.
      width: Math.max(1, Math.round((panel.gridPos?.w ?? 12) / 2)),
    });
  }
  return { title: grafana.title, rows: rows.filter((row) => row.panels.length > 0) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  if (!file) {
    console.error("usage: node scripts/stack/dashboard-to-vmui.ts <grafana-dashboard.json>");
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify(toVmui(JSON.parse(readFileSync(file, "utf8")) as { title: string; panels: GrafanaPanel[] }), null, 2)}\n`);
}
