// Tekton Pipelines: settings validation, the object edits (a feature flag touches exactly one object, the
// controller flags, config-defaults) and the component under mocks.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { setupMocks, settle } from "../helpers/mocks";
import { changedObjects, configGroupObjects } from "../helpers/objects";
import { findObject, type K8sObject, loadManifest, podContainers } from "../../components/manifests";
import { setFlag } from "../../components/tekton/edits";
import {
  PIPELINES_TYPE,
  Pipelines,
  type PipelinesSettings,
  pipelinesSettings,
  renderPipelines,
} from "../../components/tekton/pipelines";

const { resources } = setupMocks();
const upstream = loadManifest("tekton-pipeline", "release.yaml");
const base = pipelinesSettings({});
const controllerArgs = (objs: K8sObject[]) =>
  podContainers(findObject(objs, "Deployment", "tekton-pipelines-controller", "test"))[0].args as string[];
const data = (objs: K8sObject[], name: string) =>
  findObject(objs, "ConfigMap", name, "test").data as Record<string, string>;

void describe("settings", () => {
  void test("defaults match the documented ones", () => {
    assert.deepEqual(base, {
      version: "v1.15.0",
      profile: "cloud",
      localWebhookPorts: {},
      featureFlags: {},
      defaults: {},
      threadsPerController: 2,
      kubeApiQps: 50,
      kubeApiBurst: 50,
    } satisfies PipelinesSettings);
  });

  void test("out-of-range controller settings are refused, naming the component and the arg", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ max: 0 }),
          fc.integer({ min: 129 }),
          fc.double({ min: 1.1, max: 1.9, noNaN: true }),
        ),
        (threads) => {
          assert.throws(
            () => pipelinesSettings({ controllerThreadsPerController: threads }),
            new RegExp(`^Error: ${PIPELINES_TYPE}: controllerThreadsPerController`),
          );
        },
      ),
    );
    assert.throws(() => pipelinesSettings({ controllerKubeApiQps: 0 }), /controllerKubeApiQps = 0/);
    assert.throws(() => pipelinesSettings({ controllerKubeApiBurst: 2001 }), /controllerKubeApiBurst = 2001/);
    assert.throws(
      () => pipelinesSettings({ featureFlags: { "bad key": "x" } }),
      /featureFlags: "bad key" is not a ConfigMap key/,
    );
  });
});

void describe("setFlag", () => {
  void test("sets the flag exactly once, in any accepted spelling, keeping every other argument", () => {
    const other = fc.array(fc.constantFrom("-entrypoint-image", "img:1", "-nop-image", "x"), {
      maxLength: 6,
    });
    const spelling = fc.constantFrom(
      (v: string) => ["-kube-api-qps", v],
      (v: string) => ["--kube-api-qps", v],
      (v: string) => [`-kube-api-qps=${v}`],
      (v: string) => [`--kube-api-qps=${v}`],
      () => [],
    );
    fc.assert(
      fc.property(
        other,
        spelling,
        other,
        fc.integer({ min: 1, max: 999 }),
        (before, existing, after, qps) => {
          const args = [...before, ...existing("old"), ...after];
          const out = setFlag(args, "kube-api-qps", String(qps));
          const joined = out.join(" ");
          assert.equal(joined.match(/kube-api-qps/g)?.length, 1);
          assert.match(joined, new RegExp(`kube-api-qps[= ]${qps}( |$)`));
          assert.equal(joined.includes("old"), false);
          const rest = (xs: string[]) =>
            xs.filter((a) => !a.includes("kube-api-qps") && a !== String(qps) && a !== "old");
          assert.deepEqual(rest(out), rest(args));
        },
      ),
    );
  });
});

void describe("renderPipelines", () => {
  void test("the release is consumed whole: same objects in the same order", () => {
    const out = renderPipelines(upstream, base);
    assert.equal(out.length, 76);
    assert.deepEqual(
      out.map((o) => `${o.kind}/${o.metadata.name}`),
      upstream.map((o) => `${o.kind}/${o.metadata.name}`),
    );
  });

  void test("with default settings only the controller Deployment (its client flags) and the webhook ordering differ from upstream", () => {
    assert.deepEqual(changedObjects(upstream, renderPipelines(upstream, base)), [
      "admissionregistration.k8s.io/MutatingWebhookConfiguration//webhook.pipeline.tekton.dev",
      "admissionregistration.k8s.io/ValidatingWebhookConfiguration//config.webhook.pipeline.tekton.dev",
      "admissionregistration.k8s.io/ValidatingWebhookConfiguration//validation.webhook.pipeline.tekton.dev",
      "apps/Deployment/tekton-pipelines/tekton-pipelines-controller",
    ]);
    // The webhook configurations differ in their depends-on annotation only (test/unit/webhook-order.test.ts).
    const args = controllerArgs(renderPipelines(upstream, base));
    const upstreamArgs = controllerArgs(upstream);
    assert.deepEqual(args.slice(0, upstreamArgs.length), upstreamArgs);
    assert.deepEqual(args.slice(upstreamArgs.length), [
      "-threads-per-controller",
      "2",
      "-kube-api-qps",
      "50",
      "-kube-api-burst",
      "50",
    ]);
  });

  void test("changing one feature flag touches exactly one object: ConfigMap feature-flags", () => {
    const flags = Object.keys(data(upstream, "feature-flags"));
    fc.assert(
      fc.property(
        fc.constantFrom(...flags),
        fc.oneof(fc.boolean(), fc.constantFrom("alpha", "beta", "stable", "none")),
        fc.oneof(fc.boolean(), fc.constantFrom("alpha", "beta", "stable", "none")),
        (flag, v1, v2) => {
          fc.pre(String(v1) !== String(v2));
          const a = renderPipelines(upstream, pipelinesSettings({ featureFlags: { [flag]: v1 } }));
          const b = renderPipelines(upstream, pipelinesSettings({ featureFlags: { [flag]: v2 } }));
          assert.deepEqual(changedObjects(a, b), ["/ConfigMap/tekton-pipelines/feature-flags"]);
          assert.equal(data(b, "feature-flags")[flag], String(v2));
          const others = { ...data(b, "feature-flags") };
          delete others[flag];
          const upstreamOthers = { ...data(upstream, "feature-flags") };
          delete upstreamOthers[flag];
          assert.deepEqual(others, upstreamOthers, "every other flag keeps its upstream value");
        },
      ),
      { numRuns: 25 },
    );
  });

  void test("controller flags and config-defaults come from the settings", () => {
    const out = renderPipelines(
      upstream,
      pipelinesSettings({
        controllerThreadsPerController: 8,
        controllerKubeApiQps: 100,
        controllerKubeApiBurst: 200,
        defaults: { "default-timeout-minutes": "90" },
      }),
    );
    const args = controllerArgs(out).join(" ");
    assert.match(args, /-threads-per-controller 8 -kube-api-qps 100 -kube-api-burst 200$/);
    assert.equal(data(out, "config-defaults")["default-timeout-minutes"], "90");
    assert.ok(data(out, "config-defaults")._example, "upstream's example block stays");
    assert.deepEqual(changedObjects(renderPipelines(upstream, base), out), [
      "/ConfigMap/tekton-pipelines/config-defaults",
      "apps/Deployment/tekton-pipelines/tekton-pipelines-controller",
    ]);
  });

  void test("rendering never edits its input", () => {
    const before = JSON.stringify(upstream);
    renderPipelines(
      upstream,
      pipelinesSettings({ featureFlags: { "enable-api-fields": "alpha" }, profile: "local" }),
    );
    assert.equal(JSON.stringify(upstream), before);
  });
});

void describe("Pipelines component (mocks)", () => {
  const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });

  void test("registers one ConfigGroup with the rendered objects and the explicit provider", async () => {
    const p = new Pipelines("tekton", { provider, featureFlags: { "enable-api-fields": "alpha" } });
    await settle();
    assert.equal(p.namespace, "tekton-pipelines");
    const group = resources.find((r) => r.name === "tekton-release");
    assert.ok(group);
    assert.equal(group.type, "kubernetes:yaml/v2:ConfigGroup");
    assert.match(group.provider ?? "", /pulumi:providers:kubernetes::cluster::/);
    const objs = configGroupObjects(group.inputs);
    assert.equal(objs.length, 76);
    assert.equal(data(objs, "feature-flags")["enable-api-fields"], "alpha");
    assert.equal(group.inputs.skipAwait, undefined, "Deployments are awaited");
    assert.ok(resources.some((r) => r.type === PIPELINES_TYPE && r.name === "tekton"));
  });

  void test("bad settings fail as a ResourceError naming the component", () => {
    assert.throws(
      () => new Pipelines("bad", { provider, controllerKubeApiBurst: 0 }),
      (e: unknown) =>
        e instanceof pulumi.ResourceError &&
        e.message.includes(`${PIPELINES_TYPE}: controllerKubeApiBurst = 0`),
    );
  });
});
