// Tekton Results log storage on AWS: a private S3 bucket (SSE-KMS with its own key, versioning,
// public access blocked, ACLs disabled, TLS-only policy, logs expiring after retentionDays) and an
// IAM user whose access key Results uses.
//
// Why an IAM user with a static key and not IRSA / Pod Identity: Tekton Results v0.20.0's S3 log store
// always installs a static credentials provider built from S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY
// (pkg/api/server/v1alpha2/log/s3.go, initConfig: config.WithCredentialsProvider(
// credentials.NewStaticCredentialsProvider(...)) on every path), which replaces the SDK's default chain:
// with empty keys it fails instead of reading the web identity token. The user can do nothing but use
// this bucket and its key; rotate by replacing the AccessKey resource (`pulumi up --replace <its URN>`):
// the Results API's checksum changes with the key and it rolls onto the new one.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

export interface S3LogBucketArgs {
  /** The AWS provider of the region (never the default provider). */
  provider: aws.Provider;
  /** The AWS region (Results' S3_REGION). */
  region: string;
  /** Days after which log objects expire (LogsConfig.retentionDays). @default 90 */
  retentionDays?: number;
  /** Days a replaced or deleted log version is kept (versioning's safety net). @default 7 */
  noncurrentVersionDays?: number;
  /** Encrypt with this key. @default a new KMS key */
  kmsKeyArn?: pulumi.Input<string>;
  /** Let `pulumi destroy` delete a bucket that still holds logs. @default false */
  forceDestroy?: boolean;
  /**
   * Pulumi-protects the stateful leaves: the bucket and the KMS key it creates (when kmsKeyArn is unset).
   * The bucket's settings, the IAM user, its policy and access key stay unprotected (the key rotates by
   * replacement). @default false
   */
  protect?: boolean;
  /** @default {} */
  tags?: Record<string, string>;
}

/** Checks the arguments that are plain values; throws an Error naming the problem. */
export function validateS3LogBucketArgs(args: S3LogBucketArgs): void {
  if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(args.region))
    throw new Error(`region ${JSON.stringify(args.region)} is not an AWS region`);
  for (const [k, v] of [
    ["retentionDays", args.retentionDays ?? 90],
    ["noncurrentVersionDays", args.noncurrentVersionDays ?? 7],
  ] as const)
    if (!Number.isInteger(v) || v < 1 || v > 3650) throw new Error(`${k} ${v} must be from 1 to 3650`);
}

/** Lifecycle: expire logs, drop old versions and stale delete markers, abort stuck uploads. */
export function logLifecycleRules(
  retentionDays: number,
  noncurrentVersionDays: number,
): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
  return [
    {
      id: "expire-logs",
      status: "Enabled",
      filter: { prefix: "" },
      expiration: { days: retentionDays },
      noncurrentVersionExpiration: { noncurrentDays: noncurrentVersionDays },
      abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
    },
    {
      // Separate rule: S3 refuses days and expiredObjectDeleteMarker in one expiration.
      id: "remove-expired-delete-markers",
      status: "Enabled",
      filter: { prefix: "" },
      expiration: { expiredObjectDeleteMarker: true },
    },
  ];
}

/** Bucket policy: refuse every request that does not come over TLS (1.2 or newer). */
export function tlsOnlyBucketPolicy(bucketArn: string): object {
  const resources = [bucketArn, `${bucketArn}/*`];
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: resources,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
      {
        Sid: "DenyOutdatedTls",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: resources,
        Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
      },
    ],
  };
}

/** The Results user's policy: list, read, write and delete logs in this bucket; use its key. */
export function resultsLogPolicy(bucketArn: string, kmsKeyArn: string): object {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ListBucket",
        Effect: "Allow",
        Action: ["s3:ListBucket", "s3:GetBucketLocation"],
        Resource: bucketArn,
      },
      {
        Sid: "ReadWriteLogs",
        Effect: "Allow",
        Action: [
          "s3:GetObject",
          "s3:PutObject",
          "s3:DeleteObject",
          "s3:AbortMultipartUpload",
          "s3:ListMultipartUploadParts",
        ],
        Resource: `${bucketArn}/*`,
      },
      {
        Sid: "UseBucketKey",
        Effect: "Allow",
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:ReEncrypt*", "kms:DescribeKey"],
        Resource: kmsKeyArn,
      },
    ],
  };
}

/** An S3 bucket for Tekton Results logs and the credentials Results writes them with. */
export class S3LogBucket extends pulumi.ComponentResource {
  public readonly bucketName: pulumi.Output<string>;
  public readonly bucketArn: pulumi.Output<string>;
  public readonly region: pulumi.Output<string>;
  /** Results' S3 endpoint for the region. */
  public readonly endpoint: pulumi.Output<string>;
  public readonly kmsKeyArn: pulumi.Output<string>;
  /** Access key of the Results user (a Pulumi secret). */
  public readonly accessKeyId: pulumi.Output<string>;
  /** Secret access key of the Results user (a Pulumi secret). */
  public readonly secretAccessKey: pulumi.Output<string>;

  constructor(name: string, args: S3LogBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pipeline-service:data:S3LogBucket", name, {}, opts);
    try {
      validateS3LogBucketArgs(args);
    } catch (e) {
      throw new pulumi.ResourceError(`S3LogBucket ${name}: ${(e as Error).message}`, this);
    }
    const child = { parent: this, provider: args.provider };
    const stateful = { ...child, protect: args.protect ?? false };
    const tags = { ...args.tags, "pipeline-service/component": "results-logs" };

    const kmsKeyArn =
      args.kmsKeyArn ??
      new aws.kms.Key(
        `${name}-kms`,
        {
          description: `Tekton Results logs ${name}`,
          enableKeyRotation: true,
          deletionWindowInDays: 30,
          tags,
        },
        stateful,
      ).arn;

    const bucket = new aws.s3.Bucket(
      `${name}-logs`,
      { forceDestroy: args.forceDestroy ?? false, tags },
      stateful,
    );
    // Children of the bucket would inherit its protect: its settings are not data, so they never are.
    const onBucket = { ...child, parent: bucket, protect: false };

    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      {
        bucket: bucket.bucket,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      onBucket,
    );
    new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket: bucket.bucket, rule: { objectOwnership: "BucketOwnerEnforced" } },
      onBucket,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-sse`,
      {
        bucket: bucket.bucket,
        rules: [
          {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: kmsKeyArn },
            // S3 Bucket Keys: far fewer KMS calls (and cost) for many small log objects.
            bucketKeyEnabled: true,
          },
        ],
      },
      onBucket,
    );
    const versioning = new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket: bucket.bucket, versioningConfiguration: { status: "Enabled" } },
      onBucket,
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        bucket: bucket.bucket,
        rules: logLifecycleRules(args.retentionDays ?? 90, args.noncurrentVersionDays ?? 7),
      },
      // Noncurrent-version rules need versioning to be on first.
      { ...onBucket, dependsOn: [versioning] },
    );
    new aws.s3.BucketPolicy(
      `${name}-tls-only`,
      { bucket: bucket.bucket, policy: bucket.arn.apply((arn) => JSON.stringify(tlsOnlyBucketPolicy(arn))) },
      // S3 rejects policy writes while the public access block is still being applied.
      { ...onBucket, dependsOn: [publicAccess] },
    );

    const user = new aws.iam.User(`${name}-results`, { path: "/pipeline-service/", tags }, child);
    new aws.iam.UserPolicy(
      `${name}-results-logs`,
      {
        user: user.name,
        policy: pulumi
          .all([bucket.arn, kmsKeyArn])
          .apply(([arn, key]) => JSON.stringify(resultsLogPolicy(arn, key))),
      },
      { ...child, parent: user },
    );
    const accessKey = new aws.iam.AccessKey(
      `${name}-results-key`,
      { user: user.name },
      { ...child, parent: user, additionalSecretOutputs: ["secret"] },
    );

    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.region = pulumi.output(args.region);
    this.endpoint = pulumi.output(`https://s3.${args.region}.amazonaws.com`);
    this.kmsKeyArn = pulumi.output(kmsKeyArn);
    // The key id is also the resource id, which the engine cannot keep secret in state; the
    // outputs are secrets all the same, so nothing downstream prints them.
    this.accessKeyId = pulumi.secret(accessKey.id);
    this.secretAccessKey = pulumi.secret(accessKey.secret);
    this.registerOutputs({
      bucketName: this.bucketName,
      bucketArn: this.bucketArn,
      region: this.region,
      endpoint: this.endpoint,
      kmsKeyArn: this.kmsKeyArn,
      accessKeyId: this.accessKeyId,
      secretAccessKey: this.secretAccessKey,
    });
  }
}
