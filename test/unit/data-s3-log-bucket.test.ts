// S3LogBucket: the policies and lifecycle rules it renders, and under mocks a private, encrypted,
// versioned bucket with logs expiring after retentionDays, a TLS-only policy, and an IAM user scoped
// to the bucket whose keys come out as secrets.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { Registered, settle, setupMocks, valueOf } from "../helpers/mocks";
import { protectedOf, quiesce, recordRegistrations } from "../helpers/engine-recorder";
import type { LogsConfig } from "../../infra/config";
import {
  S3LogBucket,
  S3LogBucketArgs,
  logLifecycleRules,
  resultsLogPolicy,
  tlsOnlyBucketPolicy,
  validateS3LogBucketArgs,
} from "../../components/data/s3-log-bucket";

const { resources } = setupMocks({
  outputs: {
    "aws:kms/key:Key": (a) => ({ arn: `arn:aws:kms:us-east-1:111122223333:key/${a.name}` }),
    "aws:s3/bucket:Bucket": (a) => ({ bucket: `${a.name}-123`, arn: `arn:aws:s3:::${a.name}-123` }),
    "aws:iam/user:User": (a) => ({ name: `${a.name}-u` }),
    "aws:iam/accessKey:AccessKey": () => ({ secret: "wJalrXUtnFEMI/K7MDENG" }),
  },
});
// Registrations as the engine receives them (with protect), from here on.
const registrations = recordRegistrations();

const logsConfig: Extract<LogsConfig, { kind: "s3" }> = { kind: "s3", retentionDays: 30 };

interface Statement {
  Sid: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string>>;
}

describe("S3LogBucket rendering", () => {
  test("bucket policy denies non-TLS and TLS < 1.2 on the bucket and its objects", () => {
    const policy = tlsOnlyBucketPolicy("arn:aws:s3:::b") as { Statement: Statement[] };
    assert.deepEqual(
      policy.Statement.map((s) => [s.Effect, s.Action, s.Resource, s.Condition]),
      [
        [
          "Deny",
          "s3:*",
          ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
          { Bool: { "aws:SecureTransport": "false" } },
        ],
        [
          "Deny",
          "s3:*",
          ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
          { NumericLessThan: { "s3:TlsVersion": "1.2" } },
        ],
      ],
    );
  });

  test("the Results user may only use this bucket and its key", () => {
    const policy = resultsLogPolicy("arn:aws:s3:::b", "arn:aws:kms:r:1:key/k") as { Statement: Statement[] };
    const resourcesOf = policy.Statement.flatMap((s) => [s.Resource].flat());
    assert.deepEqual(resourcesOf.sort(), ["arn:aws:kms:r:1:key/k", "arn:aws:s3:::b", "arn:aws:s3:::b/*"]);
    for (const s of policy.Statement) {
      assert.equal(s.Effect, "Allow");
      for (const a of [s.Action].flat()) assert.ok(!a.endsWith(":*") && a !== "*", a);
    }
    const actions = policy.Statement.flatMap((s) => [s.Action].flat());
    for (const a of ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "kms:GenerateDataKey", "kms:Decrypt"])
      assert.ok(actions.includes(a), a);
  });

  test("lifecycle: logs expire after retentionDays, old versions and markers are cleaned up", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3650 }),
        fc.integer({ min: 1, max: 3650 }),
        (days, noncurrent) => {
          const [main, markers] = logLifecycleRules(days, noncurrent);
          assert.equal(main.status, "Enabled");
          assert.deepEqual(main.filter, { prefix: "" });
          assert.deepEqual(main.expiration, { days });
          assert.deepEqual(main.noncurrentVersionExpiration, { noncurrentDays: noncurrent });
          assert.deepEqual(main.abortIncompleteMultipartUpload, { daysAfterInitiation: 7 });
          assert.deepEqual(markers.expiration, { expiredObjectDeleteMarker: true });
        },
      ),
    );
  });

  test("validation", () => {
    const p = {} as aws.Provider;
    assert.doesNotThrow(() => validateS3LogBucketArgs({ provider: p, region: "us-east-1" }));
    assert.throws(() => validateS3LogBucketArgs({ provider: p, region: "mars-1" }), /not an AWS region/);
    assert.throws(
      () => validateS3LogBucketArgs({ provider: p, region: "us-east-1", retentionDays: 0 }),
      /retentionDays 0/,
    );
    assert.throws(
      () => validateS3LogBucketArgs({ provider: p, region: "us-east-1", noncurrentVersionDays: 4000 }),
      /noncurrentVersionDays 4000/,
    );
  });
});

describe("S3LogBucket under mocks", () => {
  const under = (name: string) => (r: Registered) => r.name.startsWith(`${name}-`);
  const one = (rs: Registered[], type: string): Registered => {
    const found = rs.filter((r) => r.type === type);
    assert.equal(found.length, 1, `one ${type}, got ${found.length}`);
    return found[0];
  };

  test("private, encrypted, versioned, expiring, TLS-only bucket and a scoped user with secret keys", async () => {
    const provider = new aws.Provider("aws-east", { region: "us-east-1" });
    const bucketArgs: S3LogBucketArgs = {
      ...logsConfig,
      provider,
      region: "us-east-1",
      tags: { region: "east" },
    };
    const logs = new S3LogBucket("results", bucketArgs);
    await settle();
    const mine = resources.filter(under("results"));
    const bucketName = "results-logs-123";
    const bucketArn = `arn:aws:s3:::${bucketName}`;
    const keyArn = "arn:aws:kms:us-east-1:111122223333:key/results-kms";

    const bucket = one(mine, "aws:s3/bucket:Bucket").inputs;
    assert.equal(bucket.forceDestroy, false);
    assert.equal(bucket.acl, undefined);
    assert.equal(bucket.policy, undefined);
    assert.equal((bucket.tags as Record<string, string>).region, "east");

    const sse = one(
      mine,
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    ).inputs;
    assert.equal(sse.bucket, bucketName);
    assert.deepEqual(sse.rules, [
      {
        applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: keyArn },
        bucketKeyEnabled: true,
      },
    ]);
    assert.equal(one(mine, "aws:kms/key:Key").inputs.enableKeyRotation, true);
    const versioning = one(mine, "aws:s3/bucketVersioning:BucketVersioning").inputs;
    assert.deepEqual(
      [versioning.bucket, versioning.versioningConfiguration],
      [bucketName, { status: "Enabled" }],
    );
    const pab = one(mine, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs;
    assert.deepEqual(
      [
        pab.bucket,
        pab.blockPublicAcls,
        pab.blockPublicPolicy,
        pab.ignorePublicAcls,
        pab.restrictPublicBuckets,
      ],
      [bucketName, true, true, true, true],
    );
    const ownership = one(mine, "aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs;
    assert.deepEqual(ownership.rule, { objectOwnership: "BucketOwnerEnforced" });
    const lifecycle = one(mine, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs;
    assert.deepEqual((lifecycle.rules as { expiration: unknown }[])[0].expiration, { days: 30 });
    const policy = JSON.parse(one(mine, "aws:s3/bucketPolicy:BucketPolicy").inputs.policy as string);
    assert.deepEqual(policy, tlsOnlyBucketPolicy(bucketArn));

    const user = one(mine, "aws:iam/user:User").inputs;
    assert.equal(user.path, "/pipeline-service/");
    const userPolicy = one(mine, "aws:iam/userPolicy:UserPolicy").inputs;
    assert.equal(userPolicy.user, "results-results-u");
    assert.deepEqual(JSON.parse(userPolicy.policy as string), resultsLogPolicy(bucketArn, keyArn));
    assert.equal(one(mine, "aws:iam/accessKey:AccessKey").inputs.user, "results-results-u");

    const awsChildren = mine.filter((r) => r.type.startsWith("aws:"));
    assert.equal(awsChildren.length, 11);
    for (const r of awsChildren) assert.match(r.provider ?? "", /pulumi:providers:aws::aws-east::/, r.name);

    assert.equal(await valueOf(logs.bucketName), bucketName);
    assert.equal(await valueOf(logs.region), "us-east-1");
    assert.equal(await valueOf(logs.endpoint), "https://s3.us-east-1.amazonaws.com");
    assert.equal(await pulumi.isSecret(logs.accessKeyId), true);
    assert.equal(await pulumi.isSecret(logs.secretAccessKey), true);
    assert.equal(await valueOf(logs.accessKeyId), "results-results-key-id");
    assert.equal(await valueOf(logs.secretAccessKey), "wJalrXUtnFEMI/K7MDENG");
    assert.equal(await pulumi.isSecret(logs.bucketName), false);
  });

  test("a given KMS key is used instead of a new one", async () => {
    const provider = new aws.Provider("aws-west", { region: "us-west-2" });
    new S3LogBucket("given", { provider, region: "us-west-2", kmsKeyArn: "arn:aws:kms:us-west-2:1:key/k" });
    await settle();
    const mine = resources.filter(under("given"));
    assert.equal(mine.filter((r) => r.type === "aws:kms/key:Key").length, 0);
    const sse = one(
      mine,
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    );
    assert.equal(
      (sse.inputs.rules as { applyServerSideEncryptionByDefault: { kmsMasterKeyId: string } }[])[0]
        .applyServerSideEncryptionByDefault.kmsMasterKeyId,
      "arn:aws:kms:us-west-2:1:key/k",
    );
    const lifecycle = one(mine, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs;
    assert.deepEqual((lifecycle.rules as { expiration: unknown }[])[0].expiration, { days: 90 });
  });

  test("bad arguments fail with a ResourceError naming the component", () => {
    const provider = new aws.Provider("aws-bad", { region: "us-east-1" });
    assert.throws(
      () => new S3LogBucket("bad", { provider, region: "us-east-1", retentionDays: -5 }),
      (e: Error) => pulumi.ResourceError.isInstance(e) && /^S3LogBucket bad: retentionDays/.test(e.message),
    );
  });
});

describe("S3LogBucket protect", () => {
  test("protect: the bucket and its KMS key only (not the bucket's settings); without it, nothing", async () => {
    new S3LogBucket("guarded", {
      provider: new aws.Provider("aws-guarded", { region: "us-east-1" }),
      region: "us-east-1",
      protect: true,
    });
    new S3LogBucket("open", {
      provider: new aws.Provider("aws-open", { region: "us-east-1" }),
      region: "us-east-1",
    });
    await settle();
    await quiesce();
    assert.deepEqual(protectedOf(registrations, "guarded"), [
      "aws:kms/key:Key guarded-kms",
      "aws:s3/bucket:Bucket guarded-logs",
    ]);
    // The bucket's settings are its children (they would inherit its protect): registered, not protected.
    assert.ok(registrations.some((r) => r.name === "guarded-public-access" && !r.protect));
    assert.deepEqual(protectedOf(registrations, "open"), []);
  });
});
