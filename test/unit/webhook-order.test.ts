// Admission webhook configurations are ordered after the webhook they call (config.kubernetes.io/depends-on,
// which yaml/v2 ConfigGroups honour): created after it, deleted before it. Without that, a destroy deleted
// the webhook first and then hung on a ConfigMap whose finalizer the garbage collector could not remove.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  DEPENDS_ON_ANNOTATION,
  type K8sObject,
  dependsOnRef,
  loadManifest,
  webhooksAfterBackends,
} from "../../components/manifests";
import { localWebhookPorts } from "../../local/processes";
import { pipelinesSettings, renderPipelines } from "../../components/tekton/pipelines";
import { renderTriggers } from "../../components/tekton/triggers";
import { renderChains } from "../../components/tekton/chains";
import { renderResults, resultsSettings } from "../../components/tekton/results";
import { renderPipelinesAsCode } from "../../components/tekton/pipelines-as-code";
import { renderArgoCd } from "../../components/gitops/argocd";
import type { Profile } from "../../components/local-profile";

const WEBHOOK_KINDS = ["ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"];
const refsOf = (o: K8sObject): string[] =>
  (o.metadata.annotations?.[DEPENDS_ON_ANNOTATION] ?? "").split(",").filter((r) => r !== "");

/** Every ConfigGroup's objects, as the components hand them over. */
function groups(profile: Profile): Record<string, K8sObject[]> {
  const ports = localWebhookPorts(0);
  const triggers = renderTriggers(
    loadManifest("tekton-triggers", "release.yaml"),
    loadManifest("tekton-triggers", "interceptors.yaml"),
    profile,
    ports,
  );
  const pac = renderPipelinesAsCode(loadManifest("pipelines-as-code", "release.k8s.yaml"), { profile });
  const chains = renderChains(loadManifest("tekton-chains", "release.yaml"), {}, profile);
  return {
    pipelines: renderPipelines(
      loadManifest("tekton-pipeline", "release.yaml"),
      pipelinesSettings({ profile, localWebhookPorts: ports }),
    ),
    "triggers release": triggers.release,
    "triggers interceptors": triggers.interceptors,
    "pipelines-as-code": pac.rest,
    chains: chains.rest,
    results: renderResults(
      loadManifest("tekton-results", "release_base.yaml"),
      resultsSettings({ profile, logs: { kind: "pvc", claimName: "results-logs" } }),
    ),
    "argo-cd": renderArgoCd(loadManifest("argo-cd", "install.yaml"), profile),
  };
}

void describe("webhook configurations come after their webhook, in every release", () => {
  for (const profile of ["cloud", "local"] as const) {
    void test(`${profile}: each depends on its Service and the Deployment behind it; every ref resolves in its group`, () => {
      const ordered: string[] = [];
      for (const [group, objs] of Object.entries(groups(profile))) {
        const present = new Set(objs.map(dependsOnRef));
        for (const o of objs) {
          for (const ref of refsOf(o)) assert.ok(present.has(ref), `${group}: ${o.metadata.name} → ${ref}`);
          if (!WEBHOOK_KINDS.includes(o.kind)) {
            assert.deepEqual(refsOf(o), [], `${group}: only webhook configurations are ordered`);
            continue;
          }
          const refs = refsOf(o);
          assert.ok(
            refs.some((r) => r.includes("/Service/")),
            `${group}: ${o.metadata.name} has no Service`,
          );
          assert.ok(
            refs.some((r) => r.includes("/Deployment/")),
            `${group}: ${o.metadata.name} has no Deployment`,
          );
          ordered.push(`${group}: ${o.metadata.name}`);
        }
      }
      assert.deepEqual(ordered.sort(), [
        "pipelines-as-code: validation.pipelinesascode.tekton.dev",
        "pipelines: config.webhook.pipeline.tekton.dev",
        "pipelines: validation.webhook.pipeline.tekton.dev",
        "pipelines: webhook.pipeline.tekton.dev",
        "triggers release: config.webhook.triggers.tekton.dev",
        "triggers release: validation.webhook.triggers.tekton.dev",
        "triggers release: webhook.triggers.tekton.dev",
      ]);
    });
  }

  void test("the Deployments are those the Service selects; other refs are kept; a webhook elsewhere adds none", () => {
    const svc = { name: "hook", namespace: "ns" };
    const deployment = (name: string, labels: Record<string, string>): K8sObject => ({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name, namespace: "ns" },
      spec: { template: { metadata: { labels } } },
    });
    const config = (
      name: string,
      service: { name: string; namespace: string },
      refs?: string,
    ): K8sObject => ({
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingWebhookConfiguration",
      metadata: { name, ...(refs ? { annotations: { [DEPENDS_ON_ANNOTATION]: refs } } : {}) },
      webhooks: [{ name: "w", clientConfig: { service } }],
    });
    const objs: K8sObject[] = [
      config("a", svc, "/namespaces/ns/ConfigMap/c"),
      config("b", { name: "elsewhere", namespace: "ns" }),
      { apiVersion: "v1", kind: "Service", metadata: svc, spec: { selector: { app: "hook" } } },
      deployment("hook", { app: "hook", extra: "x" }),
      deployment("other", { app: "other" }),
    ];
    const before = JSON.stringify(objs);
    const out = webhooksAfterBackends(objs);
    assert.deepEqual(refsOf(out[0]), [
      "/namespaces/ns/ConfigMap/c",
      "/namespaces/ns/Service/hook",
      "apps/namespaces/ns/Deployment/hook",
    ]);
    assert.equal(out[1], objs[1]);
    assert.equal(JSON.stringify(objs), before, "the input is left alone");
    assert.equal(
      dependsOnRef({ apiVersion: "v1", kind: "Namespace", metadata: { name: "n" } }),
      "/Namespace/n",
    );
  });
});
