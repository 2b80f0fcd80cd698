import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, it } from "node:test";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import {
  k8sAllowedRegistries,
  k8sContainerResources,
  k8sImagePinned,
  k8sIngressTls,
  k8sNamespaceNetworkPolicy,
  k8sNamespacePodSecurity,
  k8sNoHostNamespaces,
  k8sNoHostPath,
  k8sNoInternetFacingLoadBalancer,
  k8sNoPrivileged,
  k8sPdbForReplicatedWorkloads,
  selectorMatches,
} from "../../policy/kubernetes";
import {
  UNKNOWN,
  UPSTREAM_MANIFESTS,
  loadUpstream,
  messages,
  runResource,
  runStack,
  stackResource,
  withPath,
} from "./helpers";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const SERVICE = "kubernetes:core/v1:Service";
const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const CONFIG_GROUP = "kubernetes:yaml/v2:ConfigGroup";

const container = {
  name: "controller",
  image: "ghcr.io/tektoncd/pipeline/controller-10a3e32792f33651396d02b6855a6e36:v1.15.0",
  resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } },
};

const goodDeployment = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "tekton-pipelines-controller", namespace: "tekton-pipelines" },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: "controller" } },
    template: { metadata: { labels: { app: "controller" } }, spec: { containers: [container] } },
  },
};

async function check(
  policy: ResourceValidationPolicy,
  type: string,
  props: object,
  config?: Record<string, unknown>,
) {
  return messages(await runResource(policy, type, props as Record<string, unknown>, { config }));
}

describe("k8s-image-pinned", () => {
  it("passes tags and digests, including on Jobs, CronJobs and registry ports", async () => {
    assert.deepEqual(await check(k8sImagePinned, DEPLOYMENT, goodDeployment), []);
    const digest = withPath(goodDeployment, "spec.template.spec.containers", [
      {
        name: "db",
        image: "bitnami/postgresql@sha256:ac8dd0d6512c4c5fb146c16b1c5f05862bd5f600d73348506ab4252587e7fcc6",
      },
      { name: "mirror", image: "localhost:5000/tools/git:2.45.1" },
    ]);
    assert.deepEqual(await check(k8sImagePinned, DEPLOYMENT, digest), []);
    const cron = {
      spec: {
        jobTemplate: { spec: { template: { spec: { containers: [{ name: "c", image: "busybox:1.36" }] } } } },
      },
    };
    assert.deepEqual(await check(k8sImagePinned, "kubernetes:batch/v1:CronJob", cron), []);
  });

  it("rejects :latest and untagged images in containers and init containers", async () => {
    const bad = withPath(goodDeployment, "spec.template.spec", {
      initContainers: [{ name: "init", image: "localhost:5000/init" }],
      containers: [{ name: "c", image: "redis:latest" }],
    });
    assert.deepEqual(await check(k8sImagePinned, DEPLOYMENT, bad), [
      "Deployment/tekton-pipelines/tekton-pipelines-controller container c: image redis:latest uses :latest.",
      "Deployment/tekton-pipelines/tekton-pipelines-controller container init: image localhost:5000/init has no tag (means latest).",
    ]);
    const pod = { metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "nginx" }] } };
    assert.equal((await check(k8sImagePinned, "kubernetes:core/v1:Pod", pod)).length, 1);
  });

  it("cannot judge unknown images (or pod specs) yet, and skips non-workloads", async () => {
    const pending = withPath(goodDeployment, "spec.template.spec.containers", [
      { name: "c", image: UNKNOWN.string },
    ]);
    const o = await runResource(k8sImagePinned, DEPLOYMENT, pending);
    assert.deepEqual(messages(o), []);
    assert.deepEqual(o.cannotJudge, [
      "cannot judge yet (unknown until the update runs): Deployment/tekton-pipelines/tekton-pipelines-controller container c: image.",
    ]);
    const spec = await runResource(
      k8sImagePinned,
      DEPLOYMENT,
      withPath(goodDeployment, "spec.template", UNKNOWN.object),
    );
    assert.match(spec.cannotJudge[0], /spec\.template\.spec/);
    const other = await runResource(k8sImagePinned, "kubernetes:core/v1:ConfigMap", { data: {} });
    assert.equal(other.notApplicable.length, 1);
  });

  it("judges the workloads in a ConfigGroup's objs (before the group creates them)", async () => {
    const bad = withPath(goodDeployment, "spec.template.spec.containers", [
      { name: "c", image: "redis:latest" },
    ]);
    const objs = [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } }, goodDeployment, bad];
    assert.deepEqual(await check(k8sImagePinned, CONFIG_GROUP, { objs }), [
      "Deployment/tekton-pipelines/tekton-pipelines-controller container c: image redis:latest uses :latest.",
    ]);
    const none = await runResource(k8sImagePinned, CONFIG_GROUP, { objs: [objs[0]] });
    assert.equal(none.notApplicable.length, 1);
    const pending = await runResource(k8sImagePinned, CONFIG_GROUP, { objs: UNKNOWN.array });
    assert.deepEqual(messages(pending), []);
    assert.match(pending.cannotJudge[0], /r: objs/);
  });
});

describe("k8s-allowed-registries", () => {
  it("passes mirrored registries and rejects others, with configurable prefixes and exemptions", async () => {
    assert.deepEqual(await check(k8sAllowedRegistries, DEPLOYMENT, goodDeployment), []);
    const other = withPath(goodDeployment, "spec.template.spec.containers", [
      { name: "c", image: "evil.example.com/miner:1.0" },
    ]);
    assert.match(
      (await check(k8sAllowedRegistries, DEPLOYMENT, other))[0],
      /evil\.example\.com\/miner is not under/,
    );
    assert.deepEqual(
      await check(k8sAllowedRegistries, DEPLOYMENT, other, { allowedPrefixes: ["evil.example.com/"] }),
      [],
    );
    const exempt = await runResource(k8sAllowedRegistries, DEPLOYMENT, other, {
      config: { exemptions: ["tekton-pipelines/tekton-pipelines-*"] },
    });
    assert.deepEqual(messages(exempt), []);
    assert.equal(exempt.notApplicable.length, 1);
  });
});

describe("k8s-container-resources", () => {
  it("passes requests for cpu and memory plus a memory limit", async () => {
    assert.deepEqual(await check(k8sContainerResources, DEPLOYMENT, goodDeployment), []);
  });

  it("lists what each container lacks; CPU limits only when configured", async () => {
    const bare = withPath(goodDeployment, "spec.template.spec.containers", [{ name: "c", image: "x:1" }]);
    assert.deepEqual(await check(k8sContainerResources, DEPLOYMENT, bare), [
      "Deployment/tekton-pipelines/tekton-pipelines-controller container c: missing requests.cpu, requests.memory, limits.memory.",
    ]);
    assert.deepEqual(
      await check(k8sContainerResources, DEPLOYMENT, goodDeployment, { limits: ["cpu", "memory"] }),
      ["Deployment/tekton-pipelines/tekton-pipelines-controller container controller: missing limits.cpu."],
    );
  });

  it("is advisory and applies to controllers only (not Jobs)", async () => {
    assert.equal(k8sContainerResources.enforcementLevel, "advisory");
    const job = { spec: { template: { spec: { containers: [{ name: "c", image: "x:1" }] } } } };
    assert.equal(
      (await runResource(k8sContainerResources, "kubernetes:batch/v1:Job", job)).notApplicable.length,
      1,
    );
  });
});

describe("k8s-no-privileged / k8s-no-host-path / k8s-no-host-namespaces", () => {
  const privileged = withPath(goodDeployment, "spec.template.spec.containers", [
    { ...container, securityContext: { privileged: true } },
  ]);
  const hostPath = withPath(goodDeployment, "spec.template.spec.volumes", [
    { name: "config", configMap: { name: "c" } },
    { name: "docker", hostPath: { path: "/var/run/docker.sock" } },
  ]);
  const hostNet = withPath(
    withPath(goodDeployment, "spec.template.spec.hostNetwork", true),
    "spec.template.spec.hostPID",
    true,
  );

  it("pass an ordinary Deployment", async () => {
    for (const p of [k8sNoPrivileged, k8sNoHostPath, k8sNoHostNamespaces]) {
      assert.deepEqual(await check(p, DEPLOYMENT, goodDeployment), [], p.name);
    }
  });

  it("reject privileged containers, hostPath volumes and host namespaces", async () => {
    assert.deepEqual(await check(k8sNoPrivileged, DEPLOYMENT, privileged), [
      "Deployment/tekton-pipelines/tekton-pipelines-controller container controller is privileged.",
    ]);
    assert.deepEqual(await check(k8sNoHostPath, DEPLOYMENT, hostPath), [
      "Deployment/tekton-pipelines/tekton-pipelines-controller: volume docker is a hostPath volume.",
    ]);
    assert.deepEqual(await check(k8sNoHostNamespaces, DEPLOYMENT, hostNet), [
      "Deployment/tekton-pipelines/tekton-pipelines-controller: hostNetwork is true.",
      "Deployment/tekton-pipelines/tekton-pipelines-controller: hostPID is true.",
    ]);
    const ds = {
      metadata: { name: "agent", namespace: "kube-system" },
      spec: { template: { spec: { hostNetwork: true } } },
    };
    assert.equal((await check(k8sNoHostNamespaces, "kubernetes:apps/v1:DaemonSet", ds)).length, 1);
  });

  it("cannot judge unknown fields yet (no silent pass)", async () => {
    const cases: [ResourceValidationPolicy, string, RegExp][] = [
      [k8sNoPrivileged, "spec.template.spec.containers.0.securityContext", /securityContext\.privileged/],
      [k8sNoHostPath, "spec.template.spec.volumes", /volumes/],
      [k8sNoHostNamespaces, "spec.template.spec.hostNetwork", /hostNetwork/],
    ];
    for (const [policy, path, pattern] of cases) {
      const props = path.includes(".0.")
        ? withPath(goodDeployment, "spec.template.spec.containers", [
            { ...container, securityContext: UNKNOWN.object },
          ])
        : withPath(goodDeployment, path, path.endsWith("volumes") ? UNKNOWN.array : UNKNOWN.boolean);
      const o = await runResource(policy, DEPLOYMENT, props);
      assert.deepEqual(messages(o), [], policy.name);
      assert.match(o.cannotJudge[0] ?? "", pattern, policy.name);
    }
  });

  it("honour the exemption list (Kind/namespace/name with *)", async () => {
    const config = { exemptions: ["Deployment/tekton-pipelines/tekton-pipelines-controller"] };
    assert.deepEqual(await check(k8sNoPrivileged, DEPLOYMENT, privileged, config), []);
    // An exemption for another kind does not cover a Deployment.
    assert.equal(
      (await check(k8sNoHostPath, DEPLOYMENT, hostPath, { exemptions: ["DaemonSet/*"] })).length,
      1,
    );
  });
});

describe("k8s-pdb-for-replicated-workloads", () => {
  const deployment = (
    name: string,
    replicas: number | undefined,
    labels: Record<string, string>,
    ns = "argocd",
  ) =>
    stackResource(DEPLOYMENT, name, {
      metadata: { name, namespace: ns },
      spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels } } },
    });
  const pdb = (name: string, selector: object, ns = "argocd") =>
    stackResource("kubernetes:policy/v1:PodDisruptionBudget", name, {
      metadata: { name, namespace: ns },
      spec: { minAvailable: 1, selector },
    });

  it("passes replicated workloads covered by a PDB in their namespace, and single replicas", async () => {
    const server = deployment("argocd-server", 2, { "app.kubernetes.io/name": "argocd-server" });
    const single = deployment("argocd-dex-server", undefined, {
      "app.kubernetes.io/name": "argocd-dex-server",
    });
    const cover = pdb("argocd-server", { matchLabels: { "app.kubernetes.io/name": "argocd-server" } });
    assert.deepEqual((await runStack(k8sPdbForReplicatedWorkloads, [server, single, cover])).violations, []);
  });

  it("reports replicated workloads without a matching PDB (other namespace, other labels)", async () => {
    const server = deployment("argocd-server", 3, { "app.kubernetes.io/name": "argocd-server" });
    const elsewhere = pdb("x", { matchLabels: { "app.kubernetes.io/name": "argocd-server" } }, "other");
    const mismatch = pdb("y", {
      matchExpressions: [{ key: "app.kubernetes.io/name", operator: "In", values: ["redis"] }],
    });
    const o = await runStack(k8sPdbForReplicatedWorkloads, [server, elsewhere, mismatch]);
    assert.equal(o.violations.length, 1);
    assert.equal(o.violations[0].urn, server.urn);
    assert.match(o.violations[0].message, /3 replicas without a PodDisruptionBudget/);
  });

  it("cannot judge unknown replicas or selectors yet; judges workloads and PDBs in ConfigGroup objs", async () => {
    const pending = deployment("argocd-server", UNKNOWN.number as never, { app: "s" });
    const o = await runStack(k8sPdbForReplicatedWorkloads, [pending]);
    assert.deepEqual(o.violations, []);
    assert.match(o.cannotJudge[0], /spec\.replicas/);
    const server = deployment("argocd-server", 2, { app: "s" });
    const unknownSelector = pdb("p", UNKNOWN.object);
    const u = await runStack(k8sPdbForReplicatedWorkloads, [server, unknownSelector]);
    assert.deepEqual(u.violations, []);
    assert.match(u.cannotJudge[0], /spec\.selector/);
    const objs = [server.props, pdb("p", { matchLabels: { app: "s" } }).props].map((p) => ({
      apiVersion: "x/v1",
      ...(p as object),
    }));
    const group = stackResource(CONFIG_GROUP, "argocd", {
      objs: [
        { ...objs[0], apiVersion: "apps/v1", kind: "Deployment" },
        { ...objs[1], apiVersion: "policy/v1", kind: "PodDisruptionBudget" },
      ],
    });
    assert.deepEqual((await runStack(k8sPdbForReplicatedWorkloads, [group])).violations, []);
    const uncovered = stackResource(CONFIG_GROUP, "argocd", {
      objs: [{ ...objs[0], apiVersion: "apps/v1", kind: "Deployment" }],
    });
    const v = await runStack(k8sPdbForReplicatedWorkloads, [uncovered]);
    assert.equal(v.violations.length, 1);
    assert.equal(v.violations[0].urn, uncovered.urn);
  });

  it("implements label selectors like the API server", () => {
    const labels = { app: "a", tier: "web" };
    assert.equal(selectorMatches({}, labels), true);
    assert.equal(selectorMatches({ matchLabels: { app: "a" } }, labels), true);
    assert.equal(selectorMatches({ matchLabels: { app: "b" } }, labels), false);
    assert.equal(
      selectorMatches({ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["db"] }] }, labels),
      true,
    );
    assert.equal(selectorMatches({ matchExpressions: [{ key: "zone", operator: "Exists" }] }, labels), false);
    assert.equal(
      selectorMatches({ matchExpressions: [{ key: "zone", operator: "DoesNotExist" }] }, labels),
      true,
    );
  });
});

describe("k8s-namespace-pod-security", () => {
  const ns = (labels?: Record<string, string>, name = "tekton-pipelines") => ({ metadata: { name, labels } });

  it("passes restricted and baseline", async () => {
    assert.deepEqual(
      await check(
        k8sNamespacePodSecurity,
        NAMESPACE,
        ns({ "pod-security.kubernetes.io/enforce": "restricted" }),
      ),
      [],
    );
    assert.deepEqual(
      await check(
        k8sNamespacePodSecurity,
        NAMESPACE,
        ns({ "pod-security.kubernetes.io/enforce": "baseline" }),
      ),
      [],
    );
  });

  it("rejects a missing label and privileged unless configured or exempt", async () => {
    assert.deepEqual(await check(k8sNamespacePodSecurity, NAMESPACE, ns({ team: "x" })), [
      "namespace tekton-pipelines has no pod-security.kubernetes.io/enforce label.",
    ]);
    const priv = ns({ "pod-security.kubernetes.io/enforce": "privileged" });
    assert.match(
      (await check(k8sNamespacePodSecurity, NAMESPACE, priv))[0],
      /privileged is not one of baseline, restricted/,
    );
    assert.deepEqual(
      await check(k8sNamespacePodSecurity, NAMESPACE, priv, { allowedLevels: ["privileged"] }),
      [],
    );
    assert.deepEqual(
      await check(k8sNamespacePodSecurity, NAMESPACE, ns(), { exemptNamespaces: ["tekton-pipelines"] }),
      [],
    );
  });

  it("judges Namespaces in ConfigGroup objs, and cannot judge an unknown label yet", async () => {
    const objs = [
      {
        apiVersion: "v1",
        kind: "Namespace",
        ...ns({ "pod-security.kubernetes.io/enforce": "baseline" }, "a"),
      },
      { apiVersion: "v1", kind: "Namespace", ...ns({}, "b") },
    ];
    assert.deepEqual(await check(k8sNamespacePodSecurity, CONFIG_GROUP, { objs }), [
      "namespace b has no pod-security.kubernetes.io/enforce label.",
    ]);
    const o = await runResource(
      k8sNamespacePodSecurity,
      NAMESPACE,
      ns({ "pod-security.kubernetes.io/enforce": UNKNOWN.string }),
    );
    assert.deepEqual(messages(o), []);
    assert.match(o.cannotJudge[0], /namespace tekton-pipelines: pod-security/);
  });
});

describe("k8s-no-internet-facing-load-balancer", () => {
  const svc = (type: string | undefined, annotations?: Record<string, string>, name = "front-proxy") => ({
    metadata: { name, namespace: "kcp-root", annotations },
    spec: { type, ports: [{ port: 443 }] },
  });

  it("passes ClusterIP Services and internal load balancers (AWS scheme/internal, Azure)", async () => {
    for (const props of [
      svc("ClusterIP"),
      svc(undefined),
      svc("LoadBalancer", { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" }),
      svc("LoadBalancer", { "service.beta.kubernetes.io/aws-load-balancer-internal": "true" }),
      svc("LoadBalancer", { "service.beta.kubernetes.io/azure-load-balancer-internal": "true" }),
    ]) {
      assert.deepEqual(
        await check(k8sNoInternetFacingLoadBalancer, SERVICE, props),
        [],
        JSON.stringify(props),
      );
    }
  });

  it("rejects a LoadBalancer without an internal annotation (or internet-facing), also in ConfigGroup objs", async () => {
    for (const props of [
      svc("LoadBalancer"),
      svc("LoadBalancer", { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing" }),
      svc("LoadBalancer", { "service.beta.kubernetes.io/azure-load-balancer-internal": "false" }),
      svc("LoadBalancer", { "service.beta.kubernetes.io/aws-load-balancer-internal": "false" }),
    ]) {
      const m = await check(k8sNoInternetFacingLoadBalancer, SERVICE, props);
      assert.equal(m.length, 1, JSON.stringify(props));
      assert.match(m[0], /^Service\/kcp-root\/front-proxy is an internet-facing LoadBalancer/);
    }
    const objs = [{ apiVersion: "v1", kind: "Service", ...svc("LoadBalancer", {}, "server") }];
    assert.equal((await check(k8sNoInternetFacingLoadBalancer, CONFIG_GROUP, { objs })).length, 1);
  });

  it("honours exemptions, cannot judge unknown annotations yet, and is advisory", async () => {
    const o = await runResource(k8sNoInternetFacingLoadBalancer, SERVICE, svc("LoadBalancer"), {
      config: { exemptions: ["Service/kcp-root/front-proxy"] },
    });
    assert.deepEqual(messages(o), []);
    const pending = await runResource(k8sNoInternetFacingLoadBalancer, SERVICE, {
      ...svc("LoadBalancer"),
      metadata: { name: "front-proxy", namespace: "kcp-root", annotations: UNKNOWN.object },
    });
    assert.deepEqual(messages(pending), []);
    assert.match(pending.cannotJudge[0], /annotations/);
    assert.equal(
      (await runResource(k8sNoInternetFacingLoadBalancer, DEPLOYMENT, goodDeployment)).notApplicable.length,
      1,
    );
    assert.equal(k8sNoInternetFacingLoadBalancer.enforcementLevel, "advisory");
  });
});

describe("k8s-ingress-tls", () => {
  const ingress = (tls?: unknown, hosts = ["pac.example.com"]) => ({
    metadata: { name: "pipelines-as-code-controller", namespace: "pipelines-as-code" },
    spec: {
      ...(tls === undefined ? {} : { tls }),
      rules: hosts.map((host) => ({ host, http: { paths: [] } })),
    },
  });

  it("passes an Ingress whose tls covers its hosts (or the default host)", async () => {
    assert.deepEqual(
      await check(k8sIngressTls, INGRESS, ingress([{ hosts: ["pac.example.com"], secretName: "pac-tls" }])),
      [],
    );
    assert.deepEqual(await check(k8sIngressTls, INGRESS, ingress([{ secretName: "default-tls" }])), []);
  });

  it("rejects an Ingress without spec.tls, or one that leaves a host out; also in ConfigGroup objs", async () => {
    assert.deepEqual(await check(k8sIngressTls, INGRESS, ingress()), [
      "Ingress/pipelines-as-code/pipelines-as-code-controller has no spec.tls: its traffic is served in clear text.",
    ]);
    assert.deepEqual(await check(k8sIngressTls, INGRESS, ingress([])).then((m) => m.length), 1);
    const partial = ingress(
      [{ hosts: ["a.example.com"], secretName: "a" }],
      ["a.example.com", "b.example.com"],
    );
    assert.match(
      (await check(k8sIngressTls, INGRESS, partial))[0],
      /does not cover host\(s\) b\.example\.com/,
    );
    const objs = [{ apiVersion: "networking.k8s.io/v1", kind: "Ingress", ...ingress() }];
    assert.equal((await check(k8sIngressTls, CONFIG_GROUP, { objs })).length, 1);
  });

  it("cannot judge unknown tls yet; is mandatory (the PaC Ingress has TLS)", async () => {
    const o = await runResource(k8sIngressTls, INGRESS, ingress([{ hosts: UNKNOWN.array, secretName: "x" }]));
    assert.deepEqual(messages(o), []);
    assert.match(o.cannotJudge[0], /spec\.tls/);
    assert.equal(k8sIngressTls.enforcementLevel, "mandatory");
  });
});

describe("k8s-namespace-network-policy", () => {
  const namespace = (name: string) => stackResource(NAMESPACE, `${name}-ns`, { metadata: { name } });
  const netpol = (ns: string) =>
    stackResource(NETWORK_POLICY, `${ns}-deny`, {
      metadata: { name: "default-deny", namespace: ns },
      spec: { podSelector: {}, policyTypes: ["Ingress"] },
    });

  it("passes namespaces that have a NetworkPolicy, from resources or ConfigGroup objs", async () => {
    assert.deepEqual(
      (await runStack(k8sNamespaceNetworkPolicy, [namespace("kcp"), netpol("kcp")])).violations,
      [],
    );
    const group = stackResource(CONFIG_GROUP, "release", {
      objs: [
        { apiVersion: "v1", kind: "Namespace", metadata: { name: "tekton-pipelines" } },
        {
          apiVersion: "networking.k8s.io/v1",
          kind: "NetworkPolicy",
          metadata: { name: "deny", namespace: "tekton-pipelines" },
          spec: { podSelector: {} },
        },
      ],
    });
    assert.deepEqual(
      (await runStack(k8sNamespaceNetworkPolicy, [group, namespace("kcp"), netpol("kcp")])).violations,
      [],
    );
  });

  it("reports each namespace without one (resource or ConfigGroup objs), honours exemptions", async () => {
    const group = stackResource(CONFIG_GROUP, "release", {
      objs: [{ apiVersion: "v1", kind: "Namespace", metadata: { name: "tekton-pipelines" } }],
    });
    const kcp = namespace("kcp");
    const o = await runStack(k8sNamespaceNetworkPolicy, [kcp, group, netpol("other")]);
    assert.deepEqual(
      o.violations.map((v) => [v.urn, v.message]),
      [
        [kcp.urn, "namespace kcp has no NetworkPolicy: any pod in the cluster can reach its pods."],
        [
          group.urn,
          "namespace tekton-pipelines has no NetworkPolicy: any pod in the cluster can reach its pods.",
        ],
      ],
    );
    const exempt = await runStack(k8sNamespaceNetworkPolicy, [kcp], { exemptNamespaces: ["kcp"] });
    assert.deepEqual(exempt.violations, []);
    assert.equal((await runStack(k8sNamespaceNetworkPolicy, [netpol("x")])).notApplicable.length, 1);
  });

  it("cannot judge yet while a ConfigGroup's objs are unknown; is advisory", async () => {
    const group = stackResource(CONFIG_GROUP, "release", { objs: UNKNOWN.array });
    const o = await runStack(k8sNamespaceNetworkPolicy, [namespace("kcp"), group]);
    assert.deepEqual(o.violations, []);
    assert.match(o.cannotJudge[0], /release: objs/);
    assert.equal(k8sNamespaceNetworkPolicy.enforcementLevel, "advisory");
  });
});

describe(
  "upstream release manifests (shared/manifests)",
  { skip: !fs.existsSync(UPSTREAM_MANIFESTS) },
  () => {
    const objects = fs.existsSync(UPSTREAM_MANIFESTS)
      ? [
          "tekton-pipeline",
          "tekton-triggers",
          "tekton-chains",
          "tekton-results",
          "pipelines-as-code",
          "argo-cd",
        ].flatMap(loadUpstream)
      : [];

    it("pass the mandatory workload rules and the registry allow-list as shipped", async () => {
      assert.ok(objects.filter((o) => o.type === DEPLOYMENT).length >= 20, "mirror has the Deployments");
      for (const policy of [
        k8sImagePinned,
        k8sNoPrivileged,
        k8sNoHostPath,
        k8sNoHostNamespaces,
        k8sAllowedRegistries,
      ]) {
        for (const o of objects) {
          const m = messages(await runResource(policy, o.type, o.object));
          assert.deepEqual(m, [], `${policy.name} on ${o.file}`);
        }
      }
    });

    it("need namespace labels for PaC and Chains, and resources for most controllers (why those are enforced in components / advisory)", async () => {
      const unlabeled: string[] = [];
      for (const o of objects.filter((x) => x.type === NAMESPACE)) {
        if (messages(await runResource(k8sNamespacePodSecurity, o.type, o.object)).length > 0) {
          unlabeled.push((o.object.metadata as { name: string }).name);
        }
      }
      assert.deepEqual([...new Set(unlabeled)].sort(), ["pipelines-as-code", "tekton-chains"]);
      let lacking = 0;
      for (const o of objects.filter((x) => x.type === DEPLOYMENT)) {
        lacking += messages(await runResource(k8sContainerResources, o.type, o.object)).length;
      }
      assert.ok(lacking > 10, `${lacking} containers without requests/limits`);
    });
  },
);
