// What the stacks of a fleet publish to each other about kcp, and how they read it. All of it is public: the
// home stack exports `kcp` (homeStackOutput(): URLs, CA certificates, and the certificates it signed for each
// region's shard), a region exports `kcpShardRequest` (enrollment.ts: certificate requests, its
// ServiceAccount public key). No key, client credential or kubeconfig crosses stacks; a StackReference's
// state holds every output of the stack it reads, so nothing else may be exported either.
//
// Both reads happen before the FailureDomain is built (infra/program.ts awaits them): what a stack creates
// depends on them (a region whose certificates are not signed yet starts no shard; the home stack signs one
// set per region that has published a request).
import * as pulumi from "@pulumi/pulumi";
import {
  SHARD_CERT_KINDS,
  SHARD_REQUEST_OUTPUT,
  type ShardCertificates,
  type ShardRequest,
  checkShardRequest,
} from "./enrollment";

/** Name of the home stack's output that holds KcpHomeValue. */
export const KCP_HOME_OUTPUT = "kcp";

/** The public facts of the kcp root (every field but `shards` a non-empty string). */
export interface KcpHomeValue {
  frontProxyUrl: string;
  /** The serving CA: what clients of the front-proxy and of every shard trust. */
  caBundle: string;
  clientCaCertPem: string;
  requestHeaderCaCertPem: string;
  /** Where region shards reach the root shard and the cache server. */
  rootShardUrl: string;
  cacheUrl: string;
  /** The certificates signed for each enrolled region shard, by shard name. */
  shards: Record<string, ShardCertificates>;
}

export const KCP_HOME_STRING_KEYS = [
  "frontProxyUrl",
  "caBundle",
  "clientCaCertPem",
  "requestHeaderCaCertPem",
  "rootShardUrl",
  "cacheUrl",
] as const;

/** KcpHomeValue as Root produces it. */
export type KcpHome = { [K in keyof KcpHomeValue]: pulumi.Output<KcpHomeValue[K]> };

/** The home output value checked complete (pure), or an Error naming what is missing and from where. */
export function checkHomeValue(value: unknown, source: string): KcpHomeValue {
  const o = value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {};
  const missing: string[] = KCP_HOME_STRING_KEYS.filter((k) => typeof o[k] !== "string" || o[k] === "");
  const shards = o.shards;
  if (shards === null || typeof shards !== "object") missing.push("shards");
  else
    for (const [name, certs] of Object.entries(shards as Record<string, Record<string, unknown>>))
      for (const kind of SHARD_CERT_KINDS)
        if (typeof certs?.[kind] !== "string" || !certs[kind].includes("BEGIN CERTIFICATE"))
          missing.push(`shards.${name}.${kind}`);
  if (missing.length > 0)
    throw new Error(
      `${source}: output "${KCP_HOME_OUTPUT}" lacks ${missing.join(", ")} (run \`pulumi up\` on the home region first)`,
    );
  return o as unknown as KcpHomeValue;
}

/** The value the home stack exports as `kcp` (public). */
export function homeStackOutput(home: KcpHome): pulumi.Output<KcpHomeValue> {
  return pulumi.output(home) as pulumi.Output<KcpHomeValue>;
}

const QUALIFIED = /^[^/\s]+\/[^/\s]+\/[^/\s]+$/;

/** An output of a stack, read now (a StackReference named by the stack; undefined when it has none). */
export async function readStackOutput(stack: string, output: string): Promise<unknown> {
  if (!QUALIFIED.test(stack))
    throw new Error(`stack ${JSON.stringify(stack)} must be a fully qualified name org/project/stack`);
  const details = await new pulumi.StackReference(stack).getOutputDetails(output);
  return details.value ?? details.secretValue;
}

/** The home stack's kcp facts (`homeStack`: RegionConfig.kcp.homeStack, "org/project/stack"). */
export async function readKcpHome(homeStack: string): Promise<KcpHomeValue> {
  return checkHomeValue(await readStackOutput(homeStack, KCP_HOME_OUTPUT), `home stack ${homeStack}`);
}

/**
 * The requests of the region stacks the home stack signs for (RegionConfig.kcp.regionStacks), each checked;
 * a stack that has published none yet (its first `up` has not run) is left out and named in `pending`.
 */
export async function readShardRequests(
  regionStacks: string[],
): Promise<{ requests: ShardRequest[]; pending: string[] }> {
  const read = await Promise.all(
    regionStacks.map(async (stack) => ({
      stack,
      value: await readStackOutput(stack, SHARD_REQUEST_OUTPUT),
    })),
  );
  const requests: ShardRequest[] = [];
  const pending: string[] = [];
  const owner = new Map<string, string>();
  for (const { stack, value } of read) {
    if (value === undefined) {
      pending.push(stack);
      continue;
    }
    const request = checkShardRequest(value, `region stack ${stack}`, []);
    const other = owner.get(request.shardName);
    if (other)
      throw new Error(
        `region stacks ${other} and ${stack} both request shard ${JSON.stringify(request.shardName)}`,
      );
    owner.set(request.shardName, stack);
    requests.push(request);
  }
  return { requests, pending };
}
