// What the home region's stack publishes about the kcp root, and how another region reads it.
// The home stack exports one output, `kcp` (homeStackOutput()); a region reads it with readKcpHome(), which
// creates a StackReference and returns each field typed: URLs and CA certificates plain, every key,
// client certificate and kubeconfig a Pulumi secret, whatever the reference reported.
import * as pulumi from "@pulumi/pulumi";

/** Name of the home stack's output that holds KcpHome. */
export const KCP_HOME_OUTPUT = "kcp";

/** Public values: URLs and CA certificates. */
export const KCP_HOME_PLAIN_KEYS = [
  "frontProxyUrl",
  "caBundle",
  "clientCaCertPem",
  "requestHeaderCaCertPem",
] as const;

/** Credentials: keys, client certificates and kubeconfigs (always Pulumi secrets). */
export const KCP_HOME_SECRET_KEYS = [
  // Regions sign their own shard's serving and client certificates with the fleet CAs.
  "servingCaKeyPem",
  "clientCaKeyPem",
  // Every shard signs and verifies service-account tokens with the same key.
  "serviceAccountKeyPem",
  // A shard's local proxy presents this (requestheader CA, CN kcp-mounts-proxy) to the front-proxy.
  "mountsProxyCertPem",
  "mountsProxyKeyPem",
  // system:masters on the root shard (--root-shard-kubeconfig-file).
  "rootShardKubeconfig",
  // system:masters on the cache server only (--cache-kubeconfig; a client CA of its own).
  "cacheKubeconfig",
  // system:kcp:logical-cluster-admin on the shards, and its external twin through the front-proxy.
  "logicalClusterAdminKubeconfig",
  "externalLogicalClusterAdminKubeconfig",
  // kcp-admin (group system:kcp:admin) through the front-proxy: what Pulumi's kcp provider uses.
  "adminKubeconfig",
] as const;

export type KcpHomePlainKey = (typeof KCP_HOME_PLAIN_KEYS)[number];
export type KcpHomeSecretKey = (typeof KCP_HOME_SECRET_KEYS)[number];
export type KcpHomeKey = KcpHomePlainKey | KcpHomeSecretKey;

/**
 * The kcp root as every region sees it. `caBundle` is the serving CA: what clients of the front-proxy
 * and of every shard trust.
 */
export type KcpHome = Record<KcpHomeKey, pulumi.Input<string>>;

/** KcpHome as Outputs (what readKcpHome and Root return). */
export type KcpHomeOutputs = Record<KcpHomeKey, pulumi.Output<string>>;

export const KCP_HOME_KEYS: KcpHomeKey[] = [...KCP_HOME_PLAIN_KEYS, ...KCP_HOME_SECRET_KEYS];

/** The missing or non-string fields of a home output value (pure; [] when it is complete). */
export function missingHomeKeys(value: unknown): KcpHomeKey[] {
  const o = value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {};
  return KCP_HOME_KEYS.filter((k) => typeof o[k] !== "string" || o[k] === "");
}

/** The home output value checked complete (pure), or an Error naming what is missing and from where. */
export function checkHomeValue(value: unknown, source: string): Record<KcpHomeKey, string> {
  const missing = missingHomeKeys(value);
  if (missing.length > 0) {
    throw new Error(
      `${source}: output "${KCP_HOME_OUTPUT}" lacks ${missing.join(", ")} (run \`pulumi up\` on the home region first)`,
    );
  }
  return value as Record<KcpHomeKey, string>;
}

/** The value the home stack exports as `kcp` (a secret: it holds credentials). */
export function homeStackOutput(home: KcpHome): pulumi.Output<Record<KcpHomeKey, string>> {
  return pulumi.secret(pulumi.output(home) as pulumi.Output<Record<KcpHomeKey, string>>);
}

/**
 * Splits an output value (e.g. a StackReference's `kcp`) into typed fields, secrets kept secret and
 * public values unwrapped. A value missing fields fails with the names of the missing ones.
 */
export function kcpHomeFromOutput(value: pulumi.Output<unknown>, source: string): KcpHomeOutputs {
  const checked = value.apply((v) => checkHomeValue(v, source));
  const out = {} as KcpHomeOutputs;
  for (const k of KCP_HOME_PLAIN_KEYS) out[k] = pulumi.unsecret(checked.apply((v) => v[k]));
  for (const k of KCP_HOME_SECRET_KEYS) out[k] = pulumi.secret(checked.apply((v) => v[k]));
  return out;
}

/**
 * Reads the home stack's kcp outputs. `homeStack` is the fully qualified stack name
 * (RegionConfig.kcp.homeStack, "org/project/stack"); it is also the StackReference's resource name.
 */
export function readKcpHome(homeStack: string, opts?: pulumi.CustomResourceOptions): KcpHomeOutputs {
  if (!/^[^/\s]+\/[^/\s]+\/[^/\s]+$/.test(homeStack))
    throw new Error(
      `home stack ${JSON.stringify(homeStack)} must be a fully qualified name org/project/stack`,
    );
  const ref = new pulumi.StackReference(homeStack, undefined, opts);
  return kcpHomeFromOutput(ref.getOutput(KCP_HOME_OUTPUT), `home stack ${homeStack}`);
}
