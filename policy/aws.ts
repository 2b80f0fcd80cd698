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
import { configOf, isOpenCidr, isUnknown, knownStrings, maybeJson, read, referencedResources } from "./util";

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
      default: ["pipeline-service/region"],
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
        "aws:cloudwatch/logGroup:LogGroup",
      ],
      description: "Type tokens the tag rule applies to (all of them accept `tags`).",
    },
  },
};

export const eksEndpointAccess: ResourceValidationPolicy = {
  name: "eks-endpoint-access",
  description:
    "The EKS API endpoint is private, or public only to an allow-list that does not contain 0.0.0.0/0.",
  enforcementLevel: "mandatory",
  severity: "critical",
  validateResource: validateResourceOfType(eks.Cluster, (cluster, _args, reportViolation) => {
    const vpc = read(() => cluster.vpcConfig);
    if (!vpc) {
      reportViolation("vpcConfig is not set, so AWS opens a public endpoint to 0.0.0.0/0.");
      return;
    }
    // AWS defaults: public access on, to 0.0.0.0/0; private access off.
    const publicAccess = read(() => vpc.endpointPublicAccess, true) ?? true;
    const privateAccess = read(() => vpc.endpointPrivateAccess, true) ?? false;
    if (publicAccess) {
      if (isUnknown(() => vpc.publicAccessCidrs)) return;
      const cidrs = knownStrings(() => vpc.publicAccessCidrs);
      if (cidrs.length === 0) {
        reportViolation("endpointPublicAccess is on without publicAccessCidrs (AWS then allows 0.0.0.0/0).");
      }
      for (const c of cidrs.filter(isOpenCidr)) {
        reportViolation(`publicAccessCidrs contains ${c}: list the networks that may reach the API.`);
      }
    } else if (!privateAccess) {
      reportViolation("both endpointPublicAccess and endpointPrivateAccess are off: the API is unreachable.");
    }
  }),
};

export const eksSecretsEncryption: ResourceValidationPolicy = {
  name: "eks-secrets-encryption",
  description: 'EKS clusters encrypt Kubernetes Secrets with a KMS key (encryptionConfig covers "secrets").',
  enforcementLevel: "mandatory",
  severity: "high",
  validateResource: validateResourceOfType(eks.Cluster, (cluster, _args, reportViolation) => {
    const enc = read(() => cluster.encryptionConfig);
    if (!enc) {
      reportViolation("encryptionConfig is not set: Secrets in etcd are not envelope-encrypted.");
      return;
    }
    if (isUnknown(() => enc.resources)) return;
    if (!knownStrings(() => enc.resources).includes("secrets")) {
      reportViolation('encryptionConfig.resources does not include "secrets".');
    }
    // An unknown key ARN (a key created in this update) counts as set.
    const keyArn = read(() => enc.provider?.keyArn, "(unknown)");
    if (!keyArn) reportViolation("encryptionConfig.provider.keyArn is empty.");
  }),
};

export const eksControlPlaneLogging: ResourceValidationPolicy = {
  name: "eks-control-plane-logging",
  description: "EKS clusters send the api, audit and authenticator control-plane logs to CloudWatch.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: loggingSchema,
  validateResource: validateResourceOfType(eks.Cluster, (cluster, args, reportViolation) => {
    const { requiredLogTypes } = configOf<{ requiredLogTypes: string[] }>(args, loggingSchema);
    if (isUnknown(() => cluster.enabledClusterLogTypes)) return;
    const enabled = knownStrings(() => cluster.enabledClusterLogTypes);
    const missing = requiredLogTypes.filter((t) => !enabled.includes(t));
    if (missing.length > 0) {
      reportViolation(`enabledClusterLogTypes lacks ${missing.join(", ")}.`);
    }
  }),
};

/** The availability zones of the subnets a node group uses; `unresolved` counts subnets not in the stack. */
function nodeGroupZones(
  all: readonly PolicyResource[],
  ng: PolicyResource,
): { zones: string[]; unresolved: number } {
  const subnets = referencedResources(all, ng, "subnetIds", [SUBNET]);
  const zones = new Set<string>();
  for (const s of subnets) {
    const z = read(() => (s.props.availabilityZone ?? s.props.availabilityZoneId) as unknown);
    if (typeof z === "string" && z !== "") zones.add(z);
  }
  // In preview the list may be unknown (-1): then trust its property dependencies, or give no verdict.
  const total = read(() => (ng.props.subnetIds as unknown[] | undefined)?.length ?? 0, -1);
  const fromDeps = (ng.propertyDependencies.subnetIds ?? []).filter((d) => d.type === SUBNET).length;
  const listed = total < 0 ? fromDeps || 1 : total;
  return { zones: [...zones], unresolved: Math.max(0, listed - subnets.length) };
}

export const eksNodeGroupsSpanZones: StackValidationPolicy = {
  name: "eks-node-groups-span-zones",
  description:
    "The managed node groups of each EKS cluster together span at least 3 availability zones, so a region survives the loss of a zone.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: zonesSchema,
  validateStack: (args, reportViolation) => {
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
      for (const ng of ngs) {
        const z = nodeGroupZones(args.resources, ng);
        z.zones.forEach((x) => zones.add(x));
        unresolved += z.unresolved;
      }
      // Subnets outside the stack (an existing VPC) cannot be judged here: no verdict then.
      if (zones.size < minZones && unresolved === 0) {
        const where = urn ? "" : ` (cluster ${key})`;
        reportViolation(
          `node groups ${ngs.map((n) => n.name).join(", ")}${where} span ${zones.size} zone(s) [${[...zones].sort().join(", ")}]; at least ${minZones} are required.`,
          urn ?? ngs[0].urn,
        );
      }
    }
  },
};

export const rdsMultiAz: ResourceValidationPolicy = {
  name: "rds-multi-az",
  description:
    "RDS instances run Multi-AZ (a standby in another zone). Advisory: a region may accept a single-AZ database (database.multiAz: false).",
  enforcementLevel: "advisory",
  severity: "medium",
  validateResource: validateResourceOfType(rds.Instance, (db, _args, reportViolation) => {
    if (read(() => db.multiAz, true) !== true) reportViolation("multiAz is not true.");
  }),
};

export const rdsStorageEncrypted: ResourceValidationPolicy = {
  name: "rds-storage-encrypted",
  description: "RDS instances encrypt their storage (storageEncrypted: true).",
  enforcementLevel: "mandatory",
  severity: "high",
  validateResource: validateResourceOfType(rds.Instance, (db, _args, reportViolation) => {
    if (read(() => db.storageEncrypted, true) !== true) reportViolation("storageEncrypted is not true.");
  }),
};

export const rdsBackupRetention: ResourceValidationPolicy = {
  name: "rds-backup-retention",
  description: "RDS instances keep automated backups for at least 7 days.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: backupSchema,
  validateResource: validateResourceOfType(rds.Instance, (db, args, reportViolation) => {
    const { minRetentionDays } = configOf<{ minRetentionDays: number }>(args, backupSchema);
    if (isUnknown(() => db.backupRetentionPeriod)) return;
    const days = db.backupRetentionPeriod ?? 0; // AWS default for API-created instances: 0 or 1
    if (days < minRetentionDays) {
      reportViolation(`backupRetentionPeriod is ${days}; at least ${minRetentionDays} days are required.`);
    }
  }),
};

export const rdsDeletionProtection: ResourceValidationPolicy = {
  name: "rds-deletion-protection",
  description:
    "RDS instances have deletionProtection on, so a mistaken replace or destroy cannot drop the database.",
  enforcementLevel: "mandatory",
  severity: "high",
  validateResource: validateResourceOfType(rds.Instance, (db, _args, reportViolation) => {
    if (read(() => db.deletionProtection, true) !== true) reportViolation("deletionProtection is not true.");
  }),
};

export const rdsNotPublic: ResourceValidationPolicy = {
  name: "rds-not-publicly-accessible",
  description: "RDS instances are not publicly accessible.",
  enforcementLevel: "mandatory",
  severity: "critical",
  validateResource: validateResourceOfType(rds.Instance, (db, _args, reportViolation) => {
    if (read(() => db.publiclyAccessible, false) === true) reportViolation("publiclyAccessible is true.");
  }),
};

/** Reports every bucket in the stack for which no companion resource satisfies `ok`. */
function eachBucketNeeds(
  all: readonly PolicyResource[],
  companionTypes: readonly string[],
  ok: (companion: PolicyResource) => boolean,
  inlineOk: (bucket: PolicyResource) => boolean,
  report: (bucket: PolicyResource, found: boolean) => void,
): number {
  const buckets = all.filter((r) => BUCKETS.includes(r.type));
  const companions = all.filter((r) => companionTypes.includes(r.type));
  for (const b of buckets) {
    if (inlineOk(b)) continue;
    const mine = companions.filter((c) =>
      referencedResources(all, c, "bucket", BUCKETS, ["bucket", "id"]).some((x) => x.urn === b.urn),
    );
    if (!mine.some(ok)) report(b, mine.length > 0);
  }
  return buckets.length;
}

export const s3BucketEncryption: StackValidationPolicy = {
  name: "s3-bucket-encryption",
  description:
    "Every S3 bucket has a BucketServerSideEncryptionConfiguration with a default encryption rule (AES256 or aws:kms).",
  enforcementLevel: "mandatory",
  severity: "high",
  validateStack: (args, reportViolation) => {
    const n = eachBucketNeeds(
      args.resources,
      SSE_CONFIGS,
      (c) => {
        const rules = read(() => c.props.rules as unknown[] | undefined, [{}]) ?? [];
        return rules.length > 0;
      },
      // Deprecated inline form on the bucket itself still counts.
      (b) => read(() => b.props.serverSideEncryptionConfiguration !== undefined, true),
      (b, found) =>
        reportViolation(
          found
            ? `bucket ${b.name}: its encryption configuration has no rules.`
            : `bucket ${b.name} has no aws.s3.BucketServerSideEncryptionConfiguration.`,
          b.urn,
        ),
    );
    if (n === 0) args.notApplicable("no S3 buckets in this stack");
  },
};

export const s3BucketVersioning: StackValidationPolicy = {
  name: "s3-bucket-versioning",
  description:
    "Every S3 bucket has versioning enabled (aws.s3.BucketVersioning with status Enabled), so overwrites and deletes can be undone.",
  enforcementLevel: "mandatory",
  severity: "high",
  validateStack: (args, reportViolation) => {
    const n = eachBucketNeeds(
      args.resources,
      VERSIONINGS,
      (c) =>
        read(
          () => (c.props.versioningConfiguration as { status?: string } | undefined)?.status,
          "Enabled",
        ) === "Enabled",
      (b) => read(() => (b.props.versioning as { enabled?: boolean } | undefined)?.enabled, true) === true,
      (b, found) =>
        reportViolation(
          found
            ? `bucket ${b.name}: versioning status is not Enabled.`
            : `bucket ${b.name} has no aws.s3.BucketVersioning.`,
          b.urn,
        ),
    );
    if (n === 0) args.notApplicable("no S3 buckets in this stack");
  },
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
  validateStack: (args, reportViolation) => {
    const n = eachBucketNeeds(
      args.resources,
      [PUBLIC_ACCESS_BLOCK],
      (c) => PAB_FLAGS.every((f) => read(() => c.props[f] as unknown, true) === true),
      () => false,
      (b, found) =>
        reportViolation(
          found
            ? `bucket ${b.name}: its public access block does not set all of ${PAB_FLAGS.join(", ")} to true.`
            : `bucket ${b.name} has no aws.s3.BucketPublicAccessBlock.`,
          b.urn,
        ),
    );
    if (n === 0) args.notApplicable("no S3 buckets in this stack");
  },
};

export const awsRequiredTags: ResourceValidationPolicy = {
  name: "aws-required-tags",
  description:
    "Taggable AWS resources carry the required tag keys, from their own tags or the provider's defaultTags. Advisory: tagging is for cost and ownership, not safety.",
  enforcementLevel: "advisory",
  severity: "low",
  configSchema: tagsSchema,
  validateResource: (args, reportViolation) => {
    const cfg = configOf<{ requiredKeys: string[]; resourceTypes: string[] }>(args, tagsSchema);
    if (!cfg.resourceTypes.includes(args.type)) args.notApplicable("not a taggable type on the list");
    const keys = new Set<string>();
    const own = read(() => args.props.tags as Record<string, unknown> | undefined);
    if (own && typeof own === "object") Object.keys(own).forEach((k) => keys.add(k));
    // The engine may hand provider inputs over JSON-encoded.
    const defaults = maybeJson(read(() => args.provider?.props.defaultTags as unknown));
    const parsed = maybeJson(read(() => (defaults as { tags?: unknown } | undefined)?.tags));
    if (parsed && typeof parsed === "object") Object.keys(parsed).forEach((k) => keys.add(k));
    const missing = cfg.requiredKeys.filter((k) => !keys.has(k));
    if (missing.length > 0) reportViolation(`missing tag key(s): ${missing.join(", ")}.`);
  },
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
];
