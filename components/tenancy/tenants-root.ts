// Layer C, home region only: `root:tenants`, the parent of every tenant workspace of the fleet. It is pinned
// to the root shard: kcp schedules a workspace without a location at random over all shards (there is no
// inheritance from the parent), and a parent on a region shard would tie every region's tenants to that
// region. The root Shard object is labelled here (role root, the home region) because nothing else labels
// it in the cloud; locally local/env.sh sets the same labels, so the patch changes nothing there.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { WORKSPACE_API_VERSION } from "../kcp/region-workspace";
import { isDnsLabel, shardLabels } from "../kcp/render";
import { SHARD_API_VERSION } from "../kcp/shard";

export const TENANTS_ROOT_TYPE = "pipeline-service:tenancy:TenantsRoot";
/** The workspace every tenant is created in. */
export const TENANTS_WORKSPACE = "tenants";
export const TENANTS_PATH = `root:${TENANTS_WORKSPACE}`;
/** The root shard's name (kcp's own, locally and in components/kcp/root.ts). */
export const ROOT_SHARD = "root";

export interface TenantsRootArgs {
  /** Provider for the `root` workspace (newKcpProvider, default path). */
  kcpProvider: k8s.Provider;
  /** The home region: the root shard's region label. */
  region: string;
  /** Wait until the workspace is Ready. @default true */
  waitForReady?: boolean;
}

/** The `tenants` Workspace (pure): a child of root, on the root shard. */
export function renderTenantsWorkspace(region: string, waitForReady = true): Record<string, unknown> {
  if (!isDnsLabel(region)) throw new Error(`region ${JSON.stringify(region)} is not a DNS label`);
  return {
    apiVersion: WORKSPACE_API_VERSION,
    kind: "Workspace",
    metadata: {
      name: TENANTS_WORKSPACE,
      labels: { "app.kubernetes.io/part-of": "pipeline-service" },
      annotations: waitForReady ? { "pulumi.com/waitFor": "jsonpath={.status.phase}=Ready" } : {},
    },
    spec: { location: { selector: { matchLabels: shardLabels(region, "root") } } },
  };
}

/** The root Shard's labels (pure): what renderTenantsWorkspace selects. */
export function renderRootShardLabels(region: string): Record<string, unknown> {
  return {
    apiVersion: SHARD_API_VERSION,
    kind: "Shard",
    metadata: { name: ROOT_SHARD, labels: shardLabels(region, "root") },
  };
}

/** `root:tenants` on the root shard. */
export class TenantsRoot extends pulumi.ComponentResource {
  public readonly path = TENANTS_PATH;
  public readonly workspace: k8s.apiextensions.CustomResource;

  constructor(name: string, args: TenantsRootArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TENANTS_ROOT_TYPE, name, { region: args.region }, opts);
    let ws: Record<string, unknown>;
    try {
      if (!args.kcpProvider) throw new Error("kcpProvider (the root workspace's) is required");
      ws = renderTenantsWorkspace(args.region, args.waitForReady ?? true);
    } catch (e) {
      throw new pulumi.ResourceError(`TenantsRoot ${name}: ${(e as Error).message}`, this);
    }
    const kcp = { parent: this, provider: args.kcpProvider };
    const labels = new k8s.apiextensions.CustomResourcePatch(
      `${name}-root-shard-labels`,
      renderRootShardLabels(args.region) as k8s.apiextensions.CustomResourcePatchArgs,
      kcp,
    );
    this.workspace = new k8s.apiextensions.CustomResource(
      `${name}-workspace`,
      ws as k8s.apiextensions.CustomResourceArgs,
      { ...kcp, dependsOn: [labels] },
    );
    this.registerOutputs({ path: this.path });
  }
}
