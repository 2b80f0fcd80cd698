// Typed, validated stack configuration for one region (one failure domain).
// Pure: parseRegionConfig() turns raw stack config into a RegionConfig or throws a ConfigError that
// names every bad key, its value and what is allowed — before any resource is registered. Every rule a
// component or a cloud API would enforce later is checked here; the comment next to a cloud limit names
// the documentation page or API reference it comes from (docs/config-validation.md lists them all).
import { z } from "zod";
import type { AksClusterConfig as AksClusterShape } from "../components/cluster/aks";
import type { EksClusterConfig as EksClusterShape } from "../components/cluster/eks";
import type { ExistingClusterConfig as ExistingClusterShape } from "../components/cluster/existing";
import type { RegionConfig as RegionShape } from "../components/region-config";
import { type TektonSettingsCatalog, tektonSettingsCatalog } from "./tekton-flags";
import { PIPELINES_VERSIONS } from "../components/tekton/pipelines";

export const PROJECT = "pipeline-service";

const dnsLabel = z
  .string()
  .regex(/^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$/, "a lowercase DNS label of at most 32 characters (a-z, 0-9, -)");

// ---- IPv4 CIDRs (pure). ----

export interface Ipv4Cidr {
  /** Network address as an unsigned 32-bit integer. */
  base: number;
  prefix: number;
}

/** a.b.c.d/n with octets <= 255 and n <= 32 (host bits allowed), else undefined. */
export function parseIpv4Cidr(s: string): Ipv4Cidr | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(s);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (
    octets.some((o) => o > 255) ||
    prefix > 32 ||
    m.slice(1, 6).some((p) => p.length > 1 && p.startsWith("0"))
  )
    return undefined;
  return { base: octets.reduce((a, o) => a * 256 + o, 0), prefix };
}

export function formatIpv4Cidr(c: Ipv4Cidr): string {
  return `${[24, 16, 8, 0].map((sh) => Math.floor(c.base / 2 ** sh) % 256).join(".")}/${c.prefix}`;
}

/** The network a CIDR with host bits set lies in (10.0.0.1/16 -> 10.0.0.0/16). */
export function networkOf(c: Ipv4Cidr): Ipv4Cidr {
  const size = 2 ** (32 - c.prefix);
  return { base: c.base - (c.base % size), prefix: c.prefix };
}

export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return a.base < b.base + 2 ** (32 - b.prefix) && b.base < a.base + 2 ** (32 - a.prefix);
}

/**
 * An IPv4 network in CIDR form: the address must be the network's own (no host bits), as every consumer
 * here requires (the EKS/AKS components carve subnets from it; the cloud APIs reject or silently mask
 * host bits).
 */
const cidr = z.string().superRefine((s, ctx) => {
  const c = parseIpv4Cidr(s);
  if (!c) ctx.addIssue({ code: "custom", message: "an IPv4 CIDR such as 10.0.0.0/16" });
  else if (networkOf(c).base !== c.base)
    ctx.addIssue({
      code: "custom",
      message: `a network address (host bits are set; did you mean ${formatIpv4Cidr(networkOf(c))}?)`,
    });
});

/** A list whose order means nothing: entries must be distinct (it is sorted after validation). */
function distinct<T extends z.ZodType<string>>(item: T, what: string) {
  return z.array(item).superRefine((a, ctx) => {
    a.forEach((v, i) => {
      const first = a.indexOf(v);
      if (first !== i)
        ctx.addIssue({
          code: "custom",
          path: [i],
          message: `distinct ${what} (${JSON.stringify(v)} is also entry ${first})`,
        });
    });
  });
}

// ---- Host names and Kubernetes names (pure). ----

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * An RFC 1123 host name: dot-separated labels of 1-63 letters, digits and inner hyphens, at most 253
 * characters, whose last label is not all digits (that would be a malformed IPv4 address).
 */
export function isHostname(s: string, lowercaseOnly = false): boolean {
  const label = lowercaseOnly
    ? /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/
    : /^[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?$/;
  const labels = s.split(".");
  return s.length <= 253 && labels.every((l) => label.test(l)) && !/^\d+$/.test(labels[labels.length - 1]);
}

export function isIpv4(s: string): boolean {
  return IPV4.test(s);
}

/**
 * A Kubernetes object name that must be a DNS-1123 subdomain (StorageClass, among others): at most 253
 * characters, lowercase alphanumeric labels with inner '-', separated by '.'.
 * Source: Kubernetes docs, "Object Names and IDs" (DNS Subdomain Names).
 */
const dnsSubdomain = z
  .string()
  .refine(
    (s) => s.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(s),
    "a DNS-1123 subdomain of at most 253 characters (lowercase a-z, 0-9, '-' and '.'), e.g. gp3 or managed-csi",
  );

// ---- Kubernetes quantities (pure). ----

/**
 * The quantity forms every consumer of these values accepts (Kubernetes' grammar without exponents and
 * without the P/E suffixes, which no size here needs): 10Gi, 500M, 1.5Gi, 250m, 8.
 * Source: Kubernetes API reference, "Quantity" (resource.Quantity serialization format).
 */
const QUANTITY = /^(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/;
const MULTIPLIER: Record<string, number> = {
  "": 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** The value of a quantity (in bytes or cores), or undefined when it is not one. */
export function quantityValue(s: string): number | undefined {
  const m = QUANTITY.exec(s);
  return m ? Number(m[1]) * MULTIPLIER[m[2] ?? ""] : undefined;
}

/** A size in bytes: a quantity above zero that is a whole number of bytes. */
function byteQuantity(example: string) {
  return z.string().refine((s) => {
    const v = quantityValue(s);
    return v !== undefined && v >= 1 && Math.abs(v - Math.round(v)) < 1e-6;
  }, `a size above zero such as ${example}, 500M or 1.5Gi (a Kubernetes quantity of whole bytes)`);
}

/** CPU: a quantity above zero that is a whole number of millicores (what the API server keeps). */
const cpuQuantity = z.string().refine((s) => {
  const v = quantityValue(s);
  return v !== undefined && v > 0 && Math.abs(v * 1000 - Math.round(v * 1000)) < 1e-6;
}, "a CPU quantity above zero such as 8, 1.5 or 500m (whole millicores)");

const kubernetesVersion = z
  .string()
  .regex(/^1\.(2[89]|3\d)$/, "a Kubernetes minor version from 1.28 to 1.39, e.g. 1.34");
// Checked per cloud in the region rules (the limits differ between AWS and Azure).
const tags = z.record(z.string(), z.string());
const zones = z
  .array(dnsLabel)
  .min(1, "at least one zone")
  .refine((a) => new Set(a).size === a.length, {
    message: "distinct zone names",
  });

/**
 * EC2 instance type names: family "." size, where the family and the size may carry a hyphenated part
 * (m7i-flex.large, u-6tb1.metal, c7i.metal-24xl). Source: Amazon EC2 User Guide, "Amazon EC2 instance
 * type naming conventions".
 */
const EC2_INSTANCE_TYPE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*\.[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * Graviton (arm64) families carry a "g" after the generation digit (m7g, c6gn, r8gd, t4g); the EKS
 * component picks the node AMI by the same rule, and a node group has one AMI type.
 * Source: Amazon EKS API reference, CreateNodegroup (amiType: one per node group).
 */
export function isArmInstanceType(instanceType: string): boolean {
  return /^[a-z]+\d+g[a-z]*[.-]/.test(instanceType);
}

const eksNodePool = z
  .object({
    name: dnsLabel,
    instanceTypes: distinct(
      z.string().regex(EC2_INSTANCE_TYPE, "an EC2 instance type such as m6i.large or m7i-flex.large"),
      "instance types",
    ).min(1, "at least one instance type"),
    // Source: Amazon EKS API reference, NodegroupScalingConfig (minSize >= 0, maxSize >= 1, desiredSize >= 0);
    // 100 per pool is this project's ceiling (the cluster autoscaler's budget), not AWS's.
    minSize: z.number().int().min(0).max(100),
    maxSize: z.number().int().min(1, "at least 1 (a node group needs room for one node)").max(100),
    desiredSize: z.number().int().min(0).max(100),
    // Source: Amazon EKS API reference, CreateNodegroup diskSize (GiB); 20 is the AL2023 AMI's root volume.
    diskSizeGb: z.number().int().min(20).max(2000).default(100),
  })
  .strict()
  .refine((p) => p.minSize <= p.desiredSize && p.desiredSize <= p.maxSize, {
    message: "minSize <= desiredSize <= maxSize",
  })
  .refine((p) => new Set(p.instanceTypes.map(isArmInstanceType)).size <= 1, {
    message: "instance types of one CPU architecture (a node group has one AMI: arm64 Graviton or x86_64)",
    path: ["instanceTypes"],
  });

/** Pool names must be unique within a list (each pool is a node group / agent pool of that name). */
function uniqueNames(
  pools: { name: string }[],
  path: PropertyKey[],
  ctx: z.RefinementCtx,
  others: string[] = [],
) {
  pools.forEach((p, i) => {
    const first = pools.findIndex((q) => q.name === p.name);
    if (others.includes(p.name) || first !== i)
      ctx.addIssue({
        code: "custom",
        path: [...path, i, "name"],
        message: `a pool name unique in the cluster (${first !== i ? `${path.join(".")}[${first}]` : "the system pool"} has it too)`,
      });
  });
}

const aksPool = z
  .object({
    // Source: AKS docs, "Create node pools" (Linux pool names: 1-12 lowercase letters and digits, a letter first).
    name: z
      .string()
      .regex(/^[a-z][a-z0-9]{0,11}$/, "an AKS pool name: lowercase letters and digits, at most 12"),
    vmSize: z.string().regex(/^Standard_[A-Za-z0-9_]+$/, "an Azure VM size such as Standard_D4s_v5"),
    // Source: AKS docs, "Cluster autoscaler" (user pools may scale to 0; system pools need 1, checked
    // below) and "Quotas, virtual machine size restrictions" (1000 nodes per pool).
    minCount: z.number().int().min(0).max(1000),
    maxCount: z.number().int().min(1).max(1000),
  })
  .strict()
  .refine((p) => p.minCount <= p.maxCount, { message: "minCount <= maxCount" });

/** Upper bound of public-endpoint CIDRs. Source: Amazon EKS User Guide, "Cluster API server endpoint" (40). */
export const EKS_MAX_PUBLIC_ACCESS_CIDRS = 40;
/** Source: AKS docs, "Secure access to the API server using authorized IP address ranges" (200 ranges). */
export const AKS_MAX_AUTHORIZED_IP_RANGES = 200;

const iamPrincipalArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]{1,512}$/,
    "an IAM role or user ARN such as arn:aws:iam::123456789012:role/ci",
  );
const entraPrincipal = z
  .object({
    objectId: z.string().uuid("an Entra ID object id (UUID)"),
    type: z.enum(["User", "Group", "ServicePrincipal"]).default("Group"),
  })
  .strict();

export const awsClusterSchema = z
  .object({
    kind: z.literal("eks"),
    region: z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, "an AWS region such as us-east-1"),
    kubernetesVersion,
    // Source: Amazon VPC User Guide, "VPC CIDR blocks" (IPv4 block size between /16 and /28).
    vpcCidr: cidr
      .refine((s) => {
        const p = parseIpv4Cidr(s)?.prefix ?? 16;
        return p >= 16 && p <= 28;
      }, "a prefix from /16 to /28 (what AWS allows for a VPC)")
      .default("10.0.0.0/16"),
    natGateways: z.enum(["perZone", "single"]).default("perZone"),
    endpointPublicAccess: z.boolean().default(false),
    publicAccessCidrs: distinct(cidr, "CIDRs")
      .max(EKS_MAX_PUBLIC_ACCESS_CIDRS, `at most ${EKS_MAX_PUBLIC_ACCESS_CIDRS} CIDRs (the EKS limit)`)
      .default([]),
    /** Networks outside the VPC (CI runners, VPN, bastion) allowed to the private endpoint. */
    privateAccessCidrs: z.array(cidr).default([]),
    /** IAM role/user ARNs given cluster admin through EKS access entries (not the cluster's creator). */
    adminPrincipalArns: z.array(iamPrincipalArn).default([]),
    /** IAM role/user ARNs CI runs `pulumi up` as (cluster admin; not the cluster's creator). */
    ciPrincipalArns: z.array(iamPrincipalArn).default([]),
    authenticationMode: z.enum(["API", "API_AND_CONFIG_MAP"]).default("API"),
    nodePools: z.array(eksNodePool).min(1, "at least one node pool"),
  })
  .strict()
  .refine(
    (c) =>
      !c.endpointPublicAccess ||
      (c.publicAccessCidrs.length > 0 && !c.publicAccessCidrs.includes("0.0.0.0/0")),
    {
      message: "a non-empty allow-list without 0.0.0.0/0 (endpointPublicAccess is true)",
      path: ["publicAccessCidrs"],
    },
  )
  .refine((c) => !c.privateAccessCidrs.includes("0.0.0.0/0"), {
    message: "networks that reach the private endpoint, without 0.0.0.0/0",
    path: ["privateAccessCidrs"],
  })
  .superRefine((c, ctx) => uniqueNames(c.nodePools, ["nodePools"], ctx));

/**
 * The pod and service CIDRs the AKS component uses (Azure CNI Overlay): the VNet must overlap neither.
 * Source: AKS docs, "Configure Azure CNI Overlay networking" (the pod CIDR must not overlap the VNet) and
 * "Azure CNI" (the service CIDR must not be used by any network element on or connected to the VNet).
 */
export const AKS_POD_CIDR = "10.244.0.0/16";
export const AKS_SERVICE_CIDR = "172.16.0.0/16";

export const azureClusterSchema = z
  .object({
    kind: z.literal("aks"),
    location: z.string().regex(/^[a-z]+[a-z0-9]*$/, "an Azure location such as westeurope"),
    kubernetesVersion,
    // The AKS component carves the system, user and database subnets out of it: /24 or larger.
    vnetCidr: cidr
      .refine(
        (s) => (parseIpv4Cidr(s)?.prefix ?? 0) <= 24,
        "a prefix of /24 or larger (room for the node and database subnets)",
      )
      .refine((s) => {
        const v = parseIpv4Cidr(s);
        return !v || ![AKS_POD_CIDR, AKS_SERVICE_CIDR].some((o) => cidrsOverlap(v, parseIpv4Cidr(o)!));
      }, `a range overlapping neither the pod CIDR ${AKS_POD_CIDR} nor the service CIDR ${AKS_SERVICE_CIDR}`)
      .default("10.1.0.0/16"),
    privateCluster: z.boolean().default(true),
    authorizedIpRanges: distinct(cidr, "CIDRs")
      .max(AKS_MAX_AUTHORIZED_IP_RANGES, `at most ${AKS_MAX_AUTHORIZED_IP_RANGES} ranges (the AKS limit)`)
      .default([]),
    // Entra ID object ids are GUIDs (any version).
    adminGroupObjectIds: distinct(
      z
        .string()
        .regex(
          /^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$/,
          "an Entra ID group object id (a GUID)",
        ),
      "group ids",
    ).min(1, "at least one admin group"),
    systemPool: aksPool.refine((p) => p.minCount >= 1, {
      message: "minCount >= 1 (a system pool cannot scale to zero)",
      path: ["minCount"],
    }),
    userPools: z.array(aksPool).default([]),
    /** Entra ID principals given "Azure Kubernetes Service RBAC Cluster Admin" on the cluster. */
    adminPrincipals: z.array(entraPrincipal).default([]),
    /** Principals CI runs `pulumi up` as (cluster admin + Cluster User for the kubeconfig). */
    ciPrincipals: z.array(entraPrincipal).default([]),
    // Source: Azure Monitor docs, "Manage data retention in a Log Analytics workspace" (30-730 days).
    logRetentionDays: z.number().int().min(30).max(730).default(30),
  })
  .strict()
  .refine(
    (c) =>
      c.privateCluster || (c.authorizedIpRanges.length > 0 && !c.authorizedIpRanges.includes("0.0.0.0/0")),
    {
      message: "a non-empty allow-list without 0.0.0.0/0 (privateCluster is false)",
      path: ["authorizedIpRanges"],
    },
  )
  .superRefine((c, ctx) => {
    uniqueNames(c.userPools, ["userPools"], ctx, [c.systemPool.name]);
  });

export const existingClusterSchema = z
  .object({
    kind: z.literal("existing"),
    /** Path to a kubeconfig file; its content is read at run time and kept as a Pulumi secret. */
    kubeconfigPath: z.string().min(1),
    context: z.string().min(1).optional(),
  })
  .strict();

const clusterSchema = z.discriminatedUnion("kind", [
  awsClusterSchema,
  azureClusterSchema,
  existingClusterSchema,
]);

/** Source: Amazon RDS User Guide, "Supported PostgreSQL major versions" (13 is the oldest RDS still runs). */
export const RDS_POSTGRES_MAJORS = [13, 14, 15, 16, 17, 18];
/**
 * Storage sizes of an Azure Database for PostgreSQL flexible server on Premium SSD (P4 ... P70); other
 * sizes are refused by the API. The AKS/Azure component caps at 16 TiB (P80, 32 TiB, is not offered here).
 * Source: Azure Database for PostgreSQL docs, "Storage options" (Premium SSD disk sizes).
 */
export const AZURE_POSTGRES_STORAGE_TIERS_GB = [32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384];

const databaseSchema = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("rds"),
      // Source: Amazon RDS User Guide, "DB instance classes" (db.<family>.<size>).
      instanceClass: z
        .string()
        .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, "an RDS instance class such as db.m6g.large"),
      engineVersion: z
        .string()
        .regex(/^\d+(\.\d+)?$/, "a PostgreSQL major or major.minor version such as 16")
        .refine(
          (v) => RDS_POSTGRES_MAJORS.includes(Number(v.split(".")[0])),
          `a PostgreSQL major version RDS supports: ${RDS_POSTGRES_MAJORS.join(", ")} (optionally with a minor, e.g. 16.4)`,
        ),
      // Source: Amazon RDS User Guide, "Amazon RDS DB instance storage" (gp3, PostgreSQL: 20 GiB-64 TiB).
      allocatedStorageGb: z.number().int().min(20).max(65536).default(50),
      // Source: Amazon RDS API reference, CreateDBInstance BackupRetentionPeriod (0-35; below 7 is our policy).
      backupRetentionDays: z.number().int().min(7, "at least 7 days of backups").max(35).default(14),
      multiAz: z.boolean().default(true),
    })
    .strict(),
  z
    .object({
      kind: z.literal("azure-postgres"),
      // Source: Azure Database for PostgreSQL docs, "Compute options" (Burstable, General Purpose, Memory Optimized).
      skuName: z
        .string()
        .regex(/^(GP|MO|B)_Standard_[A-Za-z0-9_]+$/, "a flexible-server SKU such as GP_Standard_D2ds_v5"),
      // Source: Azure Database for PostgreSQL docs, "Supported versions of PostgreSQL".
      version: z.enum(["14", "15", "16", "17"]),
      storageSizeGb: z
        .number()
        .int()
        .refine(
          (n) => AZURE_POSTGRES_STORAGE_TIERS_GB.includes(n),
          `a storage tier in GiB: ${AZURE_POSTGRES_STORAGE_TIERS_GB.join(", ")}`,
        )
        .default(64),
      // Source: Azure Database for PostgreSQL docs, "Backup and restore" (7-35 days).
      backupRetentionDays: z.number().int().min(7, "at least 7 days of backups").max(35).default(14),
      zoneRedundant: z.boolean().default(true),
    })
    .strict()
    // Source: Azure Database for PostgreSQL docs, "High availability" (not supported in the Burstable tier).
    .refine((d) => !(d.zoneRedundant && d.skuName.startsWith("B_")), {
      message:
        "zoneRedundant: false with a Burstable (B_) SKU, or a GP_/MO_ SKU (Azure offers no high availability on Burstable)",
      path: ["zoneRedundant"],
    }),
  z
    .object({
      kind: z.literal("in-cluster"),
      storageSize: byteQuantity("10Gi").default("10Gi"),
      storageClassName: dnsSubdomain.optional(),
    })
    .strict(),
  z
    .object({
      /** A PostgreSQL the region does not manage (a user's own server; locally, local/env.sh's). */
      kind: z.literal("external"),
      host: z
        .string()
        .refine(
          (h) => isIpv4(h) || isHostname(h),
          "a host name (labels of 1-63 letters, digits and inner hyphens, at most 253 characters) or an IPv4 address, such as db.example.com",
        ),
      port: z.number().int().min(1).max(65535).default(5432),
      // Source: PostgreSQL docs, "Identifiers and Key Words" (at most 63 bytes).
      database: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "a PostgreSQL database name (a-z, 0-9, _)"),
      user: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "a PostgreSQL role name (a-z, 0-9, _)"),
      /** The password is the secret config key resultsDatabasePassword. */
      sslmode: z.enum(["disable", "require", "verify-ca", "verify-full"]).default("require"),
    })
    .strict(),
]);

const logsSchema = z.discriminatedUnion("kind", [
  // Source: Amazon S3 User Guide, "Lifecycle configuration elements" (Expiration Days: a positive integer).
  z.object({ kind: z.literal("s3"), retentionDays: z.number().int().min(1).max(3650).default(90) }).strict(),
  z
    .object({
      kind: z.literal("pvc"),
      size: byteQuantity("50Gi").default("20Gi"),
      storageClassName: dnsSubdomain.optional(),
    })
    .strict(),
]);

/** Shard names kcp keeps for itself. Source: kcp docs, "Sharding" (the root shard is named "root"). */
export const RESERVED_SHARD_NAMES = ["root"];

/** The kcp front-proxy URL: https, a host name, an optional port, nothing else (clients append paths). */
export function externalUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "an https URL such as https://kcp.example.com";
  }
  if (u.protocol !== "https:") return "an https URL (kcp serves TLS only)";
  if ((u.pathname !== "/" && u.pathname !== "") || u.search || u.hash || u.username || u.password)
    return "an https URL without path, query, fragment or credentials, such as https://kcp.example.com";
  if (!isHostname(u.hostname, true)) return "an https URL whose host is a lowercase DNS name";
  return undefined;
}

const kcpSchema = z
  .object({
    /** Shard name, unique across regions; defaults to the region name. Cloud profile only. */
    shardName: dnsLabel
      .refine(
        (n) => !RESERVED_SHARD_NAMES.includes(n),
        `a name other than ${RESERVED_SHARD_NAMES.join(", ")} (kcp's root shard)`,
      )
      .optional(),
    /** Only for `home: true`: the URL clients use to reach the front-proxy. */
    externalUrl: z
      .string()
      .superRefine((u, ctx) => {
        const problem = externalUrlProblem(u);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      })
      .optional(),
    /**
     * Only for `home: true`: the DNS zone the stack writes externalUrl's record into (Route 53 on EKS,
     * Azure DNS on AKS). Without it, create the record yourself (docs/cloud-first-deploy.md).
     */
    dnsZone: z
      .object({
        /** The zone's domain; externalUrl's host must be a name below it. */
        name: z
          .string()
          .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$/, "a DNS domain such as example.com"),
        /** EKS: the Route 53 hosted zone id. */
        route53ZoneId: z
          .string()
          .regex(/^Z[A-Z0-9]{1,32}$/, "a Route 53 hosted zone id such as Z0123456789ABC")
          .optional(),
        /** AKS: the resource group of the Azure DNS zone. */
        azureResourceGroup: z
          .string()
          .regex(/^[-\w.()]{1,90}$/, "an Azure resource group name")
          .optional(),
      })
      .strict()
      .optional(),
    /** Local environment: path to the description written by `local/start`. */
    localEnvFile: z.string().min(1, "a path to the local environment description").optional(),
    /**
     * kcp's LoadBalancer Services (front-proxy, root shard, cache server, region shards): "internal" (a
     * private address; regions and clients reach kcp over private networking) or "internet-facing".
     */
    loadBalancers: z.enum(["internal", "internet-facing"]).default("internal"),
    /** Stack that owns the kcp root, for non-home regions, e.g. "organization/pipeline-service/aws-us-east-1". */
    homeStack: z
      .string()
      .regex(/^[^/\s]+\/[^/\s]+\/[^/\s]+$/, "a fully qualified stack name org/project/stack")
      .optional(),
    /**
     * Only for `home: true`: the other regions' stacks, whose kcp shard requests this stack signs
     * (components/kcp/enrollment.ts). A region not listed gets no certificates and starts no shard.
     */
    regionStacks: z
      .array(
        z.string().regex(/^[^/\s]+\/[^/\s]+\/[^/\s]+$/, "a fully qualified stack name org/project/stack"),
      )
      .refine((l) => new Set(l).size === l.length, "each stack once")
      .default([]),
  })
  .strict()
  .prefault({});

const featureFlagValue = z.union([z.string(), z.boolean()], {
  error: "a string or a boolean (checked against the flags of the pinned Tekton release)",
});
const tektonSchema = z
  .object({
    pipelines: z
      .object({
        enabled: z.boolean().default(true),
        /** The Tekton Pipelines release: one the manifest lock pins; the newest by default. */
        version: z
          .string()
          .refine((v) => PIPELINES_VERSIONS.includes(v), {
            message: `a version the manifest lock pins (${PIPELINES_VERSIONS.join(", ")})`,
          })
          .default(PIPELINES_VERSIONS[0]),
        featureFlags: z.record(z.string(), featureFlagValue).prefault({}),
        defaults: z.record(z.string(), z.string()).prefault({}),
        controllerThreadsPerController: z.number().int().min(1).max(128).default(2),
        controllerKubeApiQps: z.number().min(1).max(1000).default(50),
        controllerKubeApiBurst: z.number().int().min(1).max(2000).default(50),
      })
      .strict()
      .prefault({}),
    triggers: z
      .object({ enabled: z.boolean().default(true) })
      .strict()
      .prefault({}),
    results: z
      .object({
        enabled: z.boolean().default(true),
        retentionDays: z.number().int().min(1).max(3650).default(30),
        /**
         * Validity of the Results API's certificate; it is re-issued on the first update in its last quarter
         * (at most 30 days early). Shorter means more frequent rotation.
         */
        tlsValidityHours: z.number().int().min(24).max(87600).default(8760),
      })
      .strict()
      .prefault({}),
    chains: z
      .object({
        enabled: z.boolean().default(true),
        taskrunFormat: z.enum(["in-toto", "slsa/v1", "slsa/v2alpha3", "slsa/v2alpha4"]).default("in-toto"),
        storage: z.enum(["tekton", "oci", "tekton,oci"]).default("tekton"),
      })
      .strict()
      .prefault({}),
    pipelinesAsCode: z
      .object({
        enabled: z.boolean().default(true),
        /** GitHub App id and private key come from config secrets `githubAppId`/`githubPrivateKey`. */
        // Source: Kubernetes API reference, IngressRule.host (a lowercase DNS name, not an IP address).
        ingressHost: z
          .string()
          .refine(
            (h) => isHostname(h, true),
            "a lowercase DNS host name such as pac.example.com (labels of at most 63 characters, not an IP address)",
          )
          .optional(),
        /** The IngressClass of an installed controller; the Ingress is awaited only when set. */
        ingressClassName: z
          .string()
          .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "an IngressClass name")
          .optional(),
        /** TLS Secret for ingressHost in namespace pipelines-as-code (e.g. made by cert-manager). */
        tlsSecretName: z
          .string()
          .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "a Secret name")
          .default("pipelines-as-code-tls"),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

const gitopsSchema = z
  .object({
    enabled: z.boolean().default(true),
    highAvailability: z.boolean().default(false),
  })
  .strict()
  .prefault({});

/**
 * Tenant names that would read as something else: `root` and `system` are kcp's own words (the root
 * workspace; the `system:` logical clusters), `tenants` is the parent workspace's name, and `default` is
 * every workspace's default namespace, which tenant names appear next to in labels and commands.
 */
export const RESERVED_TENANT_NAMES = ["root", "system", "tenants", "default"];

const tenantSchema = z
  .object({
    /** The workspace name under root:tenants; unique in the fleet (infra/stack-config.ts checks). */
    name: dnsLabel.refine((n) => !RESERVED_TENANT_NAMES.includes(n), {
      message: `a name other than ${RESERVED_TENANT_NAMES.join(", ")} (reserved)`,
    }),
    /** Optional, documentary: must be this stack's region (the fleet check names the known regions). */
    region: dnsLabel.optional(),
    /** Tenant namespaces that get a synced namespace with quota on the region cluster. */
    namespaces: distinct(
      z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "a namespace name (a DNS label)"),
      "namespace names",
    )
      .min(1, "at least one namespace")
      .default(["default"]),
    /** Per synced namespace (components/tenancy/tenant.ts DEFAULT_TENANT_QUOTA). */
    quota: z
      .object({
        cpu: cpuQuantity.default("8"),
        memory: byteQuantity("16Gi").default("16Gi"),
        pods: z.number().int().min(1).max(10000).default(50),
        pipelineRuns: z.number().int().min(1).max(100000).default(100),
      })
      .strict()
      .prefault({}),
  })
  .strict();

const regionShape = z
  .object({
    /** Failure-domain name, also the kcp shard's region label: e.g. aws-us-east-1, local-east. */
    region: dnsLabel,
    /** The home region hosts the kcp root shard, cache server and front-proxy. Exactly one per fleet. */
    home: z.boolean().default(false),
    zones,
    tags: tags.prefault({}),
    /** Local profile: tolerate simulated pods (no admission webhooks that must answer). */
    profile: z.enum(["cloud", "local"]).default("cloud"),
    cluster: clusterSchema,
    database: databaseSchema,
    logs: logsSchema,
    kcp: kcpSchema,
    tekton: tektonSchema,
    gitops: gitopsSchema,
    protect: z.boolean().default(true),
    /** Tenants this region serves (components/tenancy/tenant.ts). */
    tenants: z.array(tenantSchema).default([]),
  })
  .strict();

export const regionConfigSchema = regionShape.superRefine((c, ctx) => {
  const cloud = c.cluster.kind;
  if (cloud !== "existing" && c.zones.length < 3) {
    ctx.addIssue({
      code: "custom",
      path: ["zones"],
      message: `at least 3 zones for a ${cloud} cluster`,
    });
  }
  const allowedDb = {
    eks: ["rds", "in-cluster", "external"],
    aks: ["azure-postgres", "in-cluster", "external"],
    existing: ["in-cluster", "external"],
  }[cloud];
  if (!allowedDb.includes(c.database.kind)) {
    ctx.addIssue({
      code: "custom",
      path: ["database", "kind"],
      message: `one of ${allowedDb.join(", ")} on ${cloud}`,
    });
  }
  const allowedLogs = { eks: ["s3", "pvc"], aks: ["pvc"], existing: ["pvc"] }[cloud];
  if (!allowedLogs.includes(c.logs.kind)) {
    ctx.addIssue({
      code: "custom",
      path: ["logs", "kind"],
      message: `one of ${allowedLogs.join(", ")} on ${cloud} (Tekton Results has no Azure Blob log store)`,
    });
  }
  if (!c.home && !c.kcp.homeStack && c.profile === "cloud") {
    ctx.addIssue({
      code: "custom",
      path: ["kcp", "homeStack"],
      message: "a home stack name (required when home is false)",
    });
  }
  if (c.home && !c.kcp.externalUrl && c.profile === "cloud") {
    ctx.addIssue({
      code: "custom",
      path: ["kcp", "externalUrl"],
      message: "the front-proxy URL (required when home is true)",
    });
  }
  const zone = c.kcp.dnsZone;
  if (zone) {
    const url = c.kcp.externalUrl && URL.canParse(c.kcp.externalUrl) ? new URL(c.kcp.externalUrl) : undefined;
    const host = url?.hostname ?? "";
    const wants = cloud === "eks" ? "route53ZoneId" : cloud === "aks" ? "azureResourceGroup" : undefined;
    if (!c.home) {
      ctx.addIssue({ code: "custom", path: ["kcp", "dnsZone"], message: "no dnsZone unless home is true" });
    } else if (!host.endsWith(`.${zone.name}`)) {
      ctx.addIssue({
        code: "custom",
        path: ["kcp", "dnsZone", "name"],
        message: `a zone that kcp.externalUrl's host ${JSON.stringify(host)} is a name below (not the apex)`,
      });
    }
    if (!wants) {
      ctx.addIssue({
        code: "custom",
        path: ["kcp", "dnsZone"],
        message: "no dnsZone for an existing cluster",
      });
    } else if (!zone[wants]) {
      ctx.addIssue({
        code: "custom",
        path: ["kcp", "dnsZone", wants],
        message: `the zone's ${wants} on ${cloud}`,
      });
    }
    for (const other of ["route53ZoneId", "azureResourceGroup"] as const) {
      if (other !== wants && zone[other] !== undefined)
        ctx.addIssue({ code: "custom", path: ["kcp", "dnsZone", other], message: `no ${other} on ${cloud}` });
    }
  }
  if (c.profile === "local" && cloud !== "existing") {
    ctx.addIssue({
      code: "custom",
      path: ["profile"],
      message: '"cloud" (the local profile needs cluster.kind existing)',
    });
  }
  c.tenants.forEach((t, i) => {
    const first = c.tenants.findIndex((u) => u.name === t.name);
    if (first !== i) {
      ctx.addIssue({
        code: "custom",
        path: ["tenants", i, "name"],
        message: `a name unique within the stack (tenants[${first}] has it too)`,
      });
    }
  });
  if (c.tenants.length > 0 && !c.tekton.pipelines.enabled) {
    ctx.addIssue({
      code: "custom",
      path: ["tenants"],
      message: "no tenants while tekton.pipelines.enabled is false (tenants bind the region's Tekton API)",
    });
  }
  if (c.profile === "local" && !c.kcp.localEnvFile) {
    ctx.addIssue({
      code: "custom",
      path: ["kcp", "localEnvFile"],
      message: "the local environment description, e.g. .local/env.json (required by the local profile)",
    });
  }
  zoneRules(c, ctx);
  tagRules(c, ctx);
  if (c.cluster.kind === "eks") {
    // The EKS component gives each zone a private and a public subnet; public ones are 2^(2+k) times
    // smaller than the VPC (k = ceil(log2 zones)) and AWS subnets are at most /28.
    // Source: Amazon VPC User Guide, "Subnet CIDR blocks" (/16 to /28).
    const vpc = parseIpv4Cidr(c.cluster.vpcCidr);
    const maxPrefix = 28 - 3 - Math.ceil(Math.log2(Math.max(c.zones.length, 1)));
    if (vpc && vpc.prefix > maxPrefix)
      ctx.addIssue({
        code: "custom",
        path: ["cluster", "vpcCidr"],
        message: `a prefix of /${maxPrefix} or larger for ${c.zones.length} zones (each zone's public subnet is ${2 ** (3 + Math.ceil(Math.log2(Math.max(c.zones.length, 1))))} times smaller than the VPC, and AWS subnets are at most /28)`,
      });
  }
  // Every Tekton component but Pipelines runs on Pipelines: switched on without it, it would be dropped.
  if (!c.tekton.pipelines.enabled) {
    for (const dep of ["triggers", "results", "chains", "pipelinesAsCode"] as const) {
      if (c.tekton[dep].enabled)
        ctx.addIssue({
          code: "custom",
          path: ["tekton", dep, "enabled"],
          message: `false while tekton.pipelines.enabled is false (it runs on Tekton Pipelines; set tekton.${dep}.enabled: false too)`,
        });
    }
  }
});

/** Zones as each cloud names them. */
function zoneRules(c: z.output<typeof regionShape>, ctx: z.RefinementCtx) {
  const cl = c.cluster;
  c.zones.forEach((zone, i) => {
    // Source: AWS docs, "Regions and Zones" (an Availability Zone is the Region code and a letter).
    // (Plain string tests: the region and location may themselves be invalid here, reported on their own.)
    if (cl.kind === "eks" && !(zone.startsWith(cl.region) && /^[a-z]$/.test(zone.slice(cl.region.length))))
      ctx.addIssue({
        code: "custom",
        path: ["zones", i],
        message: `an Availability Zone of cluster.region ${cl.region}, such as ${cl.region}a`,
      });
    // Source: Azure docs, "What are availability zones?" (zones 1, 2 and 3; AKS labels nodes <location>-<n>).
    if (cl.kind === "aks" && !["1", "2", "3"].map((n) => `${cl.location}-${n}`).includes(zone))
      ctx.addIssue({
        code: "custom",
        path: ["zones", i],
        message: `a zone of cluster.location ${cl.location}: ${cl.location}-1, ${cl.location}-2 or ${cl.location}-3`,
      });
  });
}

/**
 * Tag keys the components set themselves on AWS resources (a user value would be overwritten):
 * `Name` per resource, the component tag, the subnet role tags of the load balancer controller.
 */
export const AWS_RESERVED_TAG_KEYS = ["Name", "pipeline-service/component"];
/** Source: AWS General Reference, "Tagging AWS resources" (50 tags per resource). 2 are the program's. */
export const AWS_MAX_USER_TAGS = 48;
/** Source: Azure Resource Manager docs, "Use tags to organize your Azure resources" (50 per resource). */
export const AZURE_MAX_TAGS = 50;

/** Each cloud's tag limits on `tags` (checked for the cloud the region runs in). */
function tagRules(c: z.output<typeof regionShape>, ctx: z.RefinementCtx) {
  const entries = Object.entries(c.tags);
  const add = (path: PropertyKey[], message: string) => ctx.addIssue({ code: "custom", path, message });
  const chars = (s: string) => [...s].length;
  if (c.cluster.kind === "existing") {
    if (entries.length > 0)
      add(["tags"], "no tags with cluster.kind existing (the region creates no cloud resource to tag)");
    return;
  }
  if (c.cluster.kind === "eks") {
    // Source: AWS General Reference, "Tagging AWS resources": keys of 1-128 and values of 0-256 Unicode
    // characters; letters, digits, spaces and _ . : / = + - @; the aws: prefix is reserved.
    const allowed = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
    if (entries.length > AWS_MAX_USER_TAGS)
      add(
        ["tags"],
        `at most ${AWS_MAX_USER_TAGS} tags (AWS allows 50 per resource; the program adds up to 2)`,
      );
    for (const [k, v] of entries) {
      if (chars(k) < 1 || chars(k) > 128 || !allowed.test(k))
        add(["tags", k], "a tag key of 1-128 letters, digits, spaces or _ . : / = + - @ (AWS)");
      else if (k.toLowerCase().startsWith("aws:"))
        add(["tags", k], "a tag key not starting with aws: (reserved by AWS)");
      else if (AWS_RESERVED_TAG_KEYS.includes(k) || k.startsWith("kubernetes.io/"))
        add(
          ["tags", k],
          "a key the program does not set itself (Name, pipeline-service/component and kubernetes.io/* are set per resource)",
        );
      if (chars(v) > 256 || !allowed.test(v))
        add(["tags", k], "a tag value of at most 256 letters, digits, spaces or _ . : / = + - @ (AWS)");
    }
  } else {
    // Source: Azure Resource Manager docs, "Use tags to organize your Azure resources": names of at most
    // 512 characters without < > % & \ ? /, values of at most 256, names case-insensitive.
    if (entries.length > AZURE_MAX_TAGS) add(["tags"], `at most ${AZURE_MAX_TAGS} tags (the Azure limit)`);
    const lower = entries.map(([k]) => k.toLowerCase());
    entries.forEach(([k, v], i) => {
      if (chars(k) < 1 || chars(k) > 512 || /[<>%&\\?/]/.test(k))
        add(["tags", k], "a tag name of 1-512 characters without < > % & \\ ? / (Azure)");
      if (chars(v) > 256) add(["tags", k], "a tag value of at most 256 characters (Azure)");
      const first = lower.indexOf(lower[i]);
      if (first !== i)
        add(
          ["tags", k],
          `a name distinct from ${JSON.stringify(entries[first][0])} (Azure tag names ignore case)`,
        );
    });
  }
}

export type RegionConfig = z.output<typeof regionConfigSchema>;
export type EksClusterConfig = z.output<typeof awsClusterSchema>;
export type AksClusterConfig = z.output<typeof azureClusterSchema>;
export type ExistingClusterConfig = z.output<typeof existingClusterSchema>;
// The components declare the shapes they take; what this file validates must fit them (checked by tsc).
type Fits<T extends U, U> = T;
export type ClusterShapesFit = [
  Fits<EksClusterConfig, EksClusterShape>,
  Fits<AksClusterConfig, AksClusterShape>,
  Fits<ExistingClusterConfig, ExistingClusterShape>,
  Fits<RegionConfig, RegionShape>,
];
export type DatabaseConfig = RegionConfig["database"];
export type LogsConfig = RegionConfig["logs"];
export type TektonConfig = RegionConfig["tekton"];
export type TenantConfig = RegionConfig["tenants"][number];

/** Config keys the program reads itself (secrets and credentials), not part of RegionConfig. */
export const PROGRAM_CONFIG_KEYS = [
  "resultsDatabasePassword",
  "githubAppId",
  "githubPrivateKey",
  "githubWebhookSecret",
  "argocdRepositories",
  "argocdRepositoryCredentials",
];

/** The config keys under the project namespace that make up a RegionConfig. */
export const CONFIG_KEYS = Object.keys(regionShape.shape) as (keyof RegionConfig)[];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  - ${problems.join("\n  - ")}`,
    );
    this.name = "ConfigError";
  }
}

/** A key segment as written, quoted when it is empty or has spaces, quotes or brackets (e.g. a tag key). */
function segment(p: PropertyKey): string {
  const s = String(p);
  return /^[^\s"[\]]+$/.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`;
}

function keyOf(path: PropertyKey[]): string {
  const [top, ...rest] = path;
  let key = `${PROJECT}:${String(top ?? "")}`;
  for (const p of rest) key += typeof p === "number" ? `[${p}]` : segment(p);
  return key;
}

function valueAt(raw: unknown, path: PropertyKey[]): unknown {
  let v: unknown = raw;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function show(v: unknown): string {
  if (v === undefined) return "(not set)";
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** Marks a zod issue that carries no message of ours (the library's default text never reaches a user). */
const NO_MESSAGE = "\u0000no-message";

function plural(n: number, what: string, many = `${what}s`): string {
  return `${n} ${n === 1 ? what : many}`;
}

/** Our wording for an issue that has no message of ours, from its code and limits. */
function expectedOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type": {
      const t = String(issue.expected);
      const words: Record<string, string> = {
        int: "a whole number",
        number: "a number",
        string: "a string",
        boolean: "true or false",
        array: "a list",
        object: "a map of keys to values",
        record: "a map of keys to values",
      };
      return words[t] ?? `a ${t}`;
    }
    case "too_small": {
      const min = Number(issue.minimum);
      if (issue.origin === "array" || issue.origin === "set")
        return `at least ${plural(min, "entry", "entries")}`;
      if (issue.origin === "string") return `at least ${plural(min, "character")}`;
      return issue.inclusive === false ? `more than ${min}` : `at least ${min}`;
    }
    case "too_big": {
      const max = Number(issue.maximum);
      if (issue.origin === "array" || issue.origin === "set")
        return `at most ${plural(max, "entry", "entries")}`;
      if (issue.origin === "string") return `at most ${plural(max, "character")}`;
      return issue.inclusive === false ? `less than ${max}` : `at most ${max}`;
    }
    case "invalid_value":
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(" | ")}`;
    case "invalid_format":
      return `a valid ${issue.format}`;
    case "not_multiple_of":
      return `a multiple of ${String(issue.divisor)}`;
    case "invalid_union":
      return "one of the documented forms";
    default:
      return "a valid value";
  }
}

/** Describes one zod issue as "key = value: expected ...", naming the config key the user wrote. */
function describe(raw: unknown, issue: z.core.$ZodIssue): string {
  const path = issue.path as PropertyKey[];
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((k) => `${keyOf([...path, k])}: unknown key (check the spelling)`).join("; ");
  }
  if (issue.code === "invalid_union" && issue.discriminator && "options" in issue) {
    return `${keyOf(path)} = ${show(valueAt(raw, path))}: expected one of ${issue.options?.map((o: unknown) => JSON.stringify(o)).join(" | ") ?? "the known kinds"}`;
  }
  const got = valueAt(raw, path);
  let expected = issue.message === NO_MESSAGE || !issue.message ? expectedOf(issue) : issue.message;
  if (issue.code === "invalid_value") expected = expectedOf(issue);
  else if (issue.code === "invalid_type" && got !== undefined) expected = expectedOf(issue);
  else if (issue.code === "invalid_type") expected = `${expectedOf(issue)} (required)`;
  return `${keyOf(path)} = ${show(got)}: expected ${expected}`;
}

/** What the parse needs beyond the stack file: the stack's own name and the pinned Tekton release's settings. */
export interface ParseContext {
  /** This stack, to refuse a kcp.homeStack naming it. */
  stack?: { organization?: string; project?: string; stack: string };
  /** The feature flags and defaults of the pinned Tekton Pipelines release. @default read from the manifest */
  tekton?: (version: string) => TektonSettingsCatalog;
}

type Problem = { path: PropertyKey[]; expected: string };

function isSet(raw: unknown, path: PropertyKey[]): boolean {
  return valueAt(raw, path) !== undefined;
}

/**
 * Rules that need the stack file as written (a key set, not defaulted) or facts from outside it: settings
 * that would be ignored, the Tekton flags of the pinned release, a home stack that is this stack.
 */
function contextRules(raw: Record<string, unknown>, c: RegionConfig, context: ParseContext): Problem[] {
  const problems: Problem[] = [];
  const ignored = (path: PropertyKey[], why: string) => {
    if (isSet(raw, path)) problems.push({ path, expected: `no value: it has no effect ${why}` });
  };
  // Settings with no effect in the chosen mode.
  if (c.cluster.kind === "eks" && !c.cluster.endpointPublicAccess && c.cluster.publicAccessCidrs.length > 0)
    ignored(
      ["cluster", "publicAccessCidrs"],
      "while cluster.endpointPublicAccess is false (set it to true, or drop the list)",
    );
  if (c.cluster.kind === "aks" && c.cluster.privateCluster && c.cluster.authorizedIpRanges.length > 0)
    ignored(
      ["cluster", "authorizedIpRanges"],
      "on a private cluster (privateCluster: true); set privateCluster: false to use it",
    );
  if (c.profile === "local") {
    ignored(["kcp", "externalUrl"], "in the local profile (the local front-proxy's URL is used)");
    ignored(["kcp", "homeStack"], "in the local profile (the local kcp root is used)");
    ignored(
      ["kcp", "regionStacks"],
      "in the local profile (kcp's own launcher issues the local shards' certificates)",
    );
    ignored(["kcp", "shardName"], "in the local profile (the local environment names the shards)");
  } else {
    ignored(["kcp", "localEnvFile"], 'in the cloud profile (only profile "local" reads it)');
    if (c.home) ignored(["kcp", "homeStack"], "with home: true (the home region hosts the kcp root itself)");
    else ignored(["kcp", "externalUrl"], "with home: false (only the home region runs the front-proxy)");
    if (!c.home)
      ignored(["kcp", "regionStacks"], "with home: false (only the home stack signs shard requests)");
  }
  const t = c.tekton;
  const off = (
    component: "pipelines" | "triggers" | "results" | "chains" | "pipelinesAsCode",
    keys: string[],
  ) => {
    if (!t[component].enabled)
      for (const k of keys) ignored(["tekton", component, k], `while tekton.${component}.enabled is false`);
  };
  off("pipelines", [
    "featureFlags",
    "defaults",
    "controllerThreadsPerController",
    "controllerKubeApiQps",
    "controllerKubeApiBurst",
  ]);
  off("results", ["retentionDays", "tlsValidityHours"]);
  off("chains", ["taskrunFormat", "storage"]);
  off("pipelinesAsCode", ["ingressHost"]);
  if (!c.gitops.enabled) ignored(["gitops", "highAvailability"], "while gitops.enabled is false");
  // A home stack that is this stack would read its own outputs; so would a region stack that is.
  const self = context.stack;
  const isSelf = (qualified: string) => {
    const [org, project, stack] = qualified.split("/");
    return (
      !!self &&
      stack === self.stack &&
      (self.project === undefined || project === self.project) &&
      (self.organization === undefined || org === self.organization)
    );
  };
  if (c.home)
    c.kcp.regionStacks.forEach((r, i) => {
      if (isSelf(r))
        problems.push({
          path: ["kcp", "regionStacks", i],
          expected: `another stack than this one (${r} is this stack, which signs its own shard)`,
        });
    });
  if (c.kcp.homeStack && !c.home && isSelf(c.kcp.homeStack))
    problems.push({
      path: ["kcp", "homeStack"],
      expected: `another stack than this one (${c.kcp.homeStack} is this stack; the home stack is the one with home: true)`,
    });
  // Tekton Pipelines settings: the flags and defaults the pinned release has, with the values it accepts.
  const flags = Object.entries(t.pipelines.featureFlags);
  const defaults = Object.entries(t.pipelines.defaults);
  if (t.pipelines.enabled && (flags.length > 0 || defaults.length > 0) && context.tekton) {
    const catalog = context.tekton(t.pipelines.version);
    const release = `Tekton Pipelines ${catalog.version}`;
    for (const [k, v] of flags) {
      const path = ["tekton", "pipelines", "featureFlags", k];
      const spec = catalog.featureFlags[k];
      if (!spec) {
        problems.push({
          path,
          expected: `a feature flag of ${release}: ${nearest(k, Object.keys(catalog.featureFlags))}`,
        });
        continue;
      }
      const value = String(v);
      const bad = (what: string) => problems.push({ path, expected: `${what} (flag ${k} of ${release})` });
      if (spec.kind === "boolean" && value !== "true" && value !== "false")
        bad('true or false, or "true" or "false"');
      else if (spec.kind !== "boolean" && typeof v === "boolean")
        bad(spec.kind === "integer" ? "a whole number as a string" : "a string");
      else if (spec.kind === "integer" && !/^\d+$/.test(value))
        bad('a whole number as a string, such as "4096"');
      else if (spec.kind === "enum" && !spec.values.includes(value))
        bad(`one of ${spec.values.map((x) => JSON.stringify(x)).join(" | ")}`);
      else if (spec.kind === "set" && value !== "" && !value.split(",").every((x) => spec.values.includes(x)))
        bad(`a comma-separated combination of ${spec.values.join(", ")} (or "")`);
    }
    for (const [k, v] of defaults) {
      const path = ["tekton", "pipelines", "defaults", k];
      const spec = catalog.defaults[k];
      if (!spec)
        problems.push({
          path,
          expected: `a config-defaults key of ${release}: ${nearest(k, Object.keys(catalog.defaults))}`,
        });
      else if (spec === "integer" && !/^\d+$/.test(v))
        problems.push({ path, expected: `a whole number as a string, such as "60" (${k} of ${release})` });
    }
  }
  return problems;
}

/** "did you mean X?" for a misspelt name, else the list of names. */
function nearest(name: string, known: string[]): string {
  const distance = (a: string, b: string) => {
    const d = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let prev = d[0];
      d[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const tmp = d[j];
        d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = tmp;
      }
    }
    return d[b.length];
  };
  const best = [...known].sort((a, b) => distance(name, a) - distance(name, b))[0];
  if (best !== undefined && distance(name, best) <= Math.max(2, Math.floor(name.length / 4)))
    return `did you mean ${JSON.stringify(best)}?`;
  return `one of ${[...known].sort().join(", ")}`;
}

/** Lists whose order means nothing, sorted: reordering them in the stack file changes nothing. */
function normalize(c: RegionConfig): RegionConfig {
  const sorted = (a: string[]) => [...a].sort();
  const out = structuredClone(c);
  if (out.cluster.kind === "eks") out.cluster.publicAccessCidrs = sorted(out.cluster.publicAccessCidrs);
  if (out.cluster.kind === "aks") {
    out.cluster.authorizedIpRanges = sorted(out.cluster.authorizedIpRanges);
    out.cluster.adminGroupObjectIds = sorted(out.cluster.adminGroupObjectIds);
  }
  for (const t of out.tenants) t.namespaces = sorted(t.namespaces);
  return out;
}

/** A stack file's config as the fleet check reads it: the project's keys, without the namespace. */
export type StackFileConfig = Record<string, unknown>;

/**
 * The fleet (one kcp root, one root:tenants) a stack belongs to: "local" for the local profile (one local
 * environment), else the home region's name (its own when home, the last part of kcp.homeStack otherwise,
 * stacks being named after their region). Undefined when the file does not say.
 */
export function fleetOf(raw: StackFileConfig): string | undefined {
  if (raw.profile === "local") return "local";
  if (raw.home === true) return typeof raw.region === "string" ? raw.region : undefined;
  const homeStack = (raw.kcp as { homeStack?: unknown } | undefined)?.homeStack;
  return typeof homeStack === "string" ? homeStack.split("/").pop() : undefined;
}

function tenantEntries(raw: StackFileConfig | undefined): { name?: unknown; region?: unknown }[] {
  const t = raw?.tenants;
  return Array.isArray(t) ? t.map((e) => (e !== null && typeof e === "object" ? e : {})) : [];
}

/**
 * Checks the tenants of a fleet's stack files together (pure): a tenant name is unique across the fleet
 * (every tenant is a workspace under the one root:tenants), and a tenant's `region`, when given, is a
 * region of the fleet and the region of the stack that declares it. `stackFiles` maps stack name → config.
 * With `current`, only that stack's problems are reported (keys named as in its own file); without it,
 * every stack's, each prefixed with its file.
 */
export function checkFleetTenants(stackFiles: Record<string, StackFileConfig>, current?: string): string[] {
  const stacks = Object.keys(stackFiles).sort();
  const members = (s: string) => {
    const fleet = fleetOf(stackFiles[s]);
    return fleet === undefined ? [s] : stacks.filter((m) => fleetOf(stackFiles[m]) === fleet);
  };
  const problems: string[] = [];
  for (const s of current === undefined ? stacks : [current]) {
    const raw = stackFiles[s] ?? {};
    const fleet = members(s);
    const regions = [
      ...new Set(fleet.map((m) => stackFiles[m].region).filter((r): r is string => typeof r === "string")),
    ].sort();
    const prefix = current === undefined ? `stacks/Pulumi.${s}.yaml: ` : "";
    tenantEntries(raw).forEach((t, i) => {
      const key = `${prefix}${PROJECT}:tenants[${i}]`;
      if (typeof t.name === "string") {
        const others = fleet.filter(
          (m) => m !== s && tenantEntries(stackFiles[m]).some((u) => u.name === t.name),
        );
        if (others.length > 0)
          problems.push(
            `${key}.name = ${show(t.name)}: expected a name unique in the fleet (stack ${others.join(", ")} declares it too; every tenant is a workspace under root:tenants)`,
          );
      }
      if (t.region === undefined) return;
      if (typeof t.region !== "string" || !regions.includes(t.region))
        problems.push(
          `${key}.region = ${show(t.region)}: unknown region (the fleet's regions: ${regions.join(", ")})`,
        );
      else if (t.region !== raw.region)
        problems.push(
          `${key}.region = ${show(t.region)}: expected this stack's region ${show(raw.region)} (a tenant is declared by the stack of the region that serves it)`,
        );
    });
  }
  return problems;
}

/**
 * Validates raw stack config (an object keyed like the stack file, without the namespace). Every problem
 * is reported at once, each naming its key, the value and what is allowed.
 */
export function parseRegionConfig(raw: Record<string, unknown>, context: ParseContext = {}): RegionConfig {
  const result = regionConfigSchema.safeParse(raw, { error: () => NO_MESSAGE });
  if (!result.success) throw new ConfigError(result.error.issues.map((i) => describe(raw, i)));
  const problems = contextRules(raw, result.data, { tekton: (v) => tektonSettingsCatalog(v), ...context });
  if (problems.length > 0)
    throw new ConfigError(
      problems.map((p) => `${keyOf(p.path)} = ${show(valueAt(raw, p.path))}: expected ${p.expected}`),
    );
  return normalize(result.data);
}

/**
 * kcp shard names are unique in a fleet (each is a Shard object on the one kcp root): a cloud stack's
 * `kcp.shardName`, or its region name by default, must not be another cloud stack's of the same fleet.
 * Same calling convention as checkFleetTenants. (Local stacks take their shards from the local environment.)
 */
export function checkFleetShards(stackFiles: Record<string, StackFileConfig>, current?: string): string[] {
  const stacks = Object.keys(stackFiles).sort();
  const shardOf = (s: string): string | undefined => {
    const c = stackFiles[s];
    if (c.profile === "local") return undefined;
    const name = (c.kcp as { shardName?: unknown } | undefined)?.shardName ?? c.region;
    return typeof name === "string" ? name : undefined;
  };
  const problems: string[] = [];
  for (const s of current === undefined ? stacks : [current]) {
    const shard = shardOf(s);
    const fleet = fleetOf(stackFiles[s]);
    if (shard === undefined || fleet === undefined) continue;
    const others = stacks.filter((m) => m !== s && fleetOf(stackFiles[m]) === fleet && shardOf(m) === shard);
    if (others.length > 0) {
      const prefix = current === undefined ? `stacks/Pulumi.${s}.yaml: ` : "";
      problems.push(
        `${prefix}${PROJECT}:kcp.shardName = ${show(shard)}: expected a shard name unique in the fleet (stack ${others.join(", ")} has it too; the default is the region name)`,
      );
    }
  }
  return problems;
}
