// Pipelines as Code: credentials from config secrets stay secret, the optional Ingress, and the order
// Pipelines → namespace → secret → release.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { setupMocks, settle } from "../helpers/mocks";
import { recordDependencies } from "../helpers/dependencies";
import { changedObjects, configGroupObjects } from "../helpers/objects";
import { findPlaintext, hasSecretEnvelope } from "../helpers/plaintext";
import { loadManifest } from "../../components/manifests";
import { Pipelines } from "../../components/tekton/pipelines";
import {
  PAC_TYPE,
  PipelinesAsCode,
  pacIngress,
  renderPipelinesAsCode,
} from "../../components/tekton/pipelines-as-code";

const APP_ID = "424242";
const PRIVATE_KEY = "-----BEGIN RSA PRIVATE KEY-----\ngithub-app-key\n-----END RSA PRIVATE KEY-----";
const WEBHOOK = "hook-secret-7788";
const { resources } = setupMocks({
  config: {
    "pipeline-service:githubAppId": APP_ID,
    "pipeline-service:githubPrivateKey": PRIVATE_KEY,
    "pipeline-service:githubWebhookSecret": WEBHOOK,
  },
});
const graph = recordDependencies();
const upstream = loadManifest("pipelines-as-code", "release.k8s.yaml");

void describe("renderPipelinesAsCode", () => {
  void test("without a host: upstream as published, cluster-scoped objects without a namespace", () => {
    const { namespaces, rest } = renderPipelinesAsCode(upstream, { profile: "cloud" });
    assert.deepEqual(
      namespaces.map((o) => o.metadata.name),
      ["pipelines-as-code"],
    );
    assert.equal(namespaces.length + rest.length, 34);
    // Upstream ships ClusterRoles/ClusterRoleBindings with metadata.namespace, and its namespace without a
    // Pod Security Admission level: only those change, besides the webhook ordering (webhook-order.test.ts).
    const changed = changedObjects(upstream, [...namespaces, ...rest]);
    assert.ok(changed.length > 1);
    for (const k of changed)
      assert.match(
        k,
        /^(rbac\.authorization\.k8s\.io\/Cluster(Role|RoleBinding)\/|\/Namespace\/\/pipelines-as-code$|admissionregistration\.k8s\.io\/ValidatingWebhookConfiguration\/\/validation\.pipelinesascode\.tekton\.dev$)/,
      );
    assert.equal(namespaces[0].metadata.labels?.["pod-security.kubernetes.io/enforce"], "baseline");
  });

  void test("with a host: our Ingress to the controller's port 8080", () => {
    const { rest } = renderPipelinesAsCode(upstream, {
      profile: "cloud",
      ingressHost: "pac.example.com",
      ingressClassName: "nginx",
    });
    const ing = rest.find((o) => o.kind === "Ingress");
    assert.deepEqual(ing, pacIngress("pac.example.com", "nginx"));
    assert.match(
      JSON.stringify(ing),
      /"host":"pac\.example\.com".*"name":"pipelines-as-code-controller","port":\{"number":8080\}/,
    );
    assert.throws(() => pacIngress("Not A Host"), new RegExp(`${PAC_TYPE}: ingressHost`));
  });

  void test("TLS on the host, from tlsSecretName (default pipelines-as-code-tls)", () => {
    const tlsOf = (o: ReturnType<typeof pacIngress>) => (o.spec as { tls: unknown }).tls;
    assert.deepEqual(tlsOf(pacIngress("pac.example.com")), [
      { hosts: ["pac.example.com"], secretName: "pipelines-as-code-tls" },
    ]);
    assert.deepEqual(tlsOf(pacIngress("pac.example.com", "nginx", "pac-cert")), [
      { hosts: ["pac.example.com"], secretName: "pac-cert" },
    ]);
    assert.throws(() => pacIngress("pac.example.com", "nginx", "Bad Secret"), /tlsSecretName/);
    assert.throws(() => pacIngress("pac.example.com", "Bad Class"), /ingressClassName/);
  });

  void test("awaited only with an IngressClass: a first up on a cluster without a controller completes", () => {
    const annotations = (o: ReturnType<typeof pacIngress>) => o.metadata.annotations ?? {};
    assert.equal(annotations(pacIngress("pac.example.com"))["pulumi.com/skipAwait"], "true");
    assert.equal(
      (pacIngress("pac.example.com").spec as { ingressClassName?: string }).ingressClassName,
      undefined,
    );
    assert.equal(annotations(pacIngress("pac.example.com", "nginx"))["pulumi.com/skipAwait"], undefined);
  });
});

void describe("PipelinesAsCode component (mocks)", () => {
  const config = new pulumi.Config("pipeline-service");
  const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
  const pipelines = new Pipelines("tekton", { provider });
  const pac = new PipelinesAsCode("pac", {
    provider,
    pipelines,
    githubApp: {
      appId: config.requireSecret("githubAppId"),
      privateKey: config.requireSecret("githubPrivateKey"),
      webhookSecret: config.requireSecret("githubWebhookSecret"),
    },
    ingressHost: "pac.example.com",
  });

  void test("the GitHub App id, key and webhook secret are secret everywhere", async () => {
    await settle();
    const secret = resources.find((r) => r.name === "pac-secret");
    assert.ok(secret && hasSecretEnvelope(secret));
    assert.equal((secret.inputs.metadata as { name: string }).name, "pipelines-as-code-secret");
    const keys = JSON.stringify(secret.inputs.stringData);
    for (const k of ["github-application-id", "github-private-key", "webhook.secret"])
      assert.ok(keys.includes(k), k);
    assert.deepEqual(findPlaintext(resources, [APP_ID, PRIVATE_KEY, WEBHOOK]), []);
  });

  void test("ordering: Pipelines → namespace → secret → release", async () => {
    await settle();
    assert.ok(graph.get("pac-namespace")?.dependsOn.includes("tekton-release"));
    assert.ok(graph.get("pac-secret")?.dependsOn.includes("pac-namespace"));
    const release = graph.get("pac-release")?.dependsOn ?? [];
    for (const d of ["tekton-release", "pac-namespace", "pac-secret"]) assert.ok(release.includes(d), d);
    const objs = configGroupObjects(resources.find((r) => r.name === "pac-release")?.inputs);
    assert.ok(objs.some((o) => o.kind === "Ingress"));
  });

  void test("exports the namespace and URLs", () => {
    assert.equal(pac.namespace, "pipelines-as-code");
    assert.equal(
      pac.controllerUrl,
      "http://pipelines-as-code-controller.pipelines-as-code.svc.cluster.local:8080",
    );
    assert.equal(pac.webhookUrl, "https://pac.example.com");
  });
});

void describe("PipelinesAsCode without a GitHub App", () => {
  void test("creates no pipelines-as-code-secret and still installs the release", async () => {
    const provider = new k8s.Provider("cluster-noapp", { kubeconfig: "{}" });
    const pipelines = new Pipelines("tekton-noapp", { provider });
    new PipelinesAsCode("pac-noapp", { provider, pipelines });
    await settle();
    assert.equal(resources.filter((r) => r.name === "pac-noapp-secret").length, 0);
    assert.equal(resources.filter((r) => r.name === "pac-noapp-release").length, 1);
  });
});
