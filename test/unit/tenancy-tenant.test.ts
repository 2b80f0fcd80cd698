// Layer C, tenants: root:tenants on the root shard (TenantsRoot), and a tenant's workspace on its region's shard,
// its binding to the region's Tekton export, and its quota'd namespaces on the region cluster (Tenant).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { recordDependencies } from "../helpers/dependencies";
import { kubeconfig, workspaceOutputs } from "../helpers/fleet-mocks";
import { settle, setupMocks, valueOf } from "../helpers/mocks";
import { unwrap } from "../helpers/secrets";
import { REGION_LABEL, ROLE_LABEL } from "../../components/kcp/render";
import { syncedNamespace } from "../../components/tenancy/tekton-export";
import {
  DEFAULT_TENANT_QUOTA,
  kubeconfigCommand,
  limitRangeSpec,
  quotaSpec,
  renderTektonBinding,
  renderTenantWorkspace,
  TENANT_CLAIMS,
  Tenant,
  tenantPath,
  validateTenantArgs,
} from "../../components/tenancy/tenant";
import {
  renderRootShardLabels,
  renderTenantsWorkspace,
  TenantsRoot,
} from "../../components/tenancy/tenants-root";

const { resources } = setupMocks({
  outputs: { "kubernetes:tenancy.kcp.io/v1alpha1:Workspace": (a) => workspaceOutputs(a.inputs) },
});
const graph = recordDependencies();

const admin = {
  kubeconfig: pulumi.secret(kubeconfig("https://127.0.0.1:6443")),
  frontProxyUrl: "https://127.0.0.1:6443",
};

type Ws = {
  metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> };
  spec: { location: { selector: { matchLabels: Record<string, string> } } };
};

describe("rendered objects", () => {
  test("a tenant's workspace is on its region's shard (no inheritance from root:tenants), waits for Ready", () => {
    const ws = renderTenantWorkspace("team-west", "local-west") as unknown as Ws;
    assert.equal(ws.metadata.name, "team-west");
    assert.deepEqual(ws.spec.location.selector.matchLabels, {
      [REGION_LABEL]: "local-west",
      [ROLE_LABEL]: "region",
    });
    assert.equal(ws.metadata.annotations["pulumi.com/waitFor"], "jsonpath={.status.phase}=Ready");
    assert.equal(tenantPath("team-west"), "root:tenants:team-west");
  });

  test("root:tenants is on the root shard, which is labelled for it", () => {
    const ws = renderTenantsWorkspace("local-east") as unknown as Ws;
    assert.equal(ws.metadata.name, "tenants");
    assert.deepEqual(ws.spec.location.selector.matchLabels, {
      [REGION_LABEL]: "local-east",
      [ROLE_LABEL]: "root",
    });
    assert.deepEqual(renderRootShardLabels("local-east"), {
      apiVersion: "core.kcp.io/v1alpha1",
      kind: "Shard",
      metadata: { name: "root", labels: ws.spec.location.selector.matchLabels },
    });
  });

  test("the binding: the region's export, the events claim accepted, waits for Bound", () => {
    const b = renderTektonBinding("local-west") as {
      apiVersion: string;
      metadata: { name: string; annotations: Record<string, string> };
      spec: { reference: unknown; permissionClaims: unknown };
    };
    assert.equal(b.apiVersion, "apis.kcp.io/v1alpha2");
    assert.equal(b.metadata.name, "tekton");
    assert.deepEqual(b.spec.reference, {
      export: { path: "root:pipeline-service-local-west", name: "tekton.pipeline-service.dev" },
    });
    // The agent claims events always; namespaces only for filters/related resources, which we do not use.
    assert.deepEqual(b.spec.permissionClaims, [
      { group: "", resource: "events", verbs: ["*"], selector: { matchAll: true }, state: "Accepted" },
    ]);
    assert.deepEqual(b.spec.permissionClaims, TENANT_CLAIMS);
    assert.equal(b.metadata.annotations["pulumi.com/waitFor"], "jsonpath={.status.phase}=Bound");
  });

  test("quota and default requests", () => {
    assert.deepEqual(quotaSpec(), {
      hard: {
        "requests.cpu": "8",
        "requests.memory": "16Gi",
        pods: "50",
        "count/pipelineruns.tekton.dev": "100",
      },
    });
    assert.deepEqual(quotaSpec({ cpu: "2", pipelineRuns: 7 }).hard["count/pipelineruns.tekton.dev"], "7");
    assert.equal(quotaSpec({ cpu: "2" }).hard["requests.cpu"], "2");
    assert.deepEqual(DEFAULT_TENANT_QUOTA, { cpu: "8", memory: "16Gi", pods: 50, pipelineRuns: 100 });
    assert.deepEqual(limitRangeSpec(), {
      limits: [{ type: "Container", defaultRequest: { cpu: "100m", memory: "128Mi" } }],
    });
    assert.match(kubeconfigCommand("team-east"), /kubectl ws use :root:tenants:team-east/);
  });

  test("invalid arguments are named", () => {
    const p = {} as k8s.Provider;
    const base = {
      name: "team-a",
      region: "local-east",
      kcpTenantsProvider: p,
      kcpAdmin: admin,
      provider: p,
    };
    assert.throws(() => validateTenantArgs({ ...base, name: "Team_A" }), /name "Team_A" is not a DNS label/);
    assert.throws(() => validateTenantArgs({ ...base, namespaces: [] }), /namespaces must not be empty/);
    assert.throws(() => validateTenantArgs({ ...base, namespaces: ["a", "a"] }), /distinct/);
    assert.throws(() => validateTenantArgs({ ...base, quota: { memory: "lots" } }), /memory "lots"/);
    assert.throws(() => validateTenantArgs({ ...base, quota: { pods: 0 } }), /quota.pods 0/);
    validateTenantArgs(base);
  });
});

describe("under mocks", () => {
  test("TenantsRoot: the root Shard's labels, then the workspace, through the root provider", async () => {
    const root = new k8s.Provider("kcp-root", { kubeconfig: "{}" });
    const tr = new TenantsRoot("east-tenants-root", { kcpProvider: root, region: "local-east" });
    await settle();
    const mine = resources.filter((r) => r.name.startsWith("east-tenants-root-"));
    assert.deepEqual(
      mine.map((r) => r.type),
      ["kubernetes:core.kcp.io/v1alpha1:ShardPatch", "kubernetes:tenancy.kcp.io/v1alpha1:Workspace"],
    );
    for (const r of mine) {
      assert.match(r.provider ?? "", /::kcp-root::/);
      assert.equal(graph.get(r.name)?.parent, "east-tenants-root");
    }
    assert.equal(graph.get("east-tenants-root")?.type, "pipeline-service:tenancy:TenantsRoot");
    assert.deepEqual(graph.get("east-tenants-root-workspace")?.dependsOn, [
      "east-tenants-root-root-shard-labels",
    ]);
    assert.equal(tr.path, "root:tenants");
  });

  test("Tenant: workspace, its own provider, namespaces with quota, then the binding", async () => {
    const tenants = new k8s.Provider("kcp-tenants", { kubeconfig: "{}" });
    const cluster = new k8s.Provider("west-cluster", { kubeconfig: "{}" });
    const t = new Tenant("west-tenant-team-west", {
      name: "team-west",
      region: "local-west",
      kcpTenantsProvider: tenants,
      kcpAdmin: admin,
      provider: cluster,
      namespaces: ["default", "builds"],
      quota: { cpu: "4", pods: 20 },
    });
    await settle();
    await new Promise((r) => setTimeout(r, 200));
    await settle();
    const mine = resources.filter((r) => r.name.startsWith("west-tenant-team-west-"));
    const byName = new Map(mine.map((r) => [r.name.slice("west-tenant-team-west-".length), r]));
    assert.deepEqual([...byName.keys()].sort(), [
      "binding",
      "kcp",
      "kcp-ns-builds",
      "limits-builds",
      "limits-default",
      "ns-builds",
      "ns-default",
      "quota-builds",
      "quota-default",
      "workspace",
    ]);
    for (const r of mine) assert.equal(graph.get(r.name)?.parent, "west-tenant-team-west", r.name);
    assert.equal(graph.get("west-tenant-team-west")?.type, "pipeline-service:tenancy:Tenant");

    // The workspace through root:tenants' provider; the binding and kcp namespaces through the tenant's own.
    assert.match(byName.get("workspace")!.provider ?? "", /::kcp-tenants::/);
    const own = byName.get("kcp")!;
    assert.equal(own.type, "pulumi:providers:kubernetes");
    const ownKubeconfig = unwrap(own.inputs.kubeconfig);
    assert.equal(ownKubeconfig.secret, true);
    assert.equal(
      parseYaml(ownKubeconfig.value as string).clusters[0].cluster.server,
      "https://127.0.0.1:6443/clusters/root:tenants:team-west",
    );
    for (const n of ["binding", "kcp-ns-builds"])
      assert.match(byName.get(n)!.provider ?? "", /::west-tenant-team-west-kcp::/, n);
    for (const n of ["ns-default", "quota-default", "limits-default", "ns-builds"])
      assert.match(byName.get(n)!.provider ?? "", /::west-cluster::/, n);

    // Cluster namespaces are the agent's names for the workspace's logical cluster.
    const lc = await valueOf(t.cluster);
    assert.match(lc, /^[a-z0-9]+$/);
    const ns = byName.get("ns-default")!.inputs.metadata as { name: string; labels: Record<string, string> };
    assert.equal(ns.name, syncedNamespace(lc, "default"));
    assert.equal(ns.labels["pipeline-service.dev/tenant"], "team-west");
    assert.equal(ns.labels[REGION_LABEL], "local-west");
    assert.equal(ns.labels["pod-security.kubernetes.io/enforce"], "baseline");
    assert.deepEqual(await valueOf(t.clusterNamespaces), {
      default: syncedNamespace(lc, "default"),
      builds: syncedNamespace(lc, "builds"),
    });
    const quota = byName.get("quota-builds")!.inputs as { metadata: { namespace: string }; spec: unknown };
    assert.equal(quota.metadata.namespace, syncedNamespace(lc, "builds"));
    assert.deepEqual(quota.spec, quotaSpec({ cpu: "4", pods: 20 }));

    // Quota first: the binding (the API) comes after every namespace, quota and limit range.
    const bindingDeps = graph.get("west-tenant-team-west-binding")?.dependsOn ?? [];
    for (const n of ["ns-default", "quota-default", "limits-default", "ns-builds", "kcp-ns-builds"])
      assert.ok(bindingDeps.includes(`west-tenant-team-west-${n}`), `binding after ${n}`);
    assert.deepEqual(graph.get("west-tenant-team-west-kcp")?.dependsOn, ["west-tenant-team-west-workspace"]);

    assert.equal(t.workspacePath, "root:tenants:team-west");
    assert.equal(await valueOf(t.shard), "shard-of-local-west");
    const summary = await valueOf(t.summary);
    assert.equal(summary.workspace, "root:tenants:team-west");
    assert.match(summary.kubeconfigCommand, /kubectl ws use :root:tenants:team-west/);
  });
});
