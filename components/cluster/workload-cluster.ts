// The contract every workload cluster (EKS, AKS, existing) satisfies, the one place that builds the
// Kubernetes provider for it, and the pure helpers the implementations share (CIDR arithmetic, zone
// distribution, kubeconfig rendering). Everything below the provider factory is pure and engine-free.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";

/** What layer B (platform) needs from a cluster, whatever provisioned it. */
export interface WorkloadCluster {
  /** Kubernetes provider for this cluster; pass it explicitly to every platform resource. */
  provider: k8s.Provider;
  /** The cluster's name as its cloud knows it (EKS/AKS name, or the kubeconfig context for existing). */
  name: pulumi.Output<string>;
  /** The region nodes report in `topology.kubernetes.io/region` (cloud region, or the local region name). */
  region: string;
  /** The zones nodes report in `topology.kubernetes.io/zone`, in configuration order. */
  zones: string[];
  /** Kubeconfig for the cluster (a Pulumi secret). */
  kubeconfig: pulumi.Output<string>;
  /**
   * StorageClass for the platform's volumes (kcp etcd, in-cluster PostgreSQL, Results logs): one the cluster
   * component provisions or names explicitly (EKS gp3 via the EBS CSI driver, AKS managed CSI). Undefined:
   * the cluster's default class (an existing cluster brings its own).
   */
  storageClassName?: string;
}

// ---------------------------------------------------------------------------------------------
// The Kubernetes provider, built so it does not churn.
//
// How pulumi-kubernetes v4 decides provider replacement (provider/pkg/provider/provider.go, DiffConfig):
//  1. if `kubeconfig`, `context` or `cluster` is unknown (computed) at preview, it asks for a REPLACE
//     "to be conservative" - e.g. an EKS update that leaves the endpoint unknown during preview;
//  2. otherwise it parses old and new kubeconfig and asks for a REPLACE when the *active cluster entry*
//     differs at all (server, CA data, proxy-url, tls-server-name, ...) - e.g. an AKS CA rotation or a
//     proxy added in front of the same API server (pulumi-kubernetes#4019, closed as wont-fix);
//  3. BUT when `clusterIdentifier` is set and unchanged, it drops every replace (a deferred reset of
//     `Replaces`), and replaces only when `clusterIdentifier` itself changes.
// The engine replaces every resource whose provider is replaced: one kubeconfig edit would delete and
// recreate every namespace, CRD and Deployment on the cluster. So every provider here gets a
// `clusterIdentifier` that is (a) known at preview whenever the cluster is not being replaced, and (b)
// different when it is: the cloud resource id (EKS name / AKS ARM id, both auto-named, so a replacement
// gets a new id), or for an existing cluster the API server URL (overridable). Credential rotation, CA
// rotation, exec-plugin changes and unknown-at-preview kubeconfigs then become provider *updates*.
// The identifiers err towards "same cluster" on purpose: a false replace deletes our CRDs, and with them
// every PipelineRun on the cluster; a missed one (a cluster recreated at the same URL) is repaired by
// `pulumi refresh` (or `up --refresh`), which finds the objects gone and lets the next update recreate them.
// The provider's logical name is derived only from the component name and it stays a direct child of the
// component: renaming or re-parenting it changes its URN, which is a replacement too (use `aliases`).
// `deleteUnreachable` stays unset: it would silently drop every resource from state whenever the API
// server is merely unreachable (private endpoint seen from outside the VPC, expired VPN); an operator can
// still opt in with PULUMI_K8S_DELETE_UNREACHABLE=true when tearing down a region whose cluster is gone.
// ---------------------------------------------------------------------------------------------

export interface ClusterProviderArgs {
  /** Kubeconfig content; always wrapped as a secret. */
  kubeconfig: pulumi.Input<string>;
  /** Stable identity of the cluster: the provider is replaced only when this changes. */
  clusterIdentifier: pulumi.Input<string>;
  /** Kubeconfig context to use. @default the kubeconfig's current-context */
  context?: pulumi.Input<string>;
}

/** Logical name of a cluster component's Kubernetes provider (part of its URN: never change it). */
export function clusterProviderName(componentName: string): string {
  return `${componentName}-k8s`;
}

/** Creates the cluster's Kubernetes provider as a child of its component (see the comment above). */
export function newClusterProvider(
  componentName: string,
  args: ClusterProviderArgs,
  opts: { parent: pulumi.Resource; dependsOn?: pulumi.Input<pulumi.Resource>[] },
): k8s.Provider {
  return new k8s.Provider(
    clusterProviderName(componentName),
    {
      kubeconfig: pulumi.secret(args.kubeconfig),
      clusterIdentifier: args.clusterIdentifier,
      context: args.context,
      // Pinned so an operator's PULUMI_K8S_ENABLE_SERVER_SIDE_APPLY cannot flip field management between
      // runs; server-side apply is also what large CRDs (Argo CD ApplicationSet) need.
      enableServerSideApply: true,
      // Tekton and Argo CD read their settings from ConfigMaps and Secrets with fixed names and reload them
      // in place: a settings change must be an update, not a delete-and-recreate that leaves a gap.
      enableConfigMapMutable: true,
      enableSecretMutable: true,
    },
    { parent: opts.parent, dependsOn: opts.dependsOn },
  );
}

// ---------------------------------------------------------------------------------------------
// IPv4 CIDR arithmetic (pure).
// ---------------------------------------------------------------------------------------------

export interface Cidr {
  /** Network address as an unsigned 32-bit integer. */
  base: number;
  prefix: number;
}

export function parseCidr(cidr: string): Cidr {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m) throw new Error(`invalid CIDR ${JSON.stringify(cidr)}: expected a.b.c.d/n`);
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) throw new Error(`invalid CIDR ${JSON.stringify(cidr)}`);
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  if (base % blockSize(prefix) !== 0) {
    throw new Error(
      `invalid CIDR ${cidr}: not a network address (did you mean ${formatCidr({ base: base - (base % blockSize(prefix)), prefix })}?)`,
    );
  }
  return { base, prefix };
}

export function formatCidr(c: Cidr): string {
  const o = [24, 16, 8, 0].map((s) => Math.floor(c.base / 2 ** s) % 256);
  return `${o.join(".")}/${c.prefix}`;
}

/** Number of addresses in a block of the given prefix length. */
export function blockSize(prefix: number): number {
  return 2 ** (32 - prefix);
}

/** The index-th block of length `newPrefix` inside `parent`; throws when it does not fit. */
export function subnetOf(parent: Cidr, newPrefix: number, index: number): Cidr {
  if (newPrefix < parent.prefix || newPrefix > 32) {
    throw new Error(`cannot carve a /${newPrefix} out of ${formatCidr(parent)}`);
  }
  const count = 2 ** (newPrefix - parent.prefix);
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new Error(`${formatCidr(parent)} has only ${count} /${newPrefix} blocks (asked for #${index})`);
  }
  return { base: parent.base + index * blockSize(newPrefix), prefix: newPrefix };
}

export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return (
    inner.prefix >= outer.prefix &&
    inner.base >= outer.base &&
    inner.base + blockSize(inner.prefix) <= outer.base + blockSize(outer.prefix)
  );
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + blockSize(b.prefix) && b.base < a.base + blockSize(a.prefix);
}

/** Smallest prefix AWS accepts for a subnet. */
export const AWS_MIN_SUBNET_PREFIX = 28;

export interface ZoneSubnets {
  /** One public subnet per zone (NAT gateways, internet-facing load balancers). */
  public: string[];
  /** One private subnet per zone (nodes, pods with the VPC CNI, internal load balancers). */
  private: string[];
}

/**
 * Carves one public and one private subnet per zone from a VPC CIDR.
 * Layout: the first half of the VPC holds the private subnets (2^k equal slots, k = ceil(log2 zones)), a
 * quarter of the second half holds the public ones (slots 4x smaller), and the rest stays free (e.g.
 * for database subnets). Slots depend only on the zone index and the slot count, so going from 3 to 4
 * zones keeps existing subnets in place; the zone count is otherwise fixed for a region's life.
 */
export function carveZoneSubnets(vpcCidr: string, zoneCount: number): ZoneSubnets {
  if (!Number.isInteger(zoneCount) || zoneCount < 1 || zoneCount > 16) {
    throw new Error(`zone count must be an integer from 1 to 16 (got ${zoneCount})`);
  }
  const vpc = parseCidr(vpcCidr);
  const k = Math.ceil(Math.log2(zoneCount));
  const privatePrefix = vpc.prefix + 1 + k;
  const publicPrefix = vpc.prefix + 3 + k;
  if (publicPrefix > AWS_MIN_SUBNET_PREFIX) {
    throw new Error(
      `${vpcCidr} is too small for ${zoneCount} zones: public subnets would be /${publicPrefix} (AWS allows at most /${AWS_MIN_SUBNET_PREFIX}); use a larger VPC CIDR`,
    );
  }
  const zones = [...Array(zoneCount).keys()];
  return {
    private: zones.map((i) => formatCidr(subnetOf(vpc, privatePrefix, i))),
    // The second half of the VPC starts at slot 2^(k+2) of the /publicPrefix blocks.
    public: zones.map((i) => formatCidr(subnetOf(vpc, publicPrefix, 2 ** (k + 2) + i))),
  };
}

// ---------------------------------------------------------------------------------------------
// Distributing node counts over zones (pure).
// ---------------------------------------------------------------------------------------------

/**
 * Splits `total` over `zoneCount` zones as evenly as possible: shares differ by at most one, the
 * remainder goes to the zones starting at `offset` (rotate it per pool so pools do not all favour the
 * first zone). share(i) counts the integers j < total with j ≡ (i - offset) mod n, so it never decreases
 * as `total` grows: splitting min <= desired <= max keeps every zone's min <= desired <= max.
 */
export function splitAcrossZones(total: number, zoneCount: number, offset = 0): number[] {
  if (!Number.isInteger(total) || total < 0)
    throw new Error(`node count must be a whole number (got ${total})`);
  if (!Number.isInteger(zoneCount) || zoneCount < 1)
    throw new Error(`zone count must be >= 1 (got ${zoneCount})`);
  const base = Math.floor(total / zoneCount);
  const rest = total % zoneCount;
  return [...Array(zoneCount).keys()].map((i) => {
    const slot = (((i - offset) % zoneCount) + zoneCount) % zoneCount;
    return base + (slot < rest ? 1 : 0);
  });
}

export interface ScalingSplit {
  minSize: number;
  maxSize: number;
  desiredSize: number;
}

/** Splits a pool's min/max/desired over zones; zones whose max share is 0 get no node group. */
export function splitPoolAcrossZones(pool: ScalingSplit, zoneCount: number, offset = 0): ScalingSplit[] {
  if (!(pool.minSize <= pool.desiredSize && pool.desiredSize <= pool.maxSize)) {
    throw new Error(`node pool needs minSize <= desiredSize <= maxSize (got ${JSON.stringify(pool)})`);
  }
  const mins = splitAcrossZones(pool.minSize, zoneCount, offset);
  const maxs = splitAcrossZones(pool.maxSize, zoneCount, offset);
  const desireds = splitAcrossZones(pool.desiredSize, zoneCount, offset);
  return mins.map((minSize, i) => ({ minSize, maxSize: maxs[i], desiredSize: desireds[i] }));
}

// ---------------------------------------------------------------------------------------------
// Kubeconfigs (pure).
// ---------------------------------------------------------------------------------------------

export interface EksKubeconfigInput {
  clusterName: string;
  endpoint: string;
  /** Base64 PEM, as EKS returns it in certificateAuthority.data. */
  certificateAuthorityData: string;
  region: string;
  /** AWS CLI profile for `aws eks get-token`. @default the ambient credentials */
  awsProfile?: string;
  /** Role to assume for the token. @default none */
  roleArn?: string;
}

/**
 * A kubeconfig for EKS that fetches short-lived tokens with `aws eks get-token` (no long-lived
 * credential is stored). Deterministic output: same input, same bytes, so no spurious provider diff.
 */
export function renderEksKubeconfig(i: EksKubeconfigInput): string {
  const args = [
    "--region",
    i.region,
    "eks",
    "get-token",
    "--cluster-name",
    i.clusterName,
    "--output",
    "json",
  ];
  if (i.roleArn) args.push("--role-arn", i.roleArn);
  const exec: Record<string, unknown> = {
    apiVersion: "client.authentication.k8s.io/v1beta1",
    command: "aws",
    args,
  };
  if (i.awsProfile) exec.env = [{ name: "AWS_PROFILE", value: i.awsProfile }];
  return stringifyYaml({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: i.clusterName,
        cluster: { server: i.endpoint, "certificate-authority-data": i.certificateAuthorityData },
      },
    ],
    contexts: [{ name: i.clusterName, context: { cluster: i.clusterName, user: i.clusterName } }],
    "current-context": i.clusterName,
    preferences: {},
    users: [{ name: i.clusterName, user: { exec } }],
  });
}

/** kubelogin login modes usable without a browser. */
export type KubeloginMode = "azurecli" | "workloadidentity" | "msi" | "spn" | "devicecode";

/**
 * Decodes the base64 kubeconfig AKS returns (listManagedClusterUserCredentials, format "exec") and
 * sets kubelogin's `--login` mode: AKS defaults to devicecode, which blocks a non-interactive
 * `pulumi up`. Users without a kubelogin exec entry are left unchanged.
 */
export function renderAksKubeconfig(base64Kubeconfig: string, login: KubeloginMode): string {
  const doc = parseYaml(Buffer.from(base64Kubeconfig, "base64").toString("utf8")) as KubeconfigDoc | null;
  if (!doc || typeof doc !== "object" || !Array.isArray(doc.clusters)) {
    throw new Error("AKS returned a kubeconfig without clusters");
  }
  for (const u of doc.users ?? []) {
    const exec = u.user?.exec;
    if (!exec || !String(exec.command ?? "").endsWith("kubelogin") || !Array.isArray(exec.args)) continue;
    const at = exec.args.indexOf("--login");
    if (at >= 0 && at + 1 < exec.args.length) exec.args[at + 1] = login;
    else exec.args.push("--login", login);
  }
  return stringifyYaml(doc);
}

interface KubeconfigDoc {
  clusters?: { name?: string; cluster?: { server?: string } }[];
  contexts?: { name?: string; context?: { cluster?: string; user?: string } }[];
  users?: { name?: string; user?: { exec?: { command?: string; args?: string[] } } }[];
  "current-context"?: string;
}

export interface ActiveCluster {
  context: string;
  cluster: string;
  server: string;
}

/** Resolves the context (given or current) of a kubeconfig to its cluster entry; throws with the reason. */
export function activeCluster(kubeconfig: string, context?: string): ActiveCluster {
  let doc: KubeconfigDoc | null;
  try {
    doc = parseYaml(kubeconfig) as KubeconfigDoc | null;
  } catch (e) {
    throw new Error(`kubeconfig is not valid YAML: ${(e as Error).message}`);
  }
  if (!doc || typeof doc !== "object") throw new Error("kubeconfig is empty");
  const name = context ?? doc["current-context"];
  if (!name) throw new Error("kubeconfig has no current-context and no context was given");
  const ctx = (doc.contexts ?? []).find((c) => c.name === name);
  if (!ctx) {
    const known = (doc.contexts ?? []).map((c) => c.name).join(", ") || "none";
    throw new Error(`kubeconfig has no context ${JSON.stringify(name)} (contexts: ${known})`);
  }
  const clusterName = ctx.context?.cluster;
  const cluster = (doc.clusters ?? []).find((c) => c.name === clusterName);
  if (!clusterName || !cluster?.cluster?.server) {
    throw new Error(`context ${JSON.stringify(name)} points to no cluster with a server URL`);
  }
  return { context: name, cluster: clusterName, server: cluster.cluster.server };
}

// ---------------------------------------------------------------------------------------------
// Zones (pure).
// ---------------------------------------------------------------------------------------------

/**
 * Azure names zones "1", "2", "3"; nodes report them as "<location>-<n>" in topology.kubernetes.io/zone,
 * which is what region config lists (config zones are DNS labels). Accepts both spellings.
 */
export function azureZoneNumbers(location: string, zones: string[]): string[] {
  return zones.map((z) => {
    const m = new RegExp(`^(?:${location}-)?([1-9])$`).exec(z);
    if (!m)
      throw new Error(
        `zone ${JSON.stringify(z)} is not an Azure zone of ${location} (expected ${location}-1, ${location}-2, ...)`,
      );
    return m[1];
  });
}
