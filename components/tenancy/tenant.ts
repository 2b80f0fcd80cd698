// Layer C: one tenant. A workspace `root:tenants:<name>` placed on its region's shard, an APIBinding `tekton` to
// that region's export (TektonExport) with the permission claims the agent makes accepted, and on the region
// cluster, for each tenant namespace, the namespace the agent syncs it to (syncedNamespace: the agent finds
// it and uses it, internal/sync/object_syncer.go ensureNamespace is get-then-create), with a ResourceQuota and
// a LimitRange (default requests, so step pods without any are counted by the quota).
//
// The namespaces exist before the binding does, so no PipelineRun reaches the cluster before its quota.
// Objects a tenant creates in a namespace not listed here are still synced, into a namespace the agent
// creates without quota: list every namespace a tenant uses.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { newKcpProvider } from "../kcp/kcp-provider";
import { WORKSPACE_API_VERSION } from "../kcp/region-workspace";
import { checkResources, isDnsLabel, REGION_LABEL, shardLabels } from "../kcp/render";
import { podSecurityLabels } from "../manifests";
import { exportWorkspacePath, syncedNamespace, TEKTON_EXPORT_NAME } from "./tekton-export";
import { TENANTS_PATH } from "./tenants-root";

export const TENANT_TYPE = "pipeline-service:tenancy:Tenant";
export const TENANT_LABEL = "pipeline-service.dev/tenant";
export const BINDING_NAME = "tekton";
export const QUOTA_NAME = "tenant-quota";
export const LIMIT_RANGE_NAME = "tenant-defaults";

/** Per synced namespace. */
export interface TenantQuota {
  /** requests.cpu. @default "8" */
  cpu?: string;
  /** requests.memory. @default "16Gi" */
  memory?: string;
  /** pods. @default 50 */
  pods?: number;
  /** count/pipelineruns.tekton.dev: PipelineRuns kept on the cluster, finished ones included. @default 100 */
  pipelineRuns?: number;
}

export const DEFAULT_TENANT_QUOTA: Required<TenantQuota> = {
  cpu: "8",
  memory: "16Gi",
  pods: 50,
  pipelineRuns: 100,
};

/**
 * The claims a tenant accepts. With no related resources, no namespace filter and no workspace paths, the
 * agent claims only `events` (internal/controller/apiexport/reconciler.go), as `all: true` in v1alpha1,
 * which kcp serves in v1alpha2 as verbs ["*"] (sdk apis/apis/v1alpha2 conversion).
 */
export const TENANT_CLAIMS = [
  { group: "", resource: "events", verbs: ["*"], selector: { matchAll: true }, state: "Accepted" },
];

export interface KcpAdmin {
  /** kcp admin kubeconfig (a secret). */
  kubeconfig: pulumi.Input<string>;
  /** The front-proxy URL. */
  frontProxyUrl: pulumi.Input<string>;
}

export interface TenantArgs {
  /** The tenant's workspace name under root:tenants (a DNS label; infra/config.ts refuses reserved ones). */
  name: string;
  /** The region that serves the tenant: its shard hosts the workspace, its export is bound. */
  region: string;
  /** Provider for `root:tenants` (made by TenantsRoot in the home region). */
  kcpTenantsProvider: k8s.Provider;
  /** kcp admin credentials, for the provider of the tenant's own workspace (made here, once it exists). */
  kcpAdmin: KcpAdmin;
  /** The region cluster's provider. */
  provider: k8s.Provider;
  /** Tenant namespaces that get a synced namespace with quota; others are made in kcp too. @default ["default"] */
  namespaces?: string[];
  /** @default DEFAULT_TENANT_QUOTA */
  quota?: TenantQuota;
  /** LimitRange default CPU request per container. @default "100m" */
  defaultCpuRequest?: string;
  /** LimitRange default memory request per container. @default "128Mi" */
  defaultMemoryRequest?: string;
}

/** `root:tenants:<name>`. */
export function tenantPath(name: string): string {
  return `${TENANTS_PATH}:${name}`;
}

/** The tenant's Workspace (pure): under root:tenants, on its region's shard, waiting for Ready. */
export function renderTenantWorkspace(name: string, region: string): Record<string, unknown> {
  return {
    apiVersion: WORKSPACE_API_VERSION,
    kind: "Workspace",
    metadata: {
      name,
      labels: { "app.kubernetes.io/part-of": "pipeline-service", [REGION_LABEL]: region },
      annotations: { "pulumi.com/waitFor": "jsonpath={.status.phase}=Ready" },
    },
    // No inheritance from root:tenants (on the root shard): every tenant carries its own selector.
    spec: { location: { selector: { matchLabels: shardLabels(region, "region") } } },
  };
}

/** The APIBinding (pure) in the tenant's workspace, waiting until kcp has bound it. */
export function renderTektonBinding(region: string): Record<string, unknown> {
  return {
    apiVersion: "apis.kcp.io/v1alpha2",
    kind: "APIBinding",
    metadata: {
      name: BINDING_NAME,
      labels: { "app.kubernetes.io/part-of": "pipeline-service" },
      annotations: { "pulumi.com/waitFor": "jsonpath={.status.phase}=Bound" },
    },
    spec: {
      reference: { export: { path: exportWorkspacePath(region), name: TEKTON_EXPORT_NAME } },
      permissionClaims: TENANT_CLAIMS.map((c) => structuredClone(c)),
    },
  };
}

/** Labels of a synced namespace on the region cluster. */
export function tenantNamespaceLabels(tenant: string, region: string): Record<string, string> {
  return {
    "app.kubernetes.io/part-of": "pipeline-service",
    [TENANT_LABEL]: tenant,
    [REGION_LABEL]: region,
    // Tenants' steps run arbitrary images: baseline, not restricted.
    ...podSecurityLabels("baseline"),
  };
}

/** ResourceQuota spec (pure). */
export function quotaSpec(quota: TenantQuota = {}): { hard: Record<string, string> } {
  const q = { ...DEFAULT_TENANT_QUOTA, ...quota };
  return {
    hard: {
      "requests.cpu": q.cpu,
      "requests.memory": q.memory,
      pods: String(q.pods),
      "count/pipelineruns.tekton.dev": String(q.pipelineRuns),
    },
  };
}

/** LimitRange spec (pure): default container requests. */
export function limitRangeSpec(cpu = "100m", memory = "128Mi"): k8s.types.input.core.v1.LimitRangeSpec {
  return { limits: [{ type: "Container", defaultRequest: { cpu, memory } }] };
}

/**
 * How an admin gets a kubeconfig for the tenant's workspace: a copy of the kcp admin kubeconfig pointed at
 * it with kcp's `kubectl ws` plugin. It carries admin credentials: tenants get their own identity (OIDC).
 */
export function kubeconfigCommand(name: string): string {
  const file = `${name}.kubeconfig`;
  return `cp "$KCP_ADMIN_KUBECONFIG" ${file} && KUBECONFIG=${file} kubectl ws use :${tenantPath(name)}`;
}

/** Throws naming the bad argument. */
export function validateTenantArgs(args: TenantArgs): void {
  if (!isDnsLabel(args.name)) throw new Error(`name ${JSON.stringify(args.name)} is not a DNS label`);
  if (!isDnsLabel(args.region)) throw new Error(`region ${JSON.stringify(args.region)} is not a DNS label`);
  if (!args.kcpTenantsProvider) throw new Error("kcpTenantsProvider (root:tenants) is required");
  if (!args.provider) throw new Error("provider (the region cluster's) is required");
  const namespaces = args.namespaces ?? ["default"];
  if (namespaces.length === 0) throw new Error("namespaces must not be empty");
  for (const n of namespaces)
    if (!isDnsLabel(n)) throw new Error(`namespace ${JSON.stringify(n)} is not a DNS label`);
  if (new Set(namespaces).size !== namespaces.length) throw new Error("namespaces must be distinct");
  const q = { ...DEFAULT_TENANT_QUOTA, ...args.quota };
  checkResources("quota", { requests: { cpu: q.cpu, memory: q.memory } });
  checkResources("default requests", {
    requests: { cpu: args.defaultCpuRequest ?? "100m", memory: args.defaultMemoryRequest ?? "128Mi" },
  });
  for (const [k, v] of [
    ["pods", q.pods],
    ["pipelineRuns", q.pipelineRuns],
  ] as const)
    if (!Number.isInteger(v) || v < 1) throw new Error(`quota.${k} ${v} must be a positive integer`);
}

/** What a region's stack reports per tenant (stack output `tenants`). */
export interface TenantSummary {
  workspace: string;
  shard: string;
  namespaces: Record<string, string>;
  kubeconfigCommand: string;
}

interface WorkspaceOutputs {
  metadata: pulumi.Output<{ annotations?: Record<string, string> } | undefined>;
  spec: pulumi.Output<{ cluster?: string } | undefined>;
}

/** One tenant: its workspace, its binding to the region's Tekton API, its namespaces on the region cluster. */
export class Tenant extends pulumi.ComponentResource {
  public readonly workspacePath: string;
  /** The workspace's logical cluster (Workspace spec.cluster, known once kcp scheduled it). */
  public readonly cluster: pulumi.Output<string>;
  /** The shard kcp placed the workspace on (annotation core.kcp.io/shard). */
  public readonly shard: pulumi.Output<string>;
  /** Tenant namespace → its namespace on the region cluster. */
  public readonly clusterNamespaces: pulumi.Output<Record<string, string>>;
  public readonly kubeconfigCommand: string;
  /** All of the above, for the stack output. */
  public readonly summary: pulumi.Output<TenantSummary>;

  constructor(name: string, args: TenantArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TENANT_TYPE, name, { tenant: args.name, region: args.region }, opts);
    try {
      validateTenantArgs(args);
    } catch (e) {
      throw new pulumi.ResourceError(`Tenant ${name}: ${(e as Error).message}`, this);
    }
    const tenant = args.name;
    const region = args.region;
    const namespaces = args.namespaces ?? ["default"];
    this.workspacePath = tenantPath(tenant);
    this.kubeconfigCommand = kubeconfigCommand(tenant);
    const cluster = { parent: this, provider: args.provider };

    const workspace = new k8s.apiextensions.CustomResource(
      `${name}-workspace`,
      renderTenantWorkspace(tenant, region) as k8s.apiextensions.CustomResourceArgs,
      { parent: this, provider: args.kcpTenantsProvider },
    );
    const ws = workspace as unknown as WorkspaceOutputs;
    const path = this.workspacePath;
    this.cluster = ws.spec.apply((s) => {
      if (s?.cluster) return s.cluster;
      // A preview of a new tenant sees the Workspace as written: kcp names its logical cluster at create.
      if (pulumi.runtime.isDryRun()) return pulumi.unknown as unknown as string;
      throw new Error(`Workspace ${path} has no spec.cluster: kcp has not scheduled it`);
    });
    this.shard = ws.metadata.apply((m) => m?.annotations?.["core.kcp.io/shard"] ?? "");

    const tenantKcp = newKcpProvider(
      `${name}-kcp`,
      { ...args.kcpAdmin, workspacePath: this.workspacePath },
      { parent: this, dependsOn: [workspace] },
    );
    const kcpNamespaces = namespaces
      .filter((n) => n !== "default")
      .map(
        (n) =>
          new k8s.core.v1.Namespace(
            `${name}-kcp-ns-${n}`,
            { metadata: { name: n, labels: { "app.kubernetes.io/part-of": "pipeline-service" } } },
            { parent: this, provider: tenantKcp },
          ),
      );

    const quota = quotaSpec(args.quota);
    const limits = limitRangeSpec(args.defaultCpuRequest, args.defaultMemoryRequest);
    const mapped: Record<string, pulumi.Output<string>> = {};
    const onCluster: pulumi.Resource[] = [];
    for (const n of namespaces) {
      const clusterNs = this.cluster.apply((lc) => syncedNamespace(lc, n));
      mapped[n] = clusterNs;
      const nsRes = new k8s.core.v1.Namespace(
        `${name}-ns-${n}`,
        { metadata: { name: clusterNs, labels: tenantNamespaceLabels(tenant, region) } },
        cluster,
      );
      const namespace = nsRes.metadata.name;
      onCluster.push(
        nsRes,
        new k8s.core.v1.ResourceQuota(
          `${name}-quota-${n}`,
          { metadata: { name: QUOTA_NAME, namespace }, spec: quota },
          cluster,
        ),
        new k8s.core.v1.LimitRange(
          `${name}-limits-${n}`,
          { metadata: { name: LIMIT_RANGE_NAME, namespace }, spec: limits },
          cluster,
        ),
      );
    }
    this.clusterNamespaces = pulumi.output(mapped);

    new k8s.apiextensions.CustomResource(
      `${name}-binding`,
      renderTektonBinding(region) as k8s.apiextensions.CustomResourceArgs,
      { parent: this, provider: tenantKcp, dependsOn: [...onCluster, ...kcpNamespaces] },
    );
    this.summary = pulumi.output({
      workspace: this.workspacePath,
      shard: this.shard,
      namespaces: this.clusterNamespaces,
      kubeconfigCommand: this.kubeconfigCommand,
    });
    this.registerOutputs({
      workspacePath: this.workspacePath,
      cluster: this.cluster,
      shard: this.shard,
      clusterNamespaces: this.clusterNamespaces,
      kubeconfigCommand: this.kubeconfigCommand,
    });
  }
}
