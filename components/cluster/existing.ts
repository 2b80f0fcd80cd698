// A cluster provisioned elsewhere (a local kwok cluster, a platform team's cluster): only a kubeconfig
// (kept as a secret) and an optional context. No cloud resources; just the contract and its provider.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { WorkloadCluster, activeCluster, newClusterProvider } from "./workload-cluster";

export interface ExistingClusterArgs {
  /** Kubeconfig content (not a path: infra/ reads the file). Stored only as a secret. */
  kubeconfig: pulumi.Input<string>;
  /** Context to use. @default the kubeconfig's current-context */
  context?: string;
  /** Region name nodes report in topology.kubernetes.io/region (the local region name locally). */
  region: string;
  /** Zones nodes report in topology.kubernetes.io/zone. */
  zones: string[];
  /**
   * Identity of the cluster for the provider's replacement decision: change it (and only it) when the
   * region moves to a different cluster. Credential, CA or context-name changes never replace.
   * @default the API server URL of the selected context
   */
  clusterIdentifier?: pulumi.Input<string>;
}

/** Checks a kubeconfig known at construction; throws naming the problem. */
export function validateExistingArgs(
  args: Pick<ExistingClusterArgs, "context" | "zones"> & { kubeconfig: string },
) {
  if (args.zones.length === 0) throw new Error("at least one zone is required");
  if (new Set(args.zones).size !== args.zones.length) throw new Error("zones must be distinct");
  return activeCluster(args.kubeconfig, args.context);
}

/** What a region's `cluster` config (kind: existing) gives the component; infra/config.ts validates into it. */
export interface ExistingClusterConfig {
  context?: string;
}

/** Maps validated region config (plus the file content infra/ read from kubeconfigPath) to args. */
export function existingArgsFromConfig(
  config: ExistingClusterConfig,
  region: { region: string; zones: string[] },
  kubeconfigContent: pulumi.Input<string>,
): ExistingClusterArgs {
  return {
    kubeconfig: kubeconfigContent,
    context: config.context,
    region: region.region,
    zones: region.zones,
  };
}

export class ExistingCluster extends pulumi.ComponentResource implements WorkloadCluster {
  public readonly provider: k8s.Provider;
  public readonly name: pulumi.Output<string>;
  public readonly region: string;
  public readonly zones: string[];
  public readonly kubeconfig: pulumi.Output<string>;
  /** The API server URL of the selected context. */
  public readonly server: pulumi.Output<string>;

  constructor(name: string, args: ExistingClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    const fail = (e: unknown, r?: pulumi.Resource) =>
      new pulumi.ResourceError(`ExistingCluster ${name}: ${(e as Error).message}`, r);
    // A plain string is checked before anything registers; an Output when it resolves.
    if (typeof args.kubeconfig === "string") {
      try {
        validateExistingArgs({ ...args, kubeconfig: args.kubeconfig });
      } catch (e) {
        throw fail(e, opts?.parent);
      }
    }
    super("pipeline-service:cluster:ExistingCluster", name, {}, opts);
    this.region = args.region;
    this.zones = [...args.zones];
    this.kubeconfig = pulumi.secret(args.kubeconfig);
    // The server URL and context name are not secret: unwrap them so diffs and outputs stay readable.
    const active = pulumi.unsecret(
      pulumi.output(args.kubeconfig).apply((kc) => {
        try {
          return activeCluster(kc, args.context);
        } catch (e) {
          throw fail(e, this);
        }
      }),
    );
    this.name = active.context;
    this.server = active.server;
    this.provider = newClusterProvider(
      name,
      {
        kubeconfig: this.kubeconfig,
        clusterIdentifier: args.clusterIdentifier ?? active.server,
        context: args.context,
      },
      { parent: this },
    );
    this.registerOutputs({ name: this.name, server: this.server, kubeconfig: this.kubeconfig });
  }
}
