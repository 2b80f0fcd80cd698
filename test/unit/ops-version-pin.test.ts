// Version pins: a region's Tekton Pipelines release is stack config (tekton.pipelines.version), checked
// against the manifest lock, which holds the previous release beside the newest (upgrades and rollbacks).
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as fc from "fast-check";
import { parse } from "yaml";
import {
  compareVersions,
  defaultMirrorDir,
  findObject,
  LOCK,
  loadManifest,
  lockEntry,
  lockVersions,
  manifestPath,
  podContainers,
  sha256Hex,
  type K8sObject,
} from "../../components/manifests";
import { PIPELINES_VERSIONS, pipelinesSettings, renderPipelines } from "../../components/tekton/pipelines";
import { ConfigError, parseRegionConfig } from "../../infra/config";
import { setupMocks } from "../helpers/mocks";

const mocks = setupMocks();
const PROJECT_DIR = path.resolve(__dirname, "../..");
const stackConfig = (file: string): Record<string, unknown> => {
  const doc = parse(fs.readFileSync(path.join(PROJECT_DIR, "stacks", file), "utf8")) as {
    config: Record<string, unknown>;
  };
  return Object.fromEntries(
    Object.entries(doc.config).map(([k, v]) => [k.replace(/^pipeline-service:/, ""), v]),
  );
};
const withVersion = (version: unknown) => {
  const raw = stackConfig("Pulumi.local-west.yaml");
  const tekton = structuredClone(raw.tekton) as { pipelines: Record<string, unknown> };
  tekton.pipelines.version = version;
  return { ...raw, tekton };
};

void describe("the lock holds both Pipelines releases", () => {
  void it("v1.15.0 (newest first) and v1.14.1, each with its URL and a sha256 that the mirror file has", () => {
    assert.deepEqual(lockVersions("tekton-pipeline", "release.yaml"), ["v1.15.0", "v1.14.1"]);
    assert.deepEqual([...PIPELINES_VERSIONS], ["v1.15.0", "v1.14.1"]);
    for (const version of PIPELINES_VERSIONS) {
      const e = lockEntry("tekton-pipeline", "release.yaml", LOCK, version);
      assert.equal(
        e.url,
        `https://infra.tekton.dev/tekton-releases/pipeline/previous/${version}/release.yaml`,
      );
      const file = manifestPath(e, defaultMirrorDir());
      assert.equal(sha256Hex(fs.readFileSync(file)), e.sha256, file);
      assert.equal(loadManifest("tekton-pipeline", "release.yaml", { version }).length, e.docs);
    }
  });

  void it("without a version the newest is loaded; an unpinned version names the ones the lock holds", () => {
    assert.equal(lockEntry("tekton-pipeline", "release.yaml").version, "v1.15.0");
    assert.throws(
      () => lockEntry("tekton-pipeline", "release.yaml", LOCK, "v1.13.0"),
      /tekton-pipeline\/release.yaml is not pinned at v1.13.0 \(the lock holds v1.15.0, v1.14.1\)/,
    );
  });

  void it("compareVersions orders releases numerically (v1.9.0 < v1.10.0) and is antisymmetric", () => {
    assert.equal(compareVersions("v1.9.0", "v1.10.0"), -1);
    assert.equal(compareVersions("v1.15.0", "v1.14.1"), 1);
    const version = fc
      .tuple(fc.nat(30), fc.nat(30), fc.nat(30))
      .map(([a, b, c]) => ({ text: `v${a}.${b}.${c}`, key: a * 1e6 + b * 1e3 + c }));
    fc.assert(
      fc.property(version, version, (x, y) => {
        assert.equal(compareVersions(x.text, y.text), Math.sign(x.key - y.key));
        assert.equal(compareVersions(y.text, x.text), -Math.sign(x.key - y.key));
      }),
    );
  });
});

void describe("tekton.pipelines.version in stack config", () => {
  void it("defaults to the newest release in the lock", () => {
    const raw = stackConfig("Pulumi.aws-eu-west-1.yaml");
    assert.equal(parseRegionConfig(raw).tekton.pipelines.version, "v1.15.0");
  });

  void it("accepts every pinned release", () => {
    for (const v of PIPELINES_VERSIONS)
      assert.equal(parseRegionConfig(withVersion(v)).tekton.pipelines.version, v);
  });

  void it("refuses any other value, naming the key, the value and the pinned versions", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.constantFrom("v1.13.0", "1.15.0", "v1.15.0 ", "latest")), (v) => {
        fc.pre(!PIPELINES_VERSIONS.includes(v));
        assert.throws(
          () => parseRegionConfig(withVersion(v)),
          (e: Error) =>
            e instanceof ConfigError &&
            e.message.includes(
              `pipeline-service:tekton.pipelines.version = ${JSON.stringify(v).slice(0, 77)}`,
            ) &&
            e.message.includes("expected a version the manifest lock pins (v1.15.0, v1.14.1)"),
        );
      }),
      { numRuns: 50 },
    );
  });

  void it("the program stops with a RunError before registering anything", async () => {
    const { program } = await import("../../infra/program");
    const pulumi = await import("@pulumi/pulumi");
    const config: Record<string, string> = {};
    for (const [k, v] of Object.entries(withVersion("v1.13.0")))
      config[`pipeline-service:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
    pulumi.runtime.setAllConfig(config);
    await assert.rejects(
      () => program(),
      (e: Error) =>
        e instanceof pulumi.RunError &&
        /pipeline-service:tekton.pipelines.version = "v1.13.0": expected a version the manifest lock pins \(v1.15.0, v1.14.1\)/.test(
          e.message,
        ),
    );
    assert.deepEqual(mocks.resources, []);
  });

  void it("the shipped local stacks pin the newest release", () => {
    for (const file of ["Pulumi.local-east.yaml", "Pulumi.local-west.yaml"]) {
      const t = stackConfig(file).tekton as { pipelines: { version?: string } };
      assert.equal(t.pipelines.version, PIPELINES_VERSIONS[0], file);
    }
  });
});

void describe("the rendered release follows the pin", () => {
  const render = (version: string) =>
    renderPipelines(
      loadManifest("tekton-pipeline", "release.yaml", { version }),
      pipelinesSettings({ version, featureFlags: { "enable-step-actions": true } }),
    );
  const images = (objs: K8sObject[]) =>
    objs.filter((o) => o.kind === "Deployment").flatMap((o) => podContainers(o).map((c) => String(c.image)));

  void it("every Deployment image is tagged with the pinned release, and so is the version label", () => {
    for (const version of PIPELINES_VERSIONS) {
      const objs = render(version);
      const tags = images(objs).map((i) => i.slice(i.lastIndexOf(":") + 1));
      assert.ok(tags.length >= 4);
      assert.deepEqual([...new Set(tags)], [version]);
      const controller = findObject(objs, "Deployment", "tekton-pipelines-controller", "test");
      assert.equal(controller.metadata.labels?.["app.kubernetes.io/version"], version);
    }
  });

  void it("the same 76 objects; v1.15.0 adds the feature flag enable-informer-cache-transforms", () => {
    const [old, next] = [render("v1.14.1"), render("v1.15.0")];
    const keys = (objs: K8sObject[]) =>
      objs.map((o) => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`).sort();
    assert.deepEqual(keys(old), keys(next));
    const flags = (objs: K8sObject[]) =>
      findObject(objs, "ConfigMap", "feature-flags", "test").data as Record<string, string>;
    assert.equal(flags(old)["enable-informer-cache-transforms"], undefined);
    assert.equal(flags(next)["enable-informer-cache-transforms"], "true");
    assert.equal(flags(old)["enable-step-actions"], "true");
  });

  void it("pipelinesSettings refuses an unpinned version, naming the component", () => {
    assert.throws(
      () => pipelinesSettings({ version: "v1.13.0" }),
      /pipeline-service:tekton:Pipelines: version = "v1.13.0": one the manifest lock pins \(v1.15.0, v1.14.1\)/,
    );
  });
});
