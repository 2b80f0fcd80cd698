import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import {
  awsRequiredTags,
  iamNoStaticAccessKeys,
  eksControlPlaneLogging,
  eksEndpointAccess,
  eksNodeGroupsSpanZones,
  eksSecretsEncryption,
  rdsBackupRetention,
  rdsDeletionProtection,
  rdsMultiAz,
  rdsNotPublic,
  rdsStorageEncrypted,
  s3BucketEncryption,
  s3BucketVersioning,
  s3PublicAccessBlock,
} from "../../policy/aws";
import { UNKNOWN, messages, providerRef, runResource, runStack, stackResource, withPath } from "./helpers";

const EKS = "aws:eks/cluster:Cluster";
const RDS = "aws:rds/instance:Instance";

const goodCluster = {
  name: "aws-us-east-1",
  roleArn: "arn:aws:iam::123456789012:role/eks",
  vpcConfig: {
    subnetIds: ["subnet-a", "subnet-b", "subnet-c"],
    endpointPrivateAccess: true,
    endpointPublicAccess: false,
  },
  encryptionConfig: {
    provider: { keyArn: "arn:aws:kms:us-east-1:123456789012:key/1" },
    resources: ["secrets"],
  },
  enabledClusterLogTypes: ["api", "audit", "authenticator"],
};

const goodDb = {
  engine: "postgres",
  instanceClass: "db.m6g.large",
  multiAz: true,
  storageEncrypted: true,
  backupRetentionPeriod: 14,
  deletionProtection: true,
  publiclyAccessible: false,
};

async function violationsOf(policy: ResourceValidationPolicy, type: string, props: Record<string, unknown>) {
  return messages(await runResource(policy, type, props));
}

describe("eks-endpoint-access", () => {
  it("passes a private endpoint and a public one with an allow-list", async () => {
    assert.deepEqual(await violationsOf(eksEndpointAccess, EKS, goodCluster), []);
    const allowListed = withPath(
      withPath(goodCluster, "vpcConfig.endpointPublicAccess", true),
      "vpcConfig.publicAccessCidrs",
      ["203.0.113.0/24"],
    );
    assert.deepEqual(await violationsOf(eksEndpointAccess, EKS, allowListed), []);
  });

  it("rejects 0.0.0.0/0, a public endpoint without a list, and AWS's public default", async () => {
    const open = withPath(
      withPath(goodCluster, "vpcConfig.endpointPublicAccess", true),
      "vpcConfig.publicAccessCidrs",
      ["10.0.0.0/8", "0.0.0.0/0"],
    );
    const m = await violationsOf(eksEndpointAccess, EKS, open);
    assert.equal(m.length, 1);
    assert.match(m[0], /0\.0\.0\.0\/0/);
    const noList = withPath(goodCluster, "vpcConfig.endpointPublicAccess", true);
    assert.match((await violationsOf(eksEndpointAccess, EKS, noList))[0], /without publicAccessCidrs/);
    // endpointPublicAccess unset means public (AWS default).
    const unset = withPath(goodCluster, "vpcConfig.endpointPublicAccess", undefined);
    assert.equal((await violationsOf(eksEndpointAccess, EKS, unset)).length, 1);
  });

  it("rejects a cluster with no endpoint at all, and is not applicable to other types", async () => {
    const none = withPath(goodCluster, "vpcConfig.endpointPrivateAccess", false);
    assert.match((await violationsOf(eksEndpointAccess, EKS, none))[0], /unreachable/);
    const o = await runResource(eksEndpointAccess, RDS, goodDb);
    assert.equal(o.notApplicable.length, 1);
  });

  it("reports cannot judge yet (advisory), not a pass, while the allow-list is unknown (preview)", async () => {
    const pending = withPath(
      withPath(goodCluster, "vpcConfig.endpointPublicAccess", true),
      "vpcConfig.publicAccessCidrs",
      UNKNOWN.array,
    );
    const o = await runResource(eksEndpointAccess, EKS, pending);
    assert.deepEqual(messages(o), []);
    assert.equal(o.cannotJudge.length, 1);
    assert.match(o.cannotJudge[0], /^cannot judge yet .*vpcConfig\.publicAccessCidrs/);
    // A known open CIDR beside an unknown one is still a violation, and the unknown one is reported.
    const mixed = withPath(
      withPath(goodCluster, "vpcConfig.endpointPublicAccess", true),
      "vpcConfig.publicAccessCidrs",
      ["0.0.0.0/0", UNKNOWN.string],
    );
    const m = await runResource(eksEndpointAccess, EKS, mixed);
    assert.equal(messages(m).length, 1);
    assert.match(m.cannotJudge[0], /publicAccessCidrs\[1\]/);
    // An unknown vpcConfig is not "vpcConfig is not set".
    const whole = await runResource(
      eksEndpointAccess,
      EKS,
      withPath(goodCluster, "vpcConfig", UNKNOWN.object),
    );
    assert.deepEqual(messages(whole), []);
    assert.match(whole.cannotJudge[0], /vpcConfig/);
  });
});

describe("eks-secrets-encryption", () => {
  it("passes when secrets are encrypted with a KMS key; a key created in the same update cannot be judged yet", async () => {
    const good = await runResource(eksSecretsEncryption, EKS, goodCluster);
    assert.deepEqual(messages(good), []);
    assert.deepEqual(good.cannotJudge, []);
    const pendingKey = withPath(goodCluster, "encryptionConfig.provider.keyArn", UNKNOWN.string);
    const o = await runResource(eksSecretsEncryption, EKS, pendingKey);
    assert.deepEqual(messages(o), []);
    assert.match(o.cannotJudge[0], /cannot judge yet .*encryptionConfig\.provider\.keyArn/);
  });

  it("rejects a missing encryptionConfig or one that leaves out secrets", async () => {
    const none = withPath(goodCluster, "encryptionConfig", undefined);
    assert.match((await violationsOf(eksSecretsEncryption, EKS, none))[0], /not set/);
    const other = withPath(goodCluster, "encryptionConfig.resources", ["configmaps"]);
    assert.match((await violationsOf(eksSecretsEncryption, EKS, other))[0], /"secrets"/);
  });
});

describe("eks-control-plane-logging", () => {
  it("passes with api, audit and authenticator", async () => {
    assert.deepEqual(await violationsOf(eksControlPlaneLogging, EKS, goodCluster), []);
  });

  it("names the missing log types, and honours configured requirements", async () => {
    const partial = withPath(goodCluster, "enabledClusterLogTypes", ["api"]);
    assert.deepEqual(await violationsOf(eksControlPlaneLogging, EKS, partial), [
      "enabledClusterLogTypes lacks audit, authenticator.",
    ]);
    const none = withPath(goodCluster, "enabledClusterLogTypes", undefined);
    assert.equal((await violationsOf(eksControlPlaneLogging, EKS, none)).length, 1);
    const o = await runResource(eksControlPlaneLogging, EKS, goodCluster, {
      config: { requiredLogTypes: ["api", "scheduler"] },
    });
    assert.deepEqual(messages(o), ["enabledClusterLogTypes lacks scheduler."]);
  });

  it("cannot judge an unknown list yet, nor a missing type while one entry is unknown", async () => {
    const whole = await runResource(
      eksControlPlaneLogging,
      EKS,
      withPath(goodCluster, "enabledClusterLogTypes", UNKNOWN.array),
    );
    assert.deepEqual(messages(whole), []);
    assert.match(whole.cannotJudge[0], /enabledClusterLogTypes/);
    const part = await runResource(
      eksControlPlaneLogging,
      EKS,
      withPath(goodCluster, "enabledClusterLogTypes", ["api", UNKNOWN.string]),
    );
    assert.deepEqual(messages(part), []);
    assert.match(part.cannotJudge[0], /enabledClusterLogTypes\[1\]/);
  });
});

describe("eks-node-groups-span-zones", () => {
  const subnet = (name: string, az: string) =>
    stackResource("aws:ec2/subnet:Subnet", name, { id: `${name}-id`, availabilityZone: az, vpcId: "vpc-1" });
  const cluster = stackResource(EKS, "eks", { name: "eks-cluster" });
  const nodeGroup = (name: string, subnets: PolicyResource[], subnetIds: unknown = UNKNOWN.array) =>
    stackResource(
      "aws:eks/nodeGroup:NodeGroup",
      name,
      { clusterName: UNKNOWN.string, subnetIds },
      { propertyDependencies: { clusterName: [cluster], subnetIds: subnets } },
    );
  const a = subnet("a", "us-east-1a");
  const b = subnet("b", "us-east-1b");
  const c = subnet("c", "us-east-1c");

  it("passes when the cluster's node groups together span three zones (found through dependencies)", async () => {
    const o = await runStack(eksNodeGroupsSpanZones, [
      cluster,
      a,
      b,
      c,
      nodeGroup("ng1", [a, b]),
      nodeGroup("ng2", [c]),
    ]);
    assert.deepEqual(o.violations, []);
  });

  it("reports a cluster whose node groups span two zones, against the cluster", async () => {
    const o = await runStack(eksNodeGroupsSpanZones, [cluster, a, b, nodeGroup("ng1", [a, b])]);
    assert.equal(o.violations.length, 1);
    assert.equal(o.violations[0].urn, cluster.urn);
    assert.match(o.violations[0].message, /span 2 zone\(s\) \[us-east-1a, us-east-1b\]/);
  });

  it("matches subnet ids when there are no property dependencies, and honours minZones", async () => {
    const ng = stackResource("aws:eks/nodeGroup:NodeGroup", "ng", {
      clusterName: "eks-cluster",
      subnetIds: ["a-id", "b-id"],
    });
    const o = await runStack(eksNodeGroupsSpanZones, [cluster, a, b, ng], { minZones: 2 });
    assert.deepEqual(o.violations, []);
    const strict = await runStack(eksNodeGroupsSpanZones, [cluster, a, b, ng]);
    assert.equal(strict.violations.length, 1);
  });

  it("cannot judge yet while a subnet's zone is unknown and the known ones are too few", async () => {
    const pendingZone = stackResource("aws:ec2/subnet:Subnet", "c", {
      id: "c-id",
      availabilityZone: UNKNOWN.string,
    });
    const o = await runStack(eksNodeGroupsSpanZones, [
      cluster,
      a,
      b,
      pendingZone,
      nodeGroup("ng", [a, b, pendingZone]),
    ]);
    assert.deepEqual(o.violations, []);
    assert.match(o.cannotJudge[0], /subnet c: availabilityZone/);
    // Enough known zones: a verdict (a pass) without a note.
    const d = subnet("d", "us-east-1c");
    const enough = await runStack(eksNodeGroupsSpanZones, [
      cluster,
      a,
      b,
      d,
      pendingZone,
      nodeGroup("ng", [a, b, d, pendingZone]),
    ]);
    assert.deepEqual(enough.violations, []);
    assert.deepEqual(enough.cannotJudge, []);
  });

  it("gives no verdict for subnets outside the stack, and is not applicable without node groups", async () => {
    const ng = stackResource("aws:eks/nodeGroup:NodeGroup", "ng", {
      clusterName: "eks-cluster",
      subnetIds: ["subnet-existing-1"],
    });
    assert.deepEqual((await runStack(eksNodeGroupsSpanZones, [cluster, ng])).violations, []);
    assert.equal((await runStack(eksNodeGroupsSpanZones, [cluster, a])).notApplicable.length, 1);
  });
});

describe("RDS instance rules", () => {
  const cases: [ResourceValidationPolicy, string, unknown, RegExp][] = [
    [rdsMultiAz, "multiAz", false, /multiAz/],
    [rdsStorageEncrypted, "storageEncrypted", undefined, /storageEncrypted/],
    [rdsBackupRetention, "backupRetentionPeriod", 3, /is 3; at least 7/],
    [rdsDeletionProtection, "deletionProtection", false, /deletionProtection/],
    [rdsNotPublic, "publiclyAccessible", true, /publiclyAccessible/],
  ];
  for (const [policy, prop, bad, pattern] of cases) {
    it(`${policy.name}: passes the good instance, rejects ${prop}=${String(bad)}`, async () => {
      assert.deepEqual(await violationsOf(policy, RDS, goodDb), []);
      const m = await violationsOf(policy, RDS, withPath(goodDb, prop, bad));
      assert.equal(m.length, 1);
      assert.match(m[0], pattern);
    });
  }

  it("rds-backup-retention: an unset period fails; the minimum is configurable", async () => {
    assert.equal(
      (await violationsOf(rdsBackupRetention, RDS, withPath(goodDb, "backupRetentionPeriod", undefined)))
        .length,
      1,
    );
    const o = await runResource(rdsBackupRetention, RDS, goodDb, { config: { minRetentionDays: 21 } });
    assert.match(messages(o)[0], /at least 21/);
  });

  for (const [policy, prop] of cases.map(([p, prop]) => [p, prop] as const)) {
    it(`${policy.name}: an unknown ${prop} (preview) cannot be judged yet, and is no pass`, async () => {
      const o = await runResource(policy, RDS, withPath(goodDb, prop, UNKNOWN.boolean));
      assert.deepEqual(messages(o), []);
      assert.equal(o.cannotJudge.length, 1);
      assert.match(o.cannotJudge[0], new RegExp(`^cannot judge yet .*${prop}`));
    });
  }

  it("rds-multi-az is advisory (a region may choose single-AZ); the others are mandatory", () => {
    assert.equal(rdsMultiAz.enforcementLevel, "advisory");
    for (const p of [rdsStorageEncrypted, rdsBackupRetention, rdsDeletionProtection, rdsNotPublic]) {
      assert.equal(p.enforcementLevel, "mandatory", p.name);
    }
  });
});

describe("S3 bucket companions", () => {
  const bucket = stackResource("aws:s3/bucket:Bucket", "logs", { bucket: "logs-123", id: "logs-123" });
  const other = stackResource("aws:s3/bucket:Bucket", "other", { bucket: "other-1", id: "other-1" });
  const sse = (
    b: PolicyResource,
    rules: unknown[] = [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }],
  ) =>
    stackResource(
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      `${b.name}-sse`,
      { bucket: UNKNOWN.string, rules },
      { propertyDependencies: { bucket: [b] } },
    );
  const versioning = (b: PolicyResource, status = "Enabled") =>
    stackResource(
      "aws:s3/bucketVersioning:BucketVersioning",
      `${b.name}-versioning`,
      { bucket: UNKNOWN.string, versioningConfiguration: { status } },
      { propertyDependencies: { bucket: [b] } },
    );
  const pab = (b: PolicyResource, flags: Record<string, boolean> = {}) =>
    stackResource(
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      `${b.name}-pab`,
      {
        bucket: UNKNOWN.string,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
        ...flags,
      },
      { propertyDependencies: { bucket: [b] } },
    );

  async function check(policy: StackValidationPolicy, resources: PolicyResource[]) {
    return (await runStack(policy, resources)).violations;
  }

  it("s3-bucket-encryption: each bucket needs its own configuration with an SSE rule", async () => {
    assert.deepEqual(await check(s3BucketEncryption, [bucket, sse(bucket)]), []);
    const v = await check(s3BucketEncryption, [bucket, other, sse(bucket)]);
    assert.equal(v.length, 1);
    assert.equal(v[0].urn, other.urn);
    assert.match(v[0].message, /no aws\.s3\.BucketServerSideEncryptionConfiguration/);
    assert.match((await check(s3BucketEncryption, [bucket, sse(bucket, [])]))[0].message, /no rule/);
    assert.match((await check(s3BucketEncryption, [bucket, sse(bucket, [{}])]))[0].message, /no rule/);
  });

  it("s3-bucket-encryption: AWS's default encryption (the bucket's computed output) does not count", async () => {
    // What aws v7's Bucket reports for every bucket, since AWS encrypts new buckets by default.
    const defaulted = stackResource("aws:s3/bucket:Bucket", "logs", {
      bucket: "logs-123",
      id: "logs-123",
      serverSideEncryptionConfiguration: {
        rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      },
    });
    const v = await check(s3BucketEncryption, [defaulted]);
    assert.equal(v.length, 1);
    assert.match(v[0].message, /bucket logs has no aws\.s3\.BucketServerSideEncryptionConfiguration/);
    // The V2 names count as well.
    const v2 = stackResource(
      "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
      "sse",
      { bucket: "logs-123", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }] },
    );
    assert.deepEqual(await check(s3BucketEncryption, [defaulted, v2]), []);
  });

  it("s3-bucket-encryption: links by bucket name when there are no property dependencies", async () => {
    const byName = stackResource(
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      "sse",
      { bucket: "logs-123", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
    );
    assert.deepEqual(await check(s3BucketEncryption, [bucket, byName]), []);
    assert.equal((await runStack(s3BucketEncryption, [])).notApplicable.length, 1);
  });

  it("s3-bucket-encryption: unknown rules, or a configuration whose bucket is unknown, cannot be judged yet", async () => {
    const o = await runStack(s3BucketEncryption, [bucket, sse(bucket, UNKNOWN.array)]);
    assert.deepEqual(o.violations, []);
    assert.match(o.cannotJudge[0], /cannot judge yet .*logs-sse: rules/);
    const unlinked = stackResource(
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      "sse",
      { bucket: UNKNOWN.string, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
    );
    const u = await runStack(s3BucketEncryption, [bucket, unlinked]);
    assert.deepEqual(u.violations, []);
    assert.match(u.cannotJudge[0], /sse: bucket/);
  });

  it("s3-bucket-versioning: needs its own BucketVersioning with status Enabled", async () => {
    assert.deepEqual(await check(s3BucketVersioning, [bucket, versioning(bucket)]), []);
    assert.match(
      (await check(s3BucketVersioning, [bucket, versioning(bucket, "Suspended")]))[0].message,
      /not Enabled/,
    );
    assert.match((await check(s3BucketVersioning, [bucket]))[0].message, /no aws\.s3\.BucketVersioning/);
    // The bucket's own (computed, deprecated) versioning output does not count.
    const inline = stackResource("aws:s3/bucket:Bucket", "logs", {
      bucket: "logs-123",
      id: "logs-123",
      versioning: { enabled: true, mfaDelete: false },
    });
    assert.match((await check(s3BucketVersioning, [inline]))[0].message, /no aws\.s3\.BucketVersioning/);
    const v2 = stackResource("aws:s3/bucketVersioningV2:BucketVersioningV2", "v", {
      bucket: "logs-123",
      versioningConfiguration: { status: "Enabled" },
    });
    assert.deepEqual(await check(s3BucketVersioning, [inline, v2]), []);
  });

  it("s3-bucket-versioning: an unknown status cannot be judged yet", async () => {
    const o = await runStack(s3BucketVersioning, [bucket, versioning(bucket, UNKNOWN.string)]);
    assert.deepEqual(o.violations, []);
    assert.match(o.cannotJudge[0], /versioningConfiguration\.status/);
  });

  it("s3-public-access-block: all four flags must be true", async () => {
    assert.deepEqual(await check(s3PublicAccessBlock, [bucket, pab(bucket)]), []);
    const v = await check(s3PublicAccessBlock, [bucket, pab(bucket, { restrictPublicBuckets: false })]);
    assert.equal(v.length, 1);
    assert.match(v[0].message, /does not set all/);
    assert.equal((await check(s3PublicAccessBlock, [bucket, other, pab(bucket)])).length, 1);
    const pending = await runStack(s3PublicAccessBlock, [
      bucket,
      pab(bucket, { blockPublicAcls: UNKNOWN.boolean }),
    ]);
    assert.deepEqual(pending.violations, []);
    assert.match(pending.cannotJudge[0], /logs-pab/);
  });
});

describe("aws-required-tags", () => {
  const TAGS = { team: "pipeline-service", "cost-center": "platform" };

  it("accepts tags from the resource or from the provider's defaultTags (also JSON-encoded)", async () => {
    const own = await runResource(awsRequiredTags, RDS, { ...goodDb, tags: TAGS });
    assert.deepEqual(messages(own), []);
    const fromProvider = await runResource(awsRequiredTags, RDS, goodDb, {
      provider: providerRef("pulumi:providers:aws", "aws", {
        region: "us-east-1",
        defaultTags: JSON.stringify({ tags: TAGS }),
      }),
    });
    assert.deepEqual(messages(fromProvider), []);
    const split = await runResource(
      awsRequiredTags,
      RDS,
      { ...goodDb, tags: { team: "x" } },
      {
        provider: providerRef("pulumi:providers:aws", "aws", {
          defaultTags: { tags: { "cost-center": "y" } },
        }),
      },
    );
    assert.deepEqual(messages(split), []);
  });

  it("requires what the stacks set (team, cost-center), not the tag no stack sets", async () => {
    // Tagged as the program tags every resource from the stack's pipeline-service:tags.
    const shipped = {
      Name: "aws-us-east-1-vpc",
      team: "pipeline-service",
      "cost-center": "platform",
      environment: "production",
    };
    assert.deepEqual(
      messages(
        await runResource(awsRequiredTags, "aws:ec2/vpc:Vpc", { cidrBlock: "10.0.0.0/16", tags: shipped }),
      ),
      [],
    );
    assert.deepEqual(awsRequiredTags.configSchema?.properties.requiredKeys, {
      ...(awsRequiredTags.configSchema?.properties.requiredKeys as object),
      default: ["team", "cost-center"],
    });
  });

  it("reports missing keys, honours configured keys, skips types that take no tags", async () => {
    assert.deepEqual(messages(await runResource(awsRequiredTags, RDS, goodDb)), [
      "missing tag key(s): team, cost-center.",
    ]);
    assert.deepEqual(messages(await runResource(awsRequiredTags, RDS, { ...goodDb, tags: { team: "x" } })), [
      "missing tag key(s): cost-center.",
    ]);
    const o = await runResource(
      awsRequiredTags,
      RDS,
      { ...goodDb, tags: TAGS },
      { config: { requiredKeys: ["team", "cost-center", "owner"] } },
    );
    assert.deepEqual(messages(o), ["missing tag key(s): owner."]);
    const skipped = await runResource(awsRequiredTags, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", {
      role: "r",
      policyArn: "arn",
    });
    assert.equal(skipped.notApplicable.length, 1);
    assert.equal(
      (await runResource(awsRequiredTags, "kubernetes:core/v1:Namespace", {})).notApplicable.length,
      1,
    );
    // A type off the list that has a tags input is judged.
    const queue = await runResource(awsRequiredTags, "aws:sqs/queue:Queue", { tags: { team: "x" } });
    assert.deepEqual(messages(queue), ["missing tag key(s): cost-center."]);
  });

  it("cannot judge unknown tags yet (no violation, no pass)", async () => {
    const o = await runResource(awsRequiredTags, RDS, { ...goodDb, tags: UNKNOWN.object });
    assert.deepEqual(messages(o), []);
    assert.match(o.cannotJudge[0], /cannot judge yet .*tags/);
  });
});

describe("iam-no-static-access-keys", () => {
  const KEY = "aws:iam/accessKey:AccessKey";

  it("reports an active access key, also one whose user is not known yet", async () => {
    const o = await runResource(iamNoStaticAccessKeys, KEY, { user: "results" }, { name: "results-key" });
    assert.deepEqual(messages(o), [
      "results-key is a static access key of IAM user results: use an IAM role (IRSA or EKS Pod Identity) instead.",
    ]);
    const pendingUser = await runResource(iamNoStaticAccessKeys, KEY, {
      user: UNKNOWN.string,
      status: "Active",
    });
    assert.equal(messages(pendingUser).length, 1);
  });

  it("passes an inactive key and other resources; cannot judge an unknown status yet", async () => {
    assert.deepEqual(
      messages(await runResource(iamNoStaticAccessKeys, KEY, { user: "u", status: "Inactive" })),
      [],
    );
    const role = await runResource(iamNoStaticAccessKeys, "aws:iam/role:Role", { assumeRolePolicy: "{}" });
    assert.deepEqual(messages(role), []);
    assert.equal(role.notApplicable.length, 1);
    const o = await runResource(iamNoStaticAccessKeys, KEY, { user: "u", status: UNKNOWN.string });
    assert.deepEqual(messages(o), []);
    assert.match(o.cannotJudge[0], /status/);
  });

  it("is advisory: the shipped AWS stacks' Results log bucket still uses a key", () => {
    assert.equal(iamNoStaticAccessKeys.enforcementLevel, "advisory");
  });
});
