// Tekton Results log storage on any cluster (and on Azure, where Results has no Blob log store): a
// PersistentVolumeClaim in the Results namespace that the Results API mounts (LOGS_TYPE=File).
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

export interface PvcLogStorageArgs {
  /** The Kubernetes provider of the region's cluster (never the default provider). */
  provider: k8s.Provider;
  /** The namespace Tekton Results runs in. @default "tekton-pipelines" */
  namespace?: pulumi.Input<string>;
  /** @default "tekton-results-logs" */
  claimName?: string;
  /** Volume size (LogsConfig.size). @default "20Gi" */
  size?: string;
  /** Storage class (LogsConfig.storageClassName). @default the cluster's default class */
  storageClassName?: string;
  /** Pulumi-protects the stateful leaf: the PersistentVolumeClaim. @default false */
  protect?: boolean;
  /** @default {} */
  labels?: Record<string, string>;
}

/** Checks the arguments that are plain values; throws an Error naming the problem. */
export function validatePvcLogStorageArgs(args: PvcLogStorageArgs): void {
  // Any byte quantity the config accepts (20Gi, 500M, 1.5Gi), above zero.
  if (
    !/^\d+(\.\d+)?(k|M|G|T|Ki|Mi|Gi|Ti)?$/.test(args.size ?? "20Gi") ||
    /^0+(\.0+)?\D*$/.test(args.size ?? "20Gi")
  )
    throw new Error(`size ${JSON.stringify(args.size)} must be a quantity such as 20Gi`);
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(args.claimName ?? "tekton-results-logs"))
    throw new Error("claimName must be a DNS label");
}

/** A PersistentVolumeClaim for Tekton Results logs. */
export class PvcLogStorage extends pulumi.ComponentResource {
  public readonly claimName: pulumi.Output<string>;
  public readonly namespace: pulumi.Output<string>;

  constructor(name: string, args: PvcLogStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pipeline-service:data:PvcLogStorage", name, {}, opts);
    try {
      validatePvcLogStorageArgs(args);
    } catch (e) {
      throw new pulumi.ResourceError(`PvcLogStorage ${name}: ${(e as Error).message}`, this);
    }
    const claim = new k8s.core.v1.PersistentVolumeClaim(
      `${name}-logs`,
      {
        metadata: {
          name: args.claimName ?? "tekton-results-logs",
          namespace: args.namespace ?? "tekton-pipelines",
          labels: { ...args.labels, "app.kubernetes.io/part-of": "pipeline-service" },
          // WaitForFirstConsumer classes bind only once the Results API pod mounts the claim,
          // which is created after this: don't wait for Bound here.
          annotations: { "pulumi.com/skipAwait": "true" },
        },
        spec: {
          accessModes: ["ReadWriteOnce"],
          storageClassName: args.storageClassName,
          resources: { requests: { storage: args.size ?? "20Gi" } },
        },
      },
      { parent: this, provider: args.provider, protect: args.protect ?? false },
    );
    this.claimName = claim.metadata.name;
    this.namespace = claim.metadata.namespace;
    this.registerOutputs({ claimName: this.claimName, namespace: this.namespace });
  }
}
