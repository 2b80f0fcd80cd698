// The local profile: each documented difference is one pure function, the header comment lists exactly
// those functions, and per release the local render differs from the cloud render in exactly the objects
// named in the comment.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { changedObjects } from "../helpers/objects";
import {
  LOCAL_OBJECT_DIFFERENCES,
  SKIP_AWAIT_ANNOTATION,
  applyProfile,
  ingressSkipAwait,
  webhookServicesLocal,
} from "../../components/local-profile";
import { localWebhookPorts } from "../../local/processes";
import {
  PROJECT_ROOT,
  type K8sObject,
  loadManifest,
  webhooksAfterBackends,
} from "../../components/manifests";
import { pipelinesSettings, renderPipelines } from "../../components/tekton/pipelines";
import { renderTriggers } from "../../components/tekton/triggers";
import { renderChains } from "../../components/tekton/chains";
import { renderResults, resultsSettings } from "../../components/tekton/results";
import { renderPipelinesAsCode } from "../../components/tekton/pipelines-as-code";
import { renderArgoCd } from "../../components/gitops/argocd";

const webhook = (kind: string, name: string) => `admissionregistration.k8s.io/${kind}//${name}`;
const crd = (name: string) => `apiextensions.k8s.io/CustomResourceDefinition//${name}`;

void describe("the documented list", () => {
  void test("the header comment lists exactly the difference functions, in order", () => {
    const source = fs.readFileSync(path.join(PROJECT_ROOT, "components", "local-profile.ts"), "utf8");
    const listed = [...source.matchAll(/^\/\/ {3}\d\. (\w+)\b/gm)].map((m) => m[1]);
    assert.deepEqual(
      listed,
      LOCAL_OBJECT_DIFFERENCES.map((f) => f.name),
    );
  });

  void test("the cloud profile changes nothing but the webhook ordering both profiles share", () => {
    const objs = loadManifest("tekton-pipeline", "release.yaml");
    assert.deepEqual(applyProfile(objs, "cloud"), webhooksAfterBackends(objs));
  });
});

void describe("each difference", () => {
  const svc = (name: string) => ({ name, namespace: "ns", path: "/x" });
  const objs: K8sObject[] = [
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingWebhookConfiguration",
      metadata: { name: "v" },
      webhooks: [
        { name: "a", failurePolicy: "Fail", clientConfig: { service: svc("hook") } },
        { name: "b", clientConfig: { service: svc("other") } },
      ],
    },
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "MutatingWebhookConfiguration",
      metadata: { name: "m" },
      webhooks: [{ name: "c", failurePolicy: "Fail", clientConfig: { service: svc("other") } }],
    },
    {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "w" },
      spec: {
        group: "g",
        conversion: { strategy: "Webhook", webhook: { clientConfig: { service: svc("hook") } } },
      },
    },
    {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "n" },
      spec: { group: "g" },
    },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "i", annotations: { keep: "me" } },
    },
    { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" } },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "hook", namespace: "ns" },
      spec: { selector: { app: "hook" }, ports: [{ name: "https", port: 443, targetPort: 8443 }] },
    },
  ];

  void test("webhookServicesLocal: the named Service becomes ExternalName; its callers get the port, failurePolicy kept", () => {
    const out = webhookServicesLocal(objs, { hook: 18014 });
    assert.deepEqual(
      changedObjects(objs, out),
      [webhook("ValidatingWebhookConfiguration", "v"), crd("w"), "/Service/ns/hook"].sort(),
    );
    const hooks = out[0].webhooks as {
      failurePolicy?: string;
      clientConfig: { service: Record<string, unknown> };
    }[];
    assert.deepEqual(hooks[0].clientConfig.service, { ...svc("hook"), port: 18014 });
    assert.equal(hooks[0].failurePolicy, "Fail");
    assert.deepEqual(hooks[1].clientConfig.service, svc("other"));
    const conversion = (
      out[2].spec as { conversion: { strategy: string; webhook: { clientConfig: { service: unknown } } } }
    ).conversion;
    assert.equal(conversion.strategy, "Webhook");
    assert.deepEqual(conversion.webhook.clientConfig.service, { ...svc("hook"), port: 18014 });
    assert.deepEqual(out[6].spec, {
      type: "ExternalName",
      externalName: "localhost",
      ports: [{ name: "https", port: 443, targetPort: 8443 }],
    });
    assert.deepEqual(webhookServicesLocal(objs, {}), objs);
  });

  void test("ingressSkipAwait: Ingresses only, other annotations kept; Deployments keep their awaits", () => {
    const out = ingressSkipAwait(objs);
    assert.deepEqual(changedObjects(objs, out), ["networking.k8s.io/Ingress//i"]);
    assert.deepEqual(out[4].metadata.annotations, { keep: "me", [SKIP_AWAIT_ANNOTATION]: "true" });
    assert.equal(out[5], objs[5]);
  });

  void test("the differences leave their input alone", () => {
    const before = JSON.stringify(objs);
    applyProfile(objs, "local", { hook: 1 });
    assert.equal(JSON.stringify(objs), before);
  });
});

void describe("what the local profile changes in each release", () => {
  const ports = localWebhookPorts(0);

  void test("pipeline: its webhook Service, three webhook configurations and six conversion-webhook CRDs", () => {
    const upstream = loadManifest("tekton-pipeline", "release.yaml");
    const diff = changedObjects(
      renderPipelines(upstream, pipelinesSettings({})),
      renderPipelines(upstream, pipelinesSettings({ profile: "local", localWebhookPorts: ports })),
    );
    assert.deepEqual(diff, [
      "/Service/tekton-pipelines/tekton-pipelines-webhook",
      webhook("MutatingWebhookConfiguration", "webhook.pipeline.tekton.dev"),
      webhook("ValidatingWebhookConfiguration", "config.webhook.pipeline.tekton.dev"),
      webhook("ValidatingWebhookConfiguration", "validation.webhook.pipeline.tekton.dev"),
      crd("pipelineruns.tekton.dev"),
      crd("pipelines.tekton.dev"),
      crd("resolutionrequests.resolution.tekton.dev"),
      crd("stepactions.tekton.dev"),
      crd("taskruns.tekton.dev"),
      crd("tasks.tekton.dev"),
    ]);
  });

  void test("triggers: its webhook Service and three webhook configurations; interceptors: nothing", () => {
    const release = loadManifest("tekton-triggers", "release.yaml");
    const interceptors = loadManifest("tekton-triggers", "interceptors.yaml");
    const cloud = renderTriggers(release, interceptors, "cloud");
    const local = renderTriggers(release, interceptors, "local", ports);
    assert.deepEqual(changedObjects(cloud.release, local.release), [
      "/Service/tekton-pipelines/tekton-triggers-webhook",
      webhook("MutatingWebhookConfiguration", "webhook.triggers.tekton.dev"),
      webhook("ValidatingWebhookConfiguration", "config.webhook.triggers.tekton.dev"),
      webhook("ValidatingWebhookConfiguration", "validation.webhook.triggers.tekton.dev"),
    ]);
    assert.deepEqual(changedObjects(cloud.interceptors, local.interceptors), []);
  });

  void test("pipelines-as-code: only our Ingress when it is awaited in the cloud (its webhook is not run locally)", () => {
    const upstream = loadManifest("pipelines-as-code", "release.k8s.yaml");
    const render = (profile: "cloud" | "local", ingressClassName?: string) =>
      renderPipelinesAsCode(upstream, { profile, ingressHost: "pac.example.com", ingressClassName }).rest;
    assert.deepEqual(changedObjects(render("cloud", "nginx"), render("local", "nginx")), [
      "networking.k8s.io/Ingress/pipelines-as-code/pipelines-as-code-controller",
    ]);
    // Without a class the cloud does not await it either (no controller is assumed).
    assert.deepEqual(changedObjects(render("cloud"), render("local")), []);
  });

  void test("chains and Argo CD (both flavours): nothing", () => {
    const chains = loadManifest("tekton-chains", "release.yaml");
    const render = (profile: "cloud" | "local") => {
      const r = renderChains(chains, {}, profile);
      return [...r.namespaces, ...r.rest];
    };
    assert.deepEqual(changedObjects(render("cloud"), render("local")), []);
    for (const file of ["install.yaml", "ha/install.yaml"]) {
      const argo = loadManifest("argo-cd", file);
      assert.deepEqual(changedObjects(renderArgoCd(argo, "cloud"), renderArgoCd(argo, "local")), [], file);
    }
  });

  void test("results: no difference (local clusters bind claims to static volumes)", () => {
    const upstream = loadManifest("tekton-results", "release_base.yaml");
    const render = (profile: "cloud" | "local") =>
      renderResults(upstream, resultsSettings({ profile, logs: { kind: "pvc", claimName: "results-logs" } }));
    assert.deepEqual(changedObjects(render("cloud"), render("local")), []);
    const s3 = (profile: "cloud" | "local") =>
      renderResults(
        upstream,
        resultsSettings({
          profile,
          logs: { kind: "s3", bucket: "b", region: "r", accessKeyId: "a", secretAccessKey: "s" },
        }),
      );
    assert.deepEqual(changedObjects(s3("cloud"), s3("local")), []);
  });
});
