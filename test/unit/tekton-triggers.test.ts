// Tekton Triggers: both files consumed whole, and the order Pipelines → release → interceptors.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import { setupMocks, settle } from "../helpers/mocks";
import { recordDependencies } from "../helpers/dependencies";
import { changedObjects, configGroupObjects } from "../helpers/objects";
import { loadManifest, webhooksAfterBackends } from "../../components/manifests";
import { Pipelines } from "../../components/tekton/pipelines";
import { Triggers, renderTriggers } from "../../components/tekton/triggers";

const { resources } = setupMocks();
const graph = recordDependencies();
const release = loadManifest("tekton-triggers", "release.yaml");
const interceptors = loadManifest("tekton-triggers", "interceptors.yaml");

void describe("renderTriggers", () => {
  void test("the cloud render is upstream as published (42 + 8 objects), its webhooks ordered after the webhook", () => {
    const out = renderTriggers(release, interceptors, "cloud");
    assert.deepEqual(changedObjects(webhooksAfterBackends(release), out.release), []);
    assert.deepEqual(changedObjects(interceptors, out.interceptors), []);
    assert.equal(out.release.length, 42);
    assert.equal(out.interceptors.length, 8);
  });

  void test("the ClusterInterceptors are in the second file, their CRD in the first", () => {
    assert.ok(
      release.some(
        (o) =>
          o.kind === "CustomResourceDefinition" &&
          o.metadata.name === "clusterinterceptors.triggers.tekton.dev",
      ),
    );
    assert.equal(interceptors.filter((o) => o.kind === "ClusterInterceptor").length, 5);
  });
});

void describe("Triggers component (mocks)", () => {
  const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
  const pipelines = new Pipelines("tekton", { provider });
  new Triggers("triggers", {
    provider,
    pipelines,
    profile: "local",
    localWebhookPorts: { "tekton-triggers-webhook": 18184 },
  });

  void test("ordering: Pipelines → release → interceptors", async () => {
    await settle();
    assert.deepEqual(graph.get("triggers-release")?.dependsOn, ["tekton-release"]);
    assert.deepEqual(graph.get("triggers-interceptors")?.dependsOn, ["triggers-release"]);
  });

  void test("both groups use the explicit provider and carry the local profile's objects", async () => {
    await settle();
    for (const n of ["triggers-release", "triggers-interceptors"]) {
      const r = resources.find((x) => x.name === n);
      assert.match(r?.provider ?? "", /pulumi:providers:kubernetes::cluster::/);
    }
    const objs = configGroupObjects(resources.find((x) => x.name === "triggers-release")?.inputs);
    const hooks = objs.filter((o) => o.kind.endsWith("WebhookConfiguration"));
    assert.equal(hooks.length, 3);
    // The real webhook process answers locally: upstream's failurePolicy stays, the port is the local one.
    for (const h of hooks)
      for (const w of h.webhooks as {
        failurePolicy: string;
        clientConfig: { service: { port: number } };
      }[]) {
        assert.equal(w.failurePolicy, "Fail");
        assert.equal(w.clientConfig.service.port, 18184);
      }
  });
});
