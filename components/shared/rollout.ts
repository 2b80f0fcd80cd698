// Rotation reaches pods: a workload that reads a Secret or ConfigMap we manage only at start (env, or files
// it loads once) must restart when that content changes. The usual answer is a checksum annotation on the
// pod template; here the workloads come from upstream releases applied as ConfigGroups, whose objects must
// stay known at preview (a ConfigGroup with an unknown input registers nothing, and its children would
// preview as deletes), while a renewed certificate is unknown until it is made. So the annotation is
// applied by a separate server-side-apply patch that owns only that one field: an unknown checksum is an
// unknown on that patch alone, and a changed one rolls the workload like `kubectl rollout restart`.
// On a first `up` the patch lands right after the release, so the workload rolls once more then.
import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** Pod-template annotation holding the checksum of the content a workload reads at start. */
export const CONTENT_CHECKSUM_ANNOTATION = "pipeline-service.dev/content-checksum";

/** Named contents (e.g. a Secret's data): name → key → value. */
export type Contents = Record<string, Record<string, string>>;

/**
 * SHA-256 over named contents, independent of key order; every name, key and value is length-prefixed,
 * so no two different inputs hash alike.
 */
export function contentChecksum(contents: Contents): string {
  const h = createHash("sha256");
  const put = (s: string) => h.update(`${Buffer.byteLength(s)}:${s};`);
  for (const name of Object.keys(contents).sort()) {
    const c = contents[name];
    put(name);
    put(String(Object.keys(c).length));
    for (const k of Object.keys(c).sort()) {
      put(k);
      put(c[k]);
    }
  }
  return h.digest("hex");
}

export interface RollOnChangeArgs {
  provider: k8s.Provider;
  kind: "Deployment" | "StatefulSet";
  namespace: string;
  /** The workload's metadata.name. */
  workload: string;
  /** What the workload reads at start; a secret when any part is. */
  contents: Record<string, Record<string, pulumi.Input<string>>>;
  /** The resources that create the workload (its release): the patch needs the object to exist. */
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** The checksum of `contents` as an Output (secret when any input is). */
export function checksumOutput(contents: RollOnChangeArgs["contents"]): pulumi.Output<string> {
  return pulumi.output(contents).apply((c) => contentChecksum(c as Contents));
}

/**
 * Patches `CONTENT_CHECKSUM_ANNOTATION` into a workload's pod template (server-side apply, its own field
 * manager: the release's apply neither sees nor removes it).
 */
export function rollOnChange(
  name: string,
  args: RollOnChangeArgs,
  parent: pulumi.Resource,
): k8s.apps.v1.DeploymentPatch | k8s.apps.v1.StatefulSetPatch {
  const patch = {
    metadata: { name: args.workload, namespace: args.namespace },
    spec: {
      template: {
        metadata: { annotations: { [CONTENT_CHECKSUM_ANNOTATION]: checksumOutput(args.contents) } },
      },
    },
  };
  const opts = { parent, provider: args.provider, dependsOn: args.dependsOn };
  return args.kind === "Deployment"
    ? new k8s.apps.v1.DeploymentPatch(name, patch, opts)
    : new k8s.apps.v1.StatefulSetPatch(name, patch, opts);
}
