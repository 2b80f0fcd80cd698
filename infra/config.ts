// Typed, validated stack configuration for one region (one failure domain).
// Pure: parseRegionConfig() turns raw stack config into a RegionConfig or throws a ConfigError that
// names every bad key, its value and what is allowed — before any resource is registered.
import { z } from "zod";
import { PIPELINES_VERSIONS } from "../components/tekton/pipelines";

export const PROJECT = "pipeline-service";

const dnsLabel = z
  .string()
  .regex(/^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$/, "a lowercase DNS label of at most 32 characters (a-z, 0-9, -)");
const cidr = z
  .string()
  .regex(
    /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/([0-9]|[12]\d|3[0-2])$/,
    "an IPv4 CIDR such as 10.0.0.0/16",
  );
const kubernetesVersion = z
  .string()
  .regex(/^1\.(2[89]|3\d)$/, "a Kubernetes minor version from 1.28 to 1.39, e.g. 1.34");
const tags = z.record(
  z.string().regex(/^[A-Za-z0-9_.:/=+\-@ ]{1,128}$/, "a tag key of 1-128 characters"),
  z.string().max(256, "a tag value of at most 256 characters"),
);
const zones = z
  .array(dnsLabel)
  .min(1, "at least one zone")
  .refine((a) => new Set(a).size === a.length, {
    message: "distinct zone names",
  });

const eksNodePool = z
  .object({
    name: dnsLabel,
    instanceTypes: z
      .array(z.string().regex(/^[a-z0-9]+\.[a-z0-9]+$/, "an EC2 instance type such as m6i.large"))
      .min(1),
    minSize: z.number().int().min(0).max(100),
    maxSize: z.number().int().min(1).max(100),
    desiredSize: z.number().int().min(0).max(100),
    diskSizeGb: z.number().int().min(20).max(2000).default(100),
  })
  .strict()
  .refine((p) => p.minSize <= p.desiredSize && p.desiredSize <= p.maxSize, {
    message: "minSize <= desiredSize <= maxSize",
  });

const aksPool = z
  .object({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9]{0,11}$/, "an AKS pool name: lowercase letters and digits, at most 12"),
    vmSize: z.string().regex(/^Standard_[A-Za-z0-9_]+$/, "an Azure VM size such as Standard_D4s_v5"),
    minCount: z.number().int().min(1).max(100),
    maxCount: z.number().int().min(1).max(1000),
  })
  .strict()
  .refine((p) => p.minCount <= p.maxCount, { message: "minCount <= maxCount" });

export const awsClusterSchema = z
  .object({
    kind: z.literal("eks"),
    region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, "an AWS region such as us-east-1"),
    kubernetesVersion,
    vpcCidr: cidr.default("10.0.0.0/16"),
    natGateways: z.enum(["perZone", "single"]).default("perZone"),
    endpointPublicAccess: z.boolean().default(false),
    publicAccessCidrs: z.array(cidr).default([]),
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
  );

export const azureClusterSchema = z
  .object({
    kind: z.literal("aks"),
    location: z.string().regex(/^[a-z]+[a-z0-9]*$/, "an Azure location such as westeurope"),
    kubernetesVersion,
    vnetCidr: cidr.default("10.1.0.0/16"),
    privateCluster: z.boolean().default(true),
    authorizedIpRanges: z.array(cidr).default([]),
    adminGroupObjectIds: z
      .array(z.string().uuid("an Entra ID group object id (UUID)"))
      .min(1, "at least one admin group"),
    systemPool: aksPool,
    userPools: z.array(aksPool).default([]),
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
  );

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

const databaseSchema = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("rds"),
      instanceClass: z
        .string()
        .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, "an RDS instance class such as db.m6g.large"),
      engineVersion: z
        .string()
        .regex(/^\d+(\.\d+)?$/, "a PostgreSQL major or major.minor version such as 16"),
      allocatedStorageGb: z.number().int().min(20).max(65536).default(50),
      backupRetentionDays: z.number().int().min(7, "at least 7 days of backups").max(35).default(14),
      multiAz: z.boolean().default(true),
    })
    .strict(),
  z
    .object({
      kind: z.literal("azure-postgres"),
      skuName: z
        .string()
        .regex(/^(GP|MO|B)_[A-Za-z0-9_]+$/, "a flexible-server SKU such as GP_Standard_D2ds_v5"),
      version: z.enum(["14", "15", "16", "17"]),
      storageSizeGb: z.number().int().min(32).max(16384).default(64),
      backupRetentionDays: z.number().int().min(7, "at least 7 days of backups").max(35).default(14),
      zoneRedundant: z.boolean().default(true),
    })
    .strict(),
  z
    .object({
      kind: z.literal("in-cluster"),
      storageSize: z
        .string()
        .regex(/^\d+(Mi|Gi|Ti)$/, "a Kubernetes quantity such as 10Gi")
        .default("10Gi"),
      storageClassName: z.string().optional(),
    })
    .strict(),
  z
    .object({
      /** A PostgreSQL the region does not manage (a user's own server; locally, local/env.sh's). */
      kind: z.literal("external"),
      host: z
        .string()
        .regex(
          /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
          "a host name or IPv4 address such as db.example.com",
        ),
      port: z.number().int().min(1).max(65535).default(5432),
      database: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "a PostgreSQL database name (a-z, 0-9, _)"),
      user: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "a PostgreSQL role name (a-z, 0-9, _)"),
      /** The password is the secret config key resultsDatabasePassword. */
      sslmode: z.enum(["disable", "require", "verify-ca", "verify-full"]).default("require"),
    })
    .strict(),
]);

const logsSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("s3"), retentionDays: z.number().int().min(1).max(3650).default(90) }).strict(),
  z
    .object({
      kind: z.literal("pvc"),
      size: z
        .string()
        .regex(/^\d+(Mi|Gi|Ti)$/, "a Kubernetes quantity such as 50Gi")
        .default("20Gi"),
      storageClassName: z.string().optional(),
    })
    .strict(),
]);

const kcpSchema = z
  .object({
    /** Shard name, unique across regions; defaults to the region name. */
    shardName: dnsLabel.optional(),
    /** Only for `home: true`: the URL clients use to reach the front-proxy. */
    externalUrl: z.string().url().optional(),
    /** Local environment: path to the description written by `local/start`. */
    localEnvFile: z.string().optional(),
    /** Stack that owns the kcp root, for non-home regions, e.g. "organization/pipeline-service/aws-us-east-1". */
    homeStack: z
      .string()
      .regex(/^[^/\s]+\/[^/\s]+\/[^/\s]+$/, "a fully qualified stack name org/project/stack")
      .optional(),
  })
  .strict()
  .prefault({});

const featureFlagValue = z.union([z.string(), z.boolean()]);
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
        ingressHost: z
          .string()
          .regex(/^[a-z0-9.-]+$/, "a DNS host name")
          .optional(),
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
    namespaces: z
      .array(z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "a namespace name (a DNS label)"))
      .min(1, "at least one namespace")
      .refine((a) => new Set(a).size === a.length, { message: "distinct namespace names" })
      .default(["default"]),
    /** Per synced namespace (components/tenancy/tenant.ts DEFAULT_TENANT_QUOTA). */
    quota: z
      .object({
        cpu: z
          .string()
          .regex(/^\d+(\.\d+)?m?$/, "a CPU quantity such as 8 or 500m")
          .default("8"),
        memory: z
          .string()
          .regex(/^\d+(Ki|Mi|Gi|Ti)$/, "a memory quantity such as 16Gi")
          .default("16Gi"),
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
  if (c.cluster.kind === "eks" && c.cluster.nodePools.some((p) => p.maxSize < 1)) {
    ctx.addIssue({
      code: "custom",
      path: ["cluster", "nodePools"],
      message: "maxSize >= 1 in every pool",
    });
  }
});

export type RegionConfig = z.output<typeof regionConfigSchema>;
export type EksClusterConfig = z.output<typeof awsClusterSchema>;
export type AksClusterConfig = z.output<typeof azureClusterSchema>;
export type ExistingClusterConfig = z.output<typeof existingClusterSchema>;
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

function keyOf(path: PropertyKey[]): string {
  const [top, ...rest] = path;
  let key = `${PROJECT}:${String(top ?? "")}`;
  for (const p of rest) key += typeof p === "number" ? `[${p}]` : `.${String(p)}`;
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
  let expected = issue.message;
  if (issue.code === "invalid_value")
    expected = `one of ${issue.values.map((v) => JSON.stringify(v)).join(" | ")}`;
  else if (issue.code === "invalid_type") expected = `a ${issue.expected}`;
  return `${keyOf(path)} = ${show(got)}: expected ${expected}`;
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

/** Validates raw stack config (an object keyed like the stack file, without the namespace). */
export function parseRegionConfig(raw: Record<string, unknown>): RegionConfig {
  const result = regionConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((i) => describe(raw, i)));
}
