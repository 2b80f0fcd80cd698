// Checksums of what a pod mounts: a pod-template annotation that changes whenever a mounted Secret or
// ConfigMap does, so the workload rolls (kcp and etcd read their certificates and kubeconfigs at start).
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

/** Pod-template annotation: the checksum of the mounted Secrets and ConfigMaps (a change rolls the pods). */
export const CONFIG_CHECKSUM_ANNOTATION = "pipeline-service.dev/config-checksum";

/**
 * SHA-256 over named file sets (Secret or ConfigMap name -> file -> content), independent of key order.
 * It reveals nothing of the keys it covers (their entropy is far beyond a guess), so it is a plain value.
 */
export function configChecksum(sources: Record<string, Record<string, string>>): string {
  const h = createHash("sha256");
  for (const name of Object.keys(sources).sort()) {
    const files = sources[name];
    for (const file of Object.keys(files).sort()) h.update(`${name}/${file}\0${files[file]}\0`);
  }
  return h.digest("hex");
}

/** configChecksum of Outputs: a plain value (see configChecksum), unknown while any input is. */
export function configChecksumOf(
  sources: Record<string, Record<string, pulumi.Input<string>>>,
): pulumi.Output<string> {
  const all = pulumi.output(sources) as pulumi.Output<Record<string, Record<string, string>>>;
  return pulumi.unsecret(all.apply(configChecksum));
}

/** The annotation for a pod template's metadata. */
export function checksumAnnotations(checksum: string | undefined): Record<string, string> | undefined {
  return checksum ? { [CONFIG_CHECKSUM_ANNOTATION]: checksum } : undefined;
}
