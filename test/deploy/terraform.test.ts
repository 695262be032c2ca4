// The OpenTofu module k8s/terraform: each environment (dev, staging, production) initialises
// with the Helm provider from the local filesystem mirror (built by scripts/stack/install-tofu.sh)
// and passes `tofu validate`; its values files render with the chart and pass kubeconform.
// `tofu plan` against the local API server is in cluster.test.ts, which owns the cluster.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chartDir, deployToolsPresent, helmTemplate, installDeployTools, kubeconform, parseManifests } from "./deploy-tools.ts";
import { environmentDir, installTofu, tofu, tofuEnvironments, tofuFmtCheck, tofuPresent, tofuWorkspace } from "./tofu.ts";

let workspace = "";

beforeAll(async () => {
  // ./dev.sh test installs them before vitest; this covers a direct `vitest run`.
  if (!deployToolsPresent()) await installDeployTools();
  if (!tofuPresent()) await installTofu();
  workspace = await tofuWorkspace();
}, 60 * 60_000);

afterAll(async () => {
  if (workspace) await rm(workspace, { recursive: true, force: true });
});

describe("OpenTofu module k8s/terraform", () => {
  it("is formatted (tofu fmt -check)", async () => {
    const result = await tofuFmtCheck();
    expect(result.ok, result.output).toBe(true);
  }, 60_000);

  for (const environment of tofuEnvironments) {
    it(`${environment}: init from the local provider mirror, then validate`, async () => {
      const init = await tofu(environment, workspace, ["init", "-backend=false"]);
      expect(init.ok, init.output).toBe(true);
      expect(init.output).toMatch(/hashicorp\/helm v1\.3\.2/);
      const validate = await tofu(environment, workspace, ["validate"]);
      expect(validate.ok, validate.output).toBe(true);
      expect(validate.output).toMatch(/The configuration is valid/);
    }, 180_000);

    it(`${environment}: its values render with the chart and pass kubeconform`, async () => {
      const files = environment === "dev" ? [join(chartDir, "values-dev-deps.yaml")] : [];
      const text = await helmTemplate({}, "xtream", [...files, join(environmentDir(environment), "values.yaml")]);
      const result = await kubeconform(text, ["ScaledObject"]);
      expect(result.ok, result.output).toBe(true);
      const kinds = new Set(parseManifests(text).map((object) => object.kind));
      expect(kinds.has("NetworkPolicy")).toBe(true);
      expect(kinds.has("Ingress")).toBe(true);
      expect(kinds.has("ScaledObject")).toBe(environment !== "dev");
      expect(kinds.has("StatefulSet")).toBe(environment === "dev");
    }, 120_000);
  }
});
