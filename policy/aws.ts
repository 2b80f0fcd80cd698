// AWS policies: the EKS cluster, its node groups, the RDS Results database and the S3 log bucket
// of one region, plus required tags. Types come from @pulumi/aws v7 (per-module imports keep
// loading fast).
import * as eks from "@pulumi/aws/eks";
import * as rds from "@pulumi/aws/rds";
import { validateResourceOfType } from "@pulumi/policy";
import type {
  PolicyConfigSchema,
  PolicyResource,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import {
  cannotJudgeYet,
  configOf,
  isOpenCidr,
  judgeStrings,
  judged,
  maybeJson,
  read,
  referencedResources,
} from "./util";

const NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";
const EKS_CLUSTER = "aws:eks/cluster:Cluster";
const SUBNET = "aws:ec2/subnet:Subnet";
/** v7 keeps the deprecated V2 names as aliases; a stack may use either. */
const BUCKETS = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];
const SSE_CONFIGS = [
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
];
const VERSIONINGS = [
  "aws:s3/bucketVersioning:BucketVersioning",
  "aws:s3/bucketVersioningV2:BucketVersioningV2",
];
const PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const ACCESS_KEY = "aws:iam/accessKey:AccessKey";

const loggingSchema: PolicyConfigSchema = {
  properties: {
    requiredLogTypes: {
      type: "array",
      items: { type: "string", enum: ["api", "audit", "authenticator", "controllerManager", "scheduler"] },
      default: ["api", "audit", "authenticator"],
      description: "Control-plane log types every EKS cluster must enable.",
    },
  },
};

const zonesSchema: PolicyConfigSchema = {
  properties: {
    minZones: {
      type: "integer",
      minimum: 1,
      default: 3,
      description: "Distinct availability zones the node groups of one cluster must span together.",
    },
  },
};

const backupSchema: PolicyConfigSchema = {
  properties: {
    minRetentionDays: { type: "integer", minimum: 1, maximum: 35, default: 7 },
  },
};

const tagsSchema: PolicyConfigSchema = {
  properties: {
    requiredKeys: {
      type: "array",
      items: { type: "string" },
      // What the program actually applies: every resource gets the stack's pipeline-service:tags
      // (team, cost-center, environment in the shipped stacks). The former default,
      // "pipeline-service/region", is set by nothing (no stack, component or provider defaultTags),
      // which made this rule fire on every taggable resource of every stack.
      default: ["team", "cost-center"],
      description:
        "Tag keys every taggable resource must carry (its own tags or the provider's defaultTags).",
    },
    resourceTypes: {
      type: "array",
      items: { type: "string" },
      default: [
        EKS_CLUSTER,
        NODE_GROUP,
        "aws:rds/instance:Instance",
        "aws:rds/subnetGroup:SubnetGroup",
        ...BUCKETS,
        "aws:kms/key:Key",
        "aws:ec2/vpc:Vpc",
        SUBNET,
        "aws:ec2/internetGateway:InternetGateway",
        "aws:ec2/natGateway:NatGateway",
        "aws:ec2/eip:Eip",
        "aws:ec2/routeTable:RouteTable",
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:ec2/launchTemplate:LaunchTemplate",
        "aws:iam/role:Role",
        "aws:iam/user:User",
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
        "aws:rds/parameterGroup:ParameterGroup",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "aws:cloudwatch/logGroup:LogGroup",
      ],
      description:
        "Type tokens the tag rule applies to (all of them accept `tags`); other AWS resources are judged when they have a tags input.",
    },
  },
};

export const eksEndpointAccess: ResourceValidationPolicy = {
  name: "eks-endpoint-access",
  description:
    "The EKS API endpoint is private, or public only to an allow-list that does not contain 0.0.0.0/0.",
  enforcementLevel: "mandatory",
  severity: "critical",
  validateResource: judged(
    validateResourceOfType(eks.Cluster, (cluster, _args, reportViolation) => {
      if (cannotJudgeYet("vpcConfig", () => cluster.vpcConfig)) return;
      const vpc = cluster.vpcConfig;
      if (!vpc) {
        reportViolation("vpcConfig is not set, so AWS opens a public endpoint to 0.0.0.0/0.");
        return;
      }
      const pub = cannotJudgeYet("vpcConfig.endpointPublicAccess", () => vpc.endpointPublicAccess);
      const priv = cannotJudgeYet("vpcConfig.endpointPrivateAccess", () => vpc.endpointPrivateAccess);
      if (pub || priv) return;
      // AWS defaults: public access on, to 0.0.0.0/0; private access off.
      const publicAccess = vpc.endpointPublicAccess ?? true;
      const privateAccess = vpc.endpointPrivateAccess ?? false;
      if (publicAccess) {
        const cidrs = judgeStrings("vpcConfig.publicAccessCidrs", () => vpc.publicAccessCidrs);
        if (!cidrs) return;
        if (cidrs.values.length === 0 && cidrs.complete) {
          reportViolation(
            "endpointPublicAccess is on without publicAccessCidrs (AWS then allows 0.0.0.0/0).",
          );
        }
        for (const c of cidrs.values.filter(isOpenCidr)) {
          reportViolation(`publicAccessCidrs contains ${c}: list the networks that may reach the API.`);
        }
      } else if (!privateAccess) {
        reportViolation(
          "both endpointPublicAccess and endpointPrivateAccess are off: the API is unreachable.",
        );
      }
    }),
  ),
};

export const eksSecretsEncryption: ResourceValidationPolicy = {
  name: "eks-secrets-encryption",
  description: 'EKS clusters encrypt Kubernetes Secrets with a KMS key (encryptionConfig covers "secrets").',
  enforcementLevel: "mandatory",
  severity: "high",
  validateResource: judged(
    validateResourceOfType(eks.Cluster, (cluster, _args, reportViolation) => {
      if (cannotJudgeYet("encryptionConfig", () => cluster.encryptionConfig)) return;
      const enc = cluster.encryptionConfig;
      if (!enc) {
        reportViolation("encryptionConfig is not set: Secrets in etcd are not envelope-encrypted.");
        return;
      }
      const resources = judgeStrings("encryptionConfig.resources", () => enc.resources);
      if (resources && resources.complete && !resources.values.includes("secrets")) {
        reportViolation('encryptionConfig.resources does not include "secrets".');
      }
      // A key created in this update has an unknown ARN in preview: cannot judge yet, not a pass.
      if (cannotJudgeYet("encryptionConfig.provider.keyArn", () => enc.provider?.keyArn)) return;
      if (!enc.provider?.keyArn) reportViolation("encryptionConfig.provider.keyArn is empty.");
    }),
  ),
};

export const eksControlPlaneLogging: ResourceValidationPolicy = {
  name: "eks-control-plane-logging",
  description: "EKS clusters send the api, audit and authenticator control-plane logs to CloudWatch.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: loggingSchema,
  validateResource: judged(
    validateResourceOfType(eks.Cluster, (cluster, args, reportViolation) => {
      const { requiredLogTypes } = configOf<{ requiredLogTypes: string[] }>(args, loggingSchema);
      const enabled = judgeStrings("enabledClusterLogTypes", () => cluster.enabledClusterLogTypes);
      if (!enabled) return;
      const missing = requiredLogTypes.filter((t) => !enabled.values.includes(t));
      if (missing.length > 0 && enabled.complete) {
        reportViolation(`enabledClusterLogTypes lacks ${missing.join(", ")}.`);
      }
    }),
  ),
};

/**
 * The availability zones of the subnets a node group uses. `unresolved` counts subnets not in the
 * stack (an existing VPC: no verdict); `pending` lists checks that would note an unknown (a subnet's
 * zone, or a subnet list with no property dependencies) for when the verdict depends on them.
 */
function nodeGroupZones(
  all: readonly PolicyResource[],
  ng: PolicyResource,
): { zones: string[]; unresolved: number; pending: (() => boolean)[] } {
  const subnets = referencedResources(all, ng, "subnetIds", [SUBNET]);
  const zones = new Set<string>();
  const pending: (() => boolean)[] = [];
  for (const s of subnets) {
    const zone = () => (s.props.availabilityZone ?? s.props.availabilityZoneId) as unknown;
    const z = read(zone, null);
    if (z === null) pending.push(() => cannotJudgeYet(`subnet ${s.name}: availabilityZone`, zone));
    else if (typeof z === "string" && z !== "") zones.add(z);
  }
  // In preview the list may be unknown (-1): then trust its property dependencies.
  const list = () => (ng.props.subnetIds as unknown[] | undefined)?.length ?? 0;
  const total = read(list, -1);
  const fromDeps = (ng.propertyDependencies.subnetIds ?? []).filter((d) => d.type === SUBNET).length;
  if (total < 0 && fromDeps === 0)
    pending.push(() => cannotJudgeYet(`node group ${ng.name}: subnetIds`, list));
  const listed = total < 0 ? fromDeps : total;
  return { zones: [...zones], unresolved: Math.max(0, listed - subnets.length), pending };
}

export const eksNodeGroupsSpanZones: StackValidationPolicy = {
  name: "eks-node-groups-span-zones",
  description:
    "The managed node groups of each EKS cluster together span at least 3 availability zones, so a region survives the loss of a zone.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: zonesSchema,
  validateStack: judged((args, reportViolation) => {
    const { minZones } = configOf<{ minZones: number }>(args, zonesSchema);
    const groups = args.resources.filter((r) => r.type === NODE_GROUP);
    if (groups.length === 0) args.notApplicable("no EKS node groups in this stack");
    const byCluster = new Map<string, { urn?: string; groups: PolicyResource[] }>();
    for (const ng of groups) {
      const [cluster] = referencedResources(args.resources, ng, "clusterName", [EKS_CLUSTER], ["name"]);
      const key =
        cluster?.urn ?? read(() => ng.props.clusterName as string | undefined) ?? "(unknown cluster)";
      const entry = byCluster.get(key) ?? { urn: cluster?.urn, groups: [] };
      entry.groups.push(ng);
      byCluster.set(key, entry);
    }
    for (const [key, { urn, groups: ngs }] of byCluster) {
      const zones = new Set<string>();
      let unresolved = 0;
      const pending: (() => boolean)[] = [];
      for (const ng of ngs) {
        const z = nodeGroupZones(args.resources, ng);
        z.zones.forEach((x) => zones.add(x));
        unresolved += z.unresolved;
        pending.push(...z.pending);
      }
      if (zones.size >= minZones) continue;
      // Values still unknown in preview: cannot judge yet (reported), not a pass.
      if (pending.length > 0) {
        pending.forEach((note) => note());
        continue;
      }
      // Subnets outside the stack (an existing VPC) cannot be judged here: no verdict then.
      if (unresolved > 0) continue;
      const where = urn ? "" : ` (cluster ${key})`;
      reportViolation(
        `node groups ${ngs.map((n) => n.name).join(", ")}${where} span ${zones.size} zone(s) [${[...zones].sort().join(", ")}]; at least ${minZones} are required.`,
        urn ?? ngs[0].urn,
      );
    }
  }),
};

export const rdsMultiAz: ResourceValidationPolicy = {
  name: "rds-multi-az",
  description:
    "RDS instances run Multi-AZ (a standby in another zone). Advisory: a region may accept a single-AZ database (database.multiAz: false).",
  enforcementLevel: "advisory",
  severity: "medium",
  validateResource: judged(
    validateResourceOfType(rds.Instance, (db, _args, reportViolation) => {
      if (cannotJudgeYet("multiAz", () => db.multiAz)) return;
      if (db.multiAz !== true) reportViolation("multiAz is not true.");
    }),
  ),
};

export const rdsStorageEncrypted: ResourceValidationPolicy = {
  name: "rds-storage-encrypted",
  description: "RDS instances encrypt their storage (storageEncrypted: true).",
  enforcementLevel: "mandatory",
  severity: "high",
  validateResource: judged(
    validateResourceOfType(rds.Instance, (db, _args, reportViolation) => {
      if (cannotJudgeYet("storageEncrypted", () => db.storageEncrypted)) return;
      if (db.storageEncrypted !== true) reportViolation("storageEncrypted is not true.");
    }),
  ),
};

export const rdsBackupRetention: ResourceValidationPolicy = {
  name: "rds-backup-retention",
  description: "RDS instances keep automated backups for at least 7 days.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: backupSchema,
  validateResource: judged(
    validateResourceOfType(rds.Instance, (db, args, reportViolation) => {
      const { minRetentionDays } = configOf<{ minRetentionDays: number }>(args, backupSchema);
      if (cannotJudgeYet("backupRetentionPeriod", () => db.backupRetentionPeriod)) return;
      const days = db.backupRetentionPeriod ?? 0; // AWS default for API-created instances: 0 or 1
      if (days < minRetentionDays) {
        reportViolation(`backupRetentionPeriod is ${days}; at least ${minRetentionDays} days are required.`);
      }
    }),
  ),
};

export const rdsDeletionProtection: ResourceValidationPolicy = {
  name: "rds-deletion-protection",
  description:
    "RDS instances have deletionProtection on, so a mistaken replace or destroy cannot drop the database.",
  enforcementLevel: "mandatory",
  severity: "high",
  validateResource: judged(
    validateResourceOfType(rds.Instance, (db, _args, reportViolation) => {
      if (cannotJudgeYet("deletionProtection", () => db.deletionProtection)) return;
      if (db.deletionProtection !== true) reportViolation("deletionProtection is not true.");
    }),
  ),
};

export const rdsNotPublic: ResourceValidationPolicy = {
  name: "rds-not-publicly-accessible",
  description: "RDS instances are not publicly accessible.",
  enforcementLevel: "mandatory",
  severity: "critical",
  validateResource: judged(
    validateResourceOfType(rds.Instance, (db, _args, reportViolation) => {
      if (cannotJudgeYet("publiclyAccessible", () => db.publiclyAccessible)) return;
      if (db.publiclyAccessible === true) reportViolation("publiclyAccessible is true.");
    }),
  ),
};

/** What a companion resource says about its bucket. */
type Verdict = "ok" | "bad" | "unknown";

/**
 * Reports every bucket of the stack for which no companion resource (e.g. its
 * BucketVersioning) judges "ok". Only the separate companion resources count: the deprecated inline
 * arguments of a bucket are computed outputs of aws v7's Bucket (AWS encrypts every bucket by
 * default, so the output always shows an encryption rule), which would pass every bucket. A companion
 * whose bucket is unknown in preview (and has no property dependency), or whose settings are
 * unknown, makes the affected buckets "cannot judge yet" instead of a violation or a pass.
 */
function eachBucketNeeds(
  all: readonly PolicyResource[],
  companionTypes: readonly string[],
  judge: (companion: PolicyResource) => Verdict,
  report: (bucket: PolicyResource, found: boolean) => void,
): number {
  const buckets = all.filter((r) => BUCKETS.includes(r.type));
  const companions = all.filter((r) => companionTypes.includes(r.type));
  const targets = new Map<PolicyResource, PolicyResource[]>();
  const unlinked: PolicyResource[] = [];
  for (const c of companions) {
    const linked = referencedResources(all, c, "bucket", BUCKETS, ["bucket", "id"]);
    targets.set(c, linked);
    if (linked.length === 0 && read(() => c.props.bucket as unknown, null) === null) unlinked.push(c);
  }
  for (const b of buckets) {
    const mine = companions.filter((c) => (targets.get(c) ?? []).some((x) => x.urn === b.urn));
    const verdicts = mine.map(judge);
    if (verdicts.includes("ok")) continue;
    if (verdicts.includes("unknown")) continue; // noted by judge
    if (unlinked.length > 0) {
      // One of them may be this bucket's: cannot judge yet.
      for (const c of unlinked) cannotJudgeYet(`${c.type} ${c.name}: bucket`, () => c.props.bucket);
      continue;
    }
    report(b, mine.length > 0);
  }
  return buckets.length;
}

const SSE_ALGORITHMS = ["AES256", "aws:kms", "aws:kms:dsse"];

export const s3BucketEncryption: StackValidationPolicy = {
  name: "s3-bucket-encryption",
  description:
    "Every S3 bucket has its own aws.s3.BucketServerSideEncryptionConfiguration (or V2) with a default encryption rule (AES256 or aws:kms); AWS's implicit default encryption does not count.",
  enforcementLevel: "mandatory",
  severity: "high",
  validateStack: judged((args, reportViolation) => {
    const n = eachBucketNeeds(
      args.resources,
      SSE_CONFIGS,
      (c) => {
        type Rule = { applyServerSideEncryptionByDefault?: { sseAlgorithm?: string } };
        const rules = () => c.props.rules as Rule[] | undefined;
        const algorithms = () =>
          (rules() ?? []).map((r) => r.applyServerSideEncryptionByDefault?.sseAlgorithm);
        if (cannotJudgeYet(`${c.name}: rules`, algorithms)) return "unknown";
        return algorithms().some((a) => typeof a === "string" && SSE_ALGORITHMS.includes(a)) ? "ok" : "bad";
      },
      (b, found) =>
        reportViolation(
          found
            ? `bucket ${b.name}: its encryption configuration has no rule with applyServerSideEncryptionByDefault.sseAlgorithm ${SSE_ALGORITHMS.join(" or ")}.`
            : `bucket ${b.name} has no aws.s3.BucketServerSideEncryptionConfiguration.`,
          b.urn,
        ),
    );
    if (n === 0) args.notApplicable("no S3 buckets in this stack");
  }),
};

export const s3BucketVersioning: StackValidationPolicy = {
  name: "s3-bucket-versioning",
  description:
    "Every S3 bucket has versioning enabled by its own aws.s3.BucketVersioning (or V2) with status Enabled, so overwrites and deletes can be undone.",
  enforcementLevel: "mandatory",
  severity: "high",
  validateStack: judged((args, reportViolation) => {
    const n = eachBucketNeeds(
      args.resources,
      VERSIONINGS,
      (c) => {
        const status = () => (c.props.versioningConfiguration as { status?: string } | undefined)?.status;
        if (cannotJudgeYet(`${c.name}: versioningConfiguration.status`, status)) return "unknown";
        return status() === "Enabled" ? "ok" : "bad";
      },
      (b, found) =>
        reportViolation(
          found
            ? `bucket ${b.name}: versioning status is not Enabled.`
            : `bucket ${b.name} has no aws.s3.BucketVersioning.`,
          b.urn,
        ),
    );
    if (n === 0) args.notApplicable("no S3 buckets in this stack");
  }),
};

const PAB_FLAGS = [
  "blockPublicAcls",
  "blockPublicPolicy",
  "ignorePublicAcls",
  "restrictPublicBuckets",
] as const;

export const s3PublicAccessBlock: StackValidationPolicy = {
  name: "s3-public-access-block",
  description:
    "Every S3 bucket has a BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true.",
  enforcementLevel: "mandatory",
  severity: "critical",
  validateStack: judged((args, reportViolation) => {
    const n = eachBucketNeeds(
      args.resources,
      [PUBLIC_ACCESS_BLOCK],
      (c) => {
        const flags = () => PAB_FLAGS.map((f) => c.props[f] as unknown);
        if (cannotJudgeYet(`${c.name}: ${PAB_FLAGS.join(", ")}`, flags)) return "unknown";
        return flags().every((v) => v === true) ? "ok" : "bad";
      },
      (b, found) =>
        reportViolation(
          found
            ? `bucket ${b.name}: its public access block does not set all of ${PAB_FLAGS.join(", ")} to true.`
            : `bucket ${b.name} has no aws.s3.BucketPublicAccessBlock.`,
          b.urn,
        ),
    );
    if (n === 0) args.notApplicable("no S3 buckets in this stack");
  }),
};

export const awsRequiredTags: ResourceValidationPolicy = {
  name: "aws-required-tags",
  description:
    "Taggable AWS resources carry the required tag keys (by default team and cost-center, as every stack's pipeline-service:tags sets them), from their own tags or the provider's defaultTags. Advisory: tagging is for cost and ownership, not safety.",
  enforcementLevel: "advisory",
  severity: "low",
  configSchema: tagsSchema,
  validateResource: judged((args, reportViolation) => {
    const cfg = configOf<{ requiredKeys: string[]; resourceTypes: string[] }>(args, tagsSchema);
    if (!args.type.startsWith("aws:")) args.notApplicable("not an AWS resource");
    // Taggable: on the list, or it has a tags input (types not on the list that accept tags).
    const hasTags = read(() => args.props.tags !== undefined, true);
    if (!cfg.resourceTypes.includes(args.type) && !hasTags)
      args.notApplicable("not a taggable type on the list, and no tags");
    if (cfg.requiredKeys.length === 0) return;
    if (cannotJudgeYet("tags", () => Object.keys(args.props.tags ?? {}))) return;
    const keys = new Set<string>(Object.keys(args.props.tags ?? {}));
    if (cfg.requiredKeys.every((k) => keys.has(k))) return;
    // The engine may hand provider inputs over JSON-encoded.
    if (cannotJudgeYet("the provider's defaultTags", () => args.provider?.props.defaultTags)) return;
    const defaults = maybeJson(args.provider?.props.defaultTags as unknown);
    const fromProvider = maybeJson(read(() => (defaults as { tags?: unknown } | undefined)?.tags));
    if (fromProvider && typeof fromProvider === "object")
      Object.keys(fromProvider).forEach((k) => keys.add(k));
    const missing = cfg.requiredKeys.filter((k) => !keys.has(k));
    if (missing.length > 0) reportViolation(`missing tag key(s): ${missing.join(", ")}.`);
  }),
};

// Advisory, not mandatory: a long-lived IAM user access key is a static credential that leaks
// (stack state, config, pods' environment) and never expires, so it should block; but the shipped
// AWS stacks' S3LogBucket (components/data/s3-log-bucket.ts) creates one for Tekton Results' S3 log
// storage, so as mandatory it would fail them. Raise it once Results uses IRSA / EKS Pod Identity.
export const iamNoStaticAccessKeys: ResourceValidationPolicy = {
  name: "iam-no-static-access-keys",
  description:
    "No IAM user gets a static access key (aws.iam.AccessKey): workloads use roles (IRSA, EKS Pod Identity) with short-lived credentials. Advisory until Results' S3 log storage stops using one.",
  enforcementLevel: "advisory",
  severity: "high",
  validateResource: judged((args, reportViolation) => {
    if (args.type !== ACCESS_KEY) args.notApplicable("not an aws.iam.AccessKey");
    // An Inactive key cannot sign requests; AWS's default status is Active.
    if (cannotJudgeYet("status", () => args.props.status)) return;
    if (args.props.status === "Inactive") return;
    const user = read(() => args.props.user as unknown);
    reportViolation(
      `${args.name} is a static access key${typeof user === "string" && user !== "" ? ` of IAM user ${user}` : ""}: use an IAM role (IRSA or EKS Pod Identity) instead.`,
    );
  }),
};

export const awsPolicies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  eksEndpointAccess,
  eksSecretsEncryption,
  eksControlPlaneLogging,
  eksNodeGroupsSpanZones,
  rdsMultiAz,
  rdsStorageEncrypted,
  rdsBackupRetention,
  rdsDeletionProtection,
  rdsNotPublic,
  s3BucketEncryption,
  s3BucketVersioning,
  s3PublicAccessBlock,
  awsRequiredTags,
  iamNoStaticAccessKeys,
];
