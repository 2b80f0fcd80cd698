// How a region's shard gets its kcp certificates without the fleet's keys. The region keeps its private
// keys and publishes certificate requests and its ServiceAccount public key (stack output
// `kcpShardRequest`); the home stack reads each region's request (`kcp.regionStacks`), checks that every
// request asks exactly for the identity this table gives it, signs it with the fleet CAs (ShardEnrollment)
// and publishes the certificates in its `kcp` output (`shards.<shardName>`); the region's next `up` mounts
// them. Nothing secret crosses stacks in either direction. The home region's own shard is signed in the
// home stack directly (Root.signer).
//
// A region's first `up` therefore publishes its request and starts no shard; `pulumi up` of the home stack
// signs it; the region's second `up` starts the shard (ops/rollout.ts runs that sequence).
import * as crypto from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { csrNames } from "../shared/csr";
import { type LeafPurpose, signRequest } from "../shared/pki";
import { KCP_GROUPS } from "./kubeconfig";
import { shardObjectName } from "./names";
import type { SigningCa } from "./pki";

/** Name of a region stack's output that holds its ShardRequest. */
export const SHARD_REQUEST_OUTPUT = "kcpShardRequest";

/** The certificates a shard itself mounts. */
export const SHARD_OWN_KINDS = [
  "server",
  "shard-client",
  "mounts-proxy",
  "cache-client",
  "logical-cluster-admin",
  "external-logical-cluster-admin",
] as const;

/** Everything a region is issued: its shard's certificates and its stack's own kcp admin (`admin`). */
export const SHARD_CERT_KINDS = [...SHARD_OWN_KINDS, "admin"] as const;
export type ShardCertKind = (typeof SHARD_CERT_KINDS)[number];

/** The fleet CAs (Root's): serving, client, requestheader, and the cache server's own client CA. */
export type FleetCaName = "serving" | "client" | "requestHeader" | "cacheClient";

export interface ShardCertSpec {
  ca: FleetCaName;
  commonName: string;
  /** The one O= (group) the certificate carries, if any. */
  organization?: string;
  uses: LeafPurpose[];
}

/**
 * What each certificate of shard `shardName` is: the CA that signs it and the identity it carries (pure).
 * The region requests exactly this, and the home stack signs nothing else.
 */
export function shardCertSpecs(shardName: string): Record<ShardCertKind, ShardCertSpec> {
  const client = (ca: FleetCaName, commonName: string, organization?: string): ShardCertSpec => ({
    ca,
    commonName,
    organization,
    uses: ["client_auth"],
  });
  return {
    // Served to the front-proxy and the other shards (SANs: the shard's hosts, checked below).
    server: { ca: "serving", commonName: shardObjectName(shardName), uses: ["server_auth"] },
    // The shard's identity towards the root shard and other shards (as kcp's sharded-test-server issues it).
    "shard-client": client("client", `kcp-shard-${shardName}`, KCP_GROUPS.masters),
    // The shard's local proxy re-enters the front-proxy with identity headers (requestheader CA).
    "mounts-proxy": client("requestHeader", "kcp-mounts-proxy"),
    // The cache server authorizes system:masters only; its client CA opens nothing else.
    "cache-client": client("cacheClient", `kcp-shard-${shardName}`, KCP_GROUPS.masters),
    "logical-cluster-admin": client(
      "client",
      `logical-cluster-admin-${shardName}`,
      KCP_GROUPS.logicalClusterAdmin,
    ),
    "external-logical-cluster-admin": client(
      "client",
      `external-logical-cluster-admin-${shardName}`,
      KCP_GROUPS.externalLogicalClusterAdmin,
    ),
    // The region stack's own kcp-admin identity (its Pulumi kcp provider, through the front-proxy).
    admin: client("client", `pipeline-service-${shardName}`, KCP_GROUPS.admin),
  };
}

/** What a region publishes (all public): a request per certificate and its ServiceAccount public key. */
export interface ShardRequest {
  shardName: string;
  certificateRequests: Record<ShardCertKind, string>;
  serviceAccountPublicKeyPem: string;
}

/** What the home stack publishes back for a shard: each certificate, PEM. */
export type ShardCertificates = Record<ShardCertKind, string>;

const lower = (s: string) => s.toLowerCase();

/**
 * A region's published request, checked (pure): every certificate request asks for exactly its identity in
 * shardCertSpecs (CN, O, no other subject attribute; a client certificate no SAN), the serving request names
 * none of `reservedHosts` (the root's hosts and the other shards' serving names), and the ServiceAccount key
 * is a public key. An Error names the stack, the certificate and what is wrong (never a key).
 */
export function checkShardRequest(value: unknown, source: string, reservedHosts: string[]): ShardRequest {
  const fail = (what: string) => {
    throw new Error(`${source}: output "${SHARD_REQUEST_OUTPUT}" ${what}`);
  };
  const o = (value !== null && typeof value === "object" ? value : {}) as Partial<ShardRequest>;
  if (typeof o.shardName !== "string" || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(o.shardName))
    fail("has no shardName (a DNS label)");
  const shardName = o.shardName!;
  const specs = shardCertSpecs(shardName);
  const reserved = new Set(reservedHosts.map(lower));
  for (const kind of SHARD_CERT_KINDS) {
    const pem = o.certificateRequests?.[kind];
    if (typeof pem !== "string") fail(`lacks the ${kind} certificate request`);
    let names: ReturnType<typeof csrNames>;
    try {
      names = csrNames(pem!);
    } catch (e) {
      return fail(`${kind}: ${(e as Error).message}`) as never;
    }
    const spec = specs[kind];
    const want = `CN=${spec.commonName}${spec.organization ? `, O=${spec.organization}` : ""}`;
    const got = `CN=${names.commonName ?? ""}${names.organizations.map((g) => `, O=${g}`).join("")}`;
    if (got !== want || names.otherSubjectOids.length > 0)
      fail(
        `${kind}: requests ${JSON.stringify(got)}${names.otherSubjectOids.length ? " with other attributes" : ""}, not ${JSON.stringify(want)}`,
      );
    const sans = [...names.dnsNames, ...names.ipAddresses];
    if (!spec.uses.includes("server_auth")) {
      if (sans.length > 0 || names.otherSanTags.length > 0) fail(`${kind}: a client certificate names hosts`);
    } else {
      if (names.otherSanTags.length > 0) fail(`${kind}: only DNS and IP names may be requested`);
      const taken = sans.filter((h) => reserved.has(lower(h)));
      if (taken.length > 0)
        fail(`${kind}: requests ${taken.join(", ")}, which another kcp server answers at`);
      // In-cluster names: only its own Service's (another cluster's kcp Services have other names).
      const own = shardObjectName(shardName);
      const foreign = sans.filter((h) => isInClusterName(h) && lower(h).split(".")[0] !== own);
      if (foreign.length > 0) fail(`${kind}: requests ${foreign.join(", ")}, not its own Service's name`);
    }
  }
  const pub = o.serviceAccountPublicKeyPem;
  let isPublic = false;
  try {
    isPublic =
      typeof pub === "string" &&
      pub.includes("PUBLIC KEY") &&
      crypto.createPublicKey(pub).asymmetricKeyType === "rsa";
  } catch {
    isPublic = false;
  }
  if (!isPublic) fail("has no serviceAccountPublicKeyPem (an RSA public key, PEM)");
  return o as ShardRequest;
}

/**
 * The names a request's serving certificate asks for that are reached from outside its cluster (pure):
 * loopback and in-cluster Service names (no dot, `.svc`, `.svc.cluster.local`) are every server's own.
 */
export function externalServerNamesOf(request: ShardRequest): string[] {
  const names = csrNames(request.certificateRequests.server);
  return [...names.dnsNames, ...names.ipAddresses].filter(
    (n) => !isInClusterName(n) && !LOOPBACK.includes(n),
  );
}

const LOOPBACK = ["localhost", "127.0.0.1", "0:0:0:0:0:0:0:1"];

/** A Service's in-cluster DNS name: `<svc>`, `….svc`, `….svc.cluster.local` (not loopback, not an IP). */
function isInClusterName(name: string): boolean {
  if (LOOPBACK.includes(name) || /^[0-9.]+$/.test(name) || name.includes(":")) return false;
  return !name.includes(".") || /\.svc(\.cluster\.local)?$/.test(name);
}

/** The home region's own shard signs with the fleet CAs directly (Root.signer, never exported). */
export interface ShardSigner {
  cas: Record<FleetCaName, SigningCa>;
  /** The root's ServiceAccount key: the home region's shard signs tokens with it. */
  serviceAccountKeyPem: pulumi.Input<string>;
}

export interface ShardEnrollmentArgs {
  /** The region's request (read with readShardRequests, which checks all but the reserved hosts). */
  request: ShardRequest;
  /** Hosts the serving certificate may not name: the root's servers' and the other shards'. */
  reservedHosts: pulumi.Input<string[]>;
  /** The fleet CAs, with their keys. */
  cas: Record<FleetCaName, SigningCa>;
  /** Validity of each certificate; renewed in the last quarter. */
  certValidityHours: number;
}

/** The home stack's signature on one region shard's requests: a certificate per ShardCertKind. */
export class ShardEnrollment extends pulumi.ComponentResource {
  public readonly certificates: pulumi.Output<ShardCertificates>;

  constructor(name: string, args: ShardEnrollmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pipeline-service:kcp:ShardEnrollment", name, { shardName: args.request.shardName }, opts);
    const specs = shardCertSpecs(args.request.shardName);
    // Checked again with the hosts known only now (load balancers); nothing is signed before it passes.
    const checked = pulumi
      .output(args.reservedHosts)
      .apply((hosts) => checkShardRequest(args.request, `shard ${args.request.shardName}`, hosts));
    const certs = {} as Record<ShardCertKind, pulumi.Output<string>>;
    for (const kind of SHARD_CERT_KINDS) {
      const spec = specs[kind];
      const ca = args.cas[spec.ca];
      certs[kind] = signRequest(
        `${name}-${kind}`,
        {
          ca: { certPem: ca.cert, keyPem: ca.key },
          purposes: spec.uses,
          validityHours: args.certValidityHours,
          certRequestPem: checked.apply((r) => r.certificateRequests[kind]),
        },
        { parent: this },
      ).certPem;
    }
    this.certificates = pulumi.output(certs) as pulumi.Output<ShardCertificates>;
    this.registerOutputs({ certificates: this.certificates });
  }
}
