// Layer C: the region's workspace on kcp, `root:pipeline-service-<region>`, pinned to the region's shard by
// Workspace.spec.location.selector over the Shard labels (shard.ts; locally local/env.sh sets them). This
// region's APIExport is published there later, so tenants bind an API served by their own region's shard
// (kcp's "per-shard provider" pattern: a shard outage stays inside its region).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { isDnsLabel, shardLabels } from "./render";

export const WORKSPACE_API_VERSION = "tenancy.kcp.io/v1alpha1";

export interface RegionWorkspaceArgs {
  /** Provider for the parent workspace (kcp-provider.ts newKcpProvider; `root` by default). */
  kcpProvider: k8s.Provider;
  /** The region (RegionConfig.region): the shard label the workspace is scheduled by. */
  region: string;
  /** Workspace path of kcpProvider (for the output path). @default "root" */
  parentPath?: string;
  /** Wait until the workspace is Ready (scheduled and initialized). @default true */
  waitForReady?: boolean;
}

/** The workspace's name. */
export function regionWorkspaceName(region: string): string {
  return `pipeline-service-${region}`;
}

/** The Workspace object (pure): a child of the provider's workspace, placed on the region's shard. */
export function renderRegionWorkspace(region: string, waitForReady = true): Record<string, unknown> {
  if (!isDnsLabel(region)) throw new Error(`region ${JSON.stringify(region)} is not a DNS label`);
  const name = regionWorkspaceName(region);
  if (name.length > 63) throw new Error(`workspace name ${name} is longer than 63 characters`);
  return {
    apiVersion: WORKSPACE_API_VERSION,
    kind: "Workspace",
    metadata: {
      name,
      labels: { "app.kubernetes.io/part-of": "pipeline-service", "pipeline-service.dev/region": region },
      // The provider does not know when a Workspace is usable; Ready means scheduled and initialized.
      annotations: waitForReady ? { "pulumi.com/waitFor": "jsonpath={.status.phase}=Ready" } : {},
    },
    spec: { location: { selector: { matchLabels: shardLabels(region, "region") } } },
  };
}

/** The region's workspace on kcp. */
export class RegionWorkspace extends pulumi.ComponentResource {
  /** The workspace name, e.g. pipeline-service-aws-us-east-1. */
  public readonly workspaceName: string;
  /** Its logical-cluster path, e.g. root:pipeline-service-aws-us-east-1 (kubectl ws, provider URLs). */
  public readonly path: string;
  /** The workspace's URL (from kcp, once scheduled). */
  public readonly url: pulumi.Output<string>;
  public readonly workspace: k8s.apiextensions.CustomResource;

  constructor(name: string, args: RegionWorkspaceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pipeline-service:kcp:RegionWorkspace", name, { region: args.region }, opts);
    let obj: Record<string, unknown>;
    const parentPath = args.parentPath ?? "root";
    try {
      if (!args.kcpProvider) throw new Error("kcpProvider is required");
      if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(:[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(parentPath))
        throw new Error(
          `parentPath ${JSON.stringify(parentPath)} is not a workspace path such as root or root:org`,
        );
      obj = renderRegionWorkspace(args.region, args.waitForReady ?? true);
    } catch (e) {
      throw new pulumi.ResourceError(`RegionWorkspace ${name}: ${(e as Error).message}`, this);
    }
    this.workspaceName = regionWorkspaceName(args.region);
    this.path = `${parentPath}:${this.workspaceName}`;
    this.workspace = new k8s.apiextensions.CustomResource(
      `${name}-workspace`,
      obj as k8s.apiextensions.CustomResourceArgs,
      { parent: this, provider: args.kcpProvider },
    );
    // CustomResource exposes every input key as an output; `spec` carries URL once kcp scheduled it.
    const spec = (this.workspace as unknown as { spec: pulumi.Output<{ URL?: string } | undefined> }).spec;
    this.url = spec.apply((s) => s?.URL ?? "");
    this.registerOutputs({ workspaceName: this.workspaceName, path: this.path, url: this.url });
  }
}
