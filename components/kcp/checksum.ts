// Checksums of what a kcp or etcd pod mounts: a pod-template annotation that changes whenever a mounted
// Secret or ConfigMap does, so the workload rolls (kcp and etcd read their certificates and kubeconfigs at
// start). The same annotation and checksum as the upstream workloads' patches (../shared/rollout.ts); kcp's
// own workloads are rendered here, so the annotation goes straight into their pod templates.
import * as pulumi from "@pulumi/pulumi";
import { CONTENT_CHECKSUM_ANNOTATION, type Contents, contentChecksum } from "../shared/rollout";

/** Pod-template annotation: the checksum of the mounted Secrets and ConfigMaps (a change rolls the pods). */
export const CONFIG_CHECKSUM_ANNOTATION = CONTENT_CHECKSUM_ANNOTATION;

/**
 * SHA-256 over named file sets (Secret or ConfigMap name -> file -> content), independent of key order.
 * It reveals nothing of the keys it covers (their entropy is far beyond a guess), so it is a plain value.
 */
export const configChecksum: (sources: Contents) => string = contentChecksum;

/** configChecksum of Outputs: a plain value (see configChecksum), unknown while any input is. */
export function configChecksumOf(
  sources: Record<string, Record<string, pulumi.Input<string>>>,
): pulumi.Output<string> {
  const all = pulumi.output(sources) as pulumi.Output<Contents>;
  return pulumi.unsecret(all.apply(configChecksum));
}

/** The annotation for a pod template's metadata. */
export function checksumAnnotations(checksum: string | undefined): Record<string, string> | undefined {
  return checksum ? { [CONFIG_CHECKSUM_ANNOTATION]: checksum } : undefined;
}
