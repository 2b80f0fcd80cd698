// Layer C, the region's Tekton API on kcp: the APIExport and the agent's kcp identity (region workspace), the
// PublishedResources and the api-syncagent Deployment (region cluster), rendered and under mocks. The naming
// the agent applies is reproduced exactly (sha3short), so a tenant's cluster namespace is known up front.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import * as fc from "fast-check";
import * as k8s from "@pulumi/kubernetes";
import { parse as parseYaml } from "yaml";
import { recordDependencies } from "../helpers/dependencies";
import { settle, setupMocks } from "../helpers/mocks";
import { findPlaintext, hasSecretEnvelope } from "../helpers/plaintext";
import { unwrap } from "../helpers/secrets";
import { LOCK } from "../../components/manifests";
import {
  AGENT_UID,
  agentArgs,
  agentName,
  API_SYNCAGENT_VERSION,
  DEFAULT_AGENT_IMAGE,
  kubeconfigCaPem,
  NAMING,
  renderAgentClusterRbac,
  renderAgentKubeconfig,
  renderKcpObjects,
  renderPublishedResources,
  sha3short,
  syncedNamespace,
  TEKTON_EXPORT_NAME,
  TektonExport,
  tokenFromSecretData,
} from "../../components/tenancy/tekton-export";

const TOKEN = "MOCK-KCP-SA-TOKEN-of-api-syncagent";
const CA = "-----BEGIN CERTIFICATE-----\nMIIBkcpServingCA\n-----END CERTIFICATE-----\n";

const { resources } = setupMocks({
  outputs: {
    // kcp's token controller fills the token Secret; the provider waits for it and returns the data.
    "kubernetes:core/v1:Secret": (a) =>
      a.inputs.type === "kubernetes.io/service-account-token"
        ? { data: { token: Buffer.from(TOKEN).toString("base64"), "ca.crt": "Q0E=" } }
        : {},
  },
});
const graph = recordDependencies();

/**
 * The two template forms NAMING uses, evaluated as Go's text/template would with the agent's functions:
 * a field (`.ClusterName`, `.Object.metadata.name`) or `sha3short <field> <length>`.
 */
function renderNaming(template: string, data: { ClusterName: string; Object: Record<string, unknown> }) {
  const field = (p: string): string => {
    let v: unknown = data;
    for (const k of p.split(".").slice(1)) v = (v as Record<string, unknown>)[k];
    if (typeof v !== "string") throw new Error(`no field ${p}`);
    return v;
  };
  return template
    .replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_, expr: string) => {
      const call = /^sha3short (\.[\w.]+) (\d+)$/.exec(expr);
      if (call) return sha3short(field(call[1]), Number(call[2]));
      if (/^\.[\w.]+$/.test(expr)) return field(expr);
      throw new Error(`unsupported template expression ${expr}`);
    })
    .trim();
}

describe("naming: the agent's sha3short, reproduced", () => {
  test("sha3short matches api-syncagent v0.7.0's own test vectors (default length 20)", () => {
    // internal/sync/templating/naming_test.go: the default name template
    // "{{ .Object.metadata.namespace | sha3short }}-{{ .Object.metadata.name | sha3short }}" renders
    // namespace "objnamespace", name "objname" as "2928c2aa0e510f017f07-73d08a1ba188f1340dae".
    assert.equal(
      `${sha3short("objnamespace")}-${sha3short("objname")}`,
      "2928c2aa0e510f017f07-73d08a1ba188f1340dae",
    );
  });

  test("syncedNamespace: '<logical cluster>-<first 8 hex of SHA3-256(namespace)>'", () => {
    // Derived from templating.go: sha3short(input, 8) = hex(crypto/sha3.Sum256([]byte(input)))[:8], and
    // SHA3-256("default") = 2747cabbb481a433679f6dc8aae833dd1b64452778b97e2729bd3c54dede0886 (FIPS 202;
    // the copied Go function run under text/template printed "2d5a3ir3xp0wr7v0-2747cabb").
    assert.equal(syncedNamespace("2d5a3ir3xp0wr7v0", "default"), "2d5a3ir3xp0wr7v0-2747cabb");
    assert.equal(syncedNamespace("testcluster", "objnamespace"), "testcluster-2928c2aa");
    assert.equal(syncedNamespace("1084s8ceexsehjm2", "team-builds"), "1084s8ceexsehjm2-4426d580");
    assert.throws(() => syncedNamespace("root:tenants", "default"), /not a kcp cluster name/);
    assert.throws(() => syncedNamespace("abc", "Default"), /not a DNS label/);
    assert.throws(() => sha3short("x", 0), /invalid length 0/);
    assert.equal(sha3short("x", 100).length, 64, "longer than the hash: the whole hash, as in Go");
  });

  test("NAMING calls sha3short as a function and renders to syncedNamespace (any cluster, any namespace)", () => {
    assert.equal(NAMING.namespace, "{{ .ClusterName }}-{{ sha3short .Object.metadata.namespace 8 }}");
    assert.doesNotMatch(NAMING.namespace, /\|\s*sha3short/, "piping would pass the length as the input");
    assert.equal(NAMING.name, "{{ .Object.metadata.name }}", "names are kept: pipelineRef/taskRef resolve");
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9]{16}$/),
        fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/),
        fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/),
        (cluster, namespace, name) => {
          const data = { ClusterName: cluster, Object: { metadata: { namespace, name } } };
          const ns = renderNaming(NAMING.namespace, data);
          assert.equal(ns, syncedNamespace(cluster, namespace));
          assert.ok(ns.length <= 63);
          assert.equal(renderNaming(NAMING.name, data), name);
        },
      ),
    );
  });
});

describe("rendered objects", () => {
  test("PublishedResources: PipelineRun, Pipeline, Task at v1 with the naming; no TaskRun, no related", () => {
    const prs = renderPublishedResources("local-east");
    assert.deepEqual(
      prs.map((p) => [p.metadata.name, (p.spec as { resource: unknown }).resource]),
      [
        ["tekton-pipelineruns", { apiGroup: "tekton.dev", kind: "PipelineRun", versions: ["v1"] }],
        ["tekton-pipelines", { apiGroup: "tekton.dev", kind: "Pipeline", versions: ["v1"] }],
        ["tekton-tasks", { apiGroup: "tekton.dev", kind: "Task", versions: ["v1"] }],
      ],
    );
    for (const p of prs) {
      assert.equal(p.apiVersion, "syncagent.kcp.io/v1alpha1");
      assert.equal(p.metadata.namespace, undefined, "cluster-scoped");
      // No related resources, filters or workspace paths: the agent then claims only events.
      assert.deepEqual(Object.keys(p.spec as object).sort(), ["naming", "resource"]);
      assert.deepEqual((p.spec as { naming: unknown }).naming, NAMING);
    }
  });

  test("the agent's command line, exactly", () => {
    assert.deepEqual(agentArgs("local-west"), [
      "--kcp-kubeconfig=/etc/kcp/kubeconfig",
      "--apiexportendpointslice-ref=tekton.pipeline-service.dev",
      "--namespace=kcp-syncagent",
      "--agent-name=tekton-local-west",
      "--enable-leader-election",
      "--metrics-address=0.0.0.0:8085",
      "--health-address=0.0.0.0:8086",
    ]);
    assert.match(agentName("aws-us-east-1"), /^[a-z]([-a-z0-9]*[a-z0-9])?$/, "a DNS-1035 label");
    assert.throws(() => agentName("Local_East"), /DNS label/);
  });

  test("kcp: an empty APIExport, bind for every authenticated user, the agent's documented RBAC", () => {
    const objs = renderKcpObjects();
    const find = (kind: string, name: string) => {
      const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
      assert.ok(o, `${kind} ${name}`);
      return o as Record<string, unknown> & typeof o;
    };
    assert.deepEqual(find("APIExport", TEKTON_EXPORT_NAME).spec, {});
    assert.equal(find("APIExport", TEKTON_EXPORT_NAME).apiVersion, "apis.kcp.io/v1alpha1");
    assert.deepEqual(find("ClusterRole", "bind-tekton").rules, [
      {
        apiGroups: ["apis.kcp.io"],
        resourceNames: [TEKTON_EXPORT_NAME],
        resources: ["apiexports"],
        verbs: ["bind"],
      },
    ]);
    assert.deepEqual(find("ClusterRoleBinding", "bind-tekton").subjects, [
      { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "system:authenticated" },
    ]);
    const token = find("Secret", "api-syncagent-token");
    assert.equal(token.type, "kubernetes.io/service-account-token");
    assert.equal(token.metadata.namespace, "default");
    assert.equal(token.metadata.annotations?.["kubernetes.io/service-account.name"], "api-syncagent");
    const rules = find("ClusterRole", "api-syncagent").rules as Record<string, string[]>[];
    const norm = rules.map((r) => ({
      groups: r.apiGroups.join(","),
      resources: r.resources.join(","),
      names: (r.resourceNames ?? []).join(","),
      verbs: [...r.verbs].sort().join(","),
    }));
    assert.deepEqual(norm, [
      { groups: "core.kcp.io", resources: "logicalclusters", names: "cluster", verbs: "get" },
      { groups: "apis.kcp.io", resources: "apiexportendpointslices", names: "", verbs: "get,list,watch" },
      {
        groups: "apis.kcp.io",
        resources: "apiexports",
        names: TEKTON_EXPORT_NAME,
        verbs: "get,list,patch,update,watch",
      },
      { groups: "", resources: "events", names: "", verbs: "create,get,patch,update" },
      { groups: "apis.kcp.io", resources: "apiresourceschemas", names: "", verbs: "create,get,list,watch" },
      { groups: "apis.kcp.io", resources: "apiexports/content", names: TEKTON_EXPORT_NAME, verbs: "*" },
    ]);
    const sa = { kind: "ServiceAccount", name: "api-syncagent", namespace: "default" };
    assert.deepEqual(find("ClusterRoleBinding", "api-syncagent").subjects, [sa]);
    const access = find("ClusterRoleBinding", "api-syncagent:access");
    assert.deepEqual(access.subjects, [sa]);
    assert.equal((access.roleRef as { name: string }).name, "system:kcp:workspace:access");
  });

  test("region cluster RBAC: reads cluster-wide, writes only where the agent writes", () => {
    const objs = renderAgentClusterRbac();
    const rulesOf = (kind: string) =>
      objs.filter((o) => o.kind === kind).flatMap((o) => o.rules as Record<string, string[]>[]);
    const cluster = rulesOf("ClusterRole");
    const verbsOn = (rules: Record<string, string[]>[], resource: string) =>
      rules.filter((r) => r.resources.includes(resource)).flatMap((r) => r.verbs);
    assert.deepEqual(verbsOn(cluster, "secrets"), ["get", "list", "watch"], "no cluster-wide Secret writes");
    assert.deepEqual(verbsOn(cluster, "publishedresources/status"), ["get", "update", "patch"]);
    assert.deepEqual(verbsOn(cluster, "customresourcedefinitions"), ["get", "list", "watch"]);
    assert.deepEqual(verbsOn(cluster, "namespaces"), ["get", "list", "watch", "create"]);
    for (const r of ["pipelineruns", "pipelines", "tasks"])
      assert.deepEqual(verbsOn(cluster, r), ["get", "list", "watch", "create", "update", "patch", "delete"]);
    assert.deepEqual(verbsOn(cluster, "taskruns"), [], "TaskRuns are not published");
    assert.ok(!JSON.stringify(objs).includes('"*"'), "no wildcard");
    const roles = objs.filter((o) => o.kind === "Role");
    assert.deepEqual(
      roles.map((r) => r.metadata.namespace),
      ["kcp-syncagent", "default"],
    );
    assert.deepEqual(verbsOn(rulesOf("Role"), "secrets"), ["create", "update"]);
    assert.ok(verbsOn(rulesOf("Role"), "leases").includes("update"));
    for (const b of objs.filter((o) => o.kind.endsWith("Binding")))
      assert.deepEqual(b.subjects, [
        { kind: "ServiceAccount", name: "api-syncagent", namespace: "kcp-syncagent" },
      ]);
  });

  test("the kcp kubeconfig: the region workspace through the front-proxy, the ServiceAccount token", () => {
    const text = renderAgentKubeconfig({
      kcpServerUrl: "https://kcp.example.com/",
      region: "aws-eu-west-1",
      caPem: CA,
      token: TOKEN,
    });
    const doc = parseYaml(text);
    assert.equal(
      doc.clusters[0].cluster.server,
      "https://kcp.example.com/clusters/root:pipeline-service-aws-eu-west-1",
    );
    assert.equal(Buffer.from(doc.clusters[0].cluster["certificate-authority-data"], "base64").toString(), CA);
    assert.deepEqual(doc.users, [{ name: "api-syncagent", user: { token: TOKEN } }]);
    assert.equal(kubeconfigCaPem(text), CA);
    assert.throws(
      () => renderAgentKubeconfig({ kcpServerUrl: "https://k", region: "r", caPem: "Q0E=", token: "t" }),
      /PEM/,
    );
    assert.throws(() => kubeconfigCaPem("current-context: x\n"), /certificate-authority-data/);
    assert.equal(tokenFromSecretData({ token: Buffer.from("abc").toString("base64") }, "s"), "abc");
    assert.throws(() => tokenFromSecretData({}, "Secret default/x"), /Secret default\/x: .*data.token/);
  });

  test("the image is the version tools/versions.env pins, and so is the PublishedResource CRD", () => {
    const env = fs.readFileSync(path.join(__dirname, "../../tools/versions.env"), "utf8");
    const pinned = /^KCP_API_SYNCAGENT_VERSION=(.+)$/m.exec(env)?.[1];
    assert.equal(pinned, API_SYNCAGENT_VERSION);
    assert.equal(DEFAULT_AGENT_IMAGE, `ghcr.io/kcp-dev/api-syncagent:v${pinned}`);
    const crd = LOCK.files.find((f) => f.component === "kcp-api-syncagent");
    assert.equal(crd?.version, `v${pinned}`);
  });
});

describe("under mocks", () => {
  test("kcp objects through the workspace provider, cluster objects through the cluster's, all children", async () => {
    const kcpProvider = new k8s.Provider("east-kcp-region", { kubeconfig: "{}" });
    const provider = new k8s.Provider("east-cluster", { kubeconfig: "{}" });
    const exp = new TektonExport("east-tekton", {
      kcpProvider,
      provider,
      region: "local-east",
      kcpServerUrl: "https://127.0.0.1:6443",
      kcpCaPem: CA,
    });
    await settle();
    await new Promise((r) => setTimeout(r, 200));
    await settle();
    const mine = resources.filter(
      (r) => r.name.startsWith("east-tekton") && r.type.startsWith("kubernetes:"),
    );
    const kcp = mine.filter((r) => (r.provider ?? "").includes("::east-kcp-region::"));
    const cluster = mine.filter((r) => (r.provider ?? "").includes("::east-cluster::"));
    assert.deepEqual(kcp.map((r) => r.type).sort(), [
      "kubernetes:apis.kcp.io/v1alpha1:APIExport",
      "kubernetes:core/v1:Secret",
      "kubernetes:core/v1:ServiceAccount",
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
    ]);
    assert.deepEqual(cluster.map((r) => r.type).sort(), [
      "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
      "kubernetes:apps/v1:Deployment",
      "kubernetes:core/v1:Namespace",
      "kubernetes:core/v1:Secret",
      "kubernetes:core/v1:ServiceAccount",
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
      "kubernetes:rbac.authorization.k8s.io/v1:Role",
      "kubernetes:rbac.authorization.k8s.io/v1:Role",
      "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
      "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
      "kubernetes:syncagent.kcp.io/v1alpha1:PublishedResource",
      "kubernetes:syncagent.kcp.io/v1alpha1:PublishedResource",
      "kubernetes:syncagent.kcp.io/v1alpha1:PublishedResource",
    ]);
    assert.equal(kcp.length + cluster.length, mine.length, "every resource has an explicit provider");
    for (const r of mine) assert.equal(graph.get(r.name)?.parent, "east-tekton", `${r.name}'s parent`);
    assert.equal(graph.get("east-tekton")?.type, "pipeline-service:tenancy:TektonExport");
    // Pulumi never fights the agent over the export's spec.
    assert.deepEqual(graph.get("east-tekton-apiexport")?.ignoreChanges, ["spec"]);
    assert.equal(exp.exportPath, "root:pipeline-service-local-east");
    assert.equal(exp.agentName, "tekton-local-east");
    assert.deepEqual(
      exp.bindable.length,
      3,
      "tenants wait for the export and its bind permission, not the agent",
    );
  });

  test("the agent: one replica, non-root, probes, the kcp kubeconfig mounted; the token stays secret", async () => {
    const deploy = resources.find((r) => r.name === "east-tekton-agent");
    assert.equal(deploy?.type, "kubernetes:apps/v1:Deployment");
    type Obj = Record<string, unknown>;
    const spec = deploy!.inputs.spec as { replicas: number; template: { spec: Obj } };
    assert.equal(spec.replicas, 1);
    const pod = spec.template.spec;
    const c = (pod.containers as Obj[])[0];
    assert.equal(c.image, "ghcr.io/kcp-dev/api-syncagent:v0.7.0");
    assert.deepEqual(c.args, agentArgs("local-east"));
    assert.equal((c.livenessProbe as { httpGet: { path: string } }).httpGet.path, "/healthz");
    assert.equal((c.readinessProbe as { httpGet: { path: string } }).httpGet.path, "/readyz");
    assert.deepEqual(c.volumeMounts, [{ name: "kcp-kubeconfig", mountPath: "/etc/kcp", readOnly: true }]);
    assert.ok((c.resources as { limits: { memory: string } }).limits.memory);
    assert.deepEqual((pod.securityContext as Obj).runAsUser, AGENT_UID);
    assert.equal((pod.securityContext as Obj).runAsNonRoot, true);
    assert.equal(pod.serviceAccountName, "api-syncagent");
    // The Deployment waits for the kcp side (the agent exits if the endpoint slice is missing).
    const deps = graph.get("east-tekton-agent")?.dependsOn ?? [];
    for (const d of [
      "east-tekton-apiexport",
      "east-tekton-agent-kubeconfig",
      "east-tekton-tekton-pipelineruns",
    ])
      assert.ok(deps.includes(d), `agent depends on ${d}`);

    const secret = resources.find((r) => r.name === "east-tekton-agent-kubeconfig");
    const data = unwrap(secret!.inputs.stringData);
    assert.equal(data.secret, true, "the kubeconfig is a secret");
    const kubeconfig = parseYaml((data.value as { kubeconfig: string }).kubeconfig);
    assert.equal(kubeconfig.users[0].user.token, TOKEN, "the token read back from kcp's Secret");
    assert.equal(
      kubeconfig.clusters[0].cluster.server,
      "https://127.0.0.1:6443/clusters/root:pipeline-service-local-east",
    );
    assert.ok(hasSecretEnvelope(secret!));
    assert.deepEqual(findPlaintext(resources, [TOKEN]), [], "the token never in plaintext");
  });

  test("namespace pod security, the pinned CRD, invalid arguments", () => {
    const ns = resources.find((r) => r.name === "east-tekton-agent-ns");
    const labels = (ns?.inputs.metadata as { labels: Record<string, string> }).labels;
    assert.equal(labels["pod-security.kubernetes.io/enforce"], "restricted");
    const crd = resources.find((r) => r.name === "east-tekton-publishedresources-crd");
    assert.equal((crd?.inputs.metadata as { name: string }).name, "publishedresources.syncagent.kcp.io");
    const provider = new k8s.Provider("bad-cluster", { kubeconfig: "{}" });
    const bad = (over: Record<string, unknown>) => () =>
      new TektonExport("bad", {
        kcpProvider: provider,
        provider,
        region: "local-east",
        kcpServerUrl: "https://k",
        kcpCaPem: CA,
        ...over,
      });
    assert.throws(bad({ region: "Local_East" }), /TektonExport bad: region "Local_East" is not a DNS label/);
    assert.throws(
      bad({ agentImage: "ghcr.io/kcp-dev/api-syncagent:latest" }),
      /agentImage .* must be pinned/,
    );
    assert.throws(bad({ agentResources: { requests: { cpu: "lots" } } }), /cpu "lots" is not a quantity/);
  });
});
