// The Tekton Results database on AWS: RDS for PostgreSQL in the region's private subnets, reachable
// on 5432 only from the cluster's security group, TLS forced by the parameter group, encrypted with
// its own KMS key, Multi-AZ, backed up, protected from deletion and snapshotted if deleted anyway.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as aws from "@pulumi/aws";
import { DB_PASSWORD_ARGS, type PostgresDatabase } from "./postgres";

export const POSTGRES_PORT = 5432;
/** Oldest PostgreSQL major that RDS still offers standard support for. */
export const MIN_RDS_POSTGRES_MAJOR = 13;

export interface RdsDatabaseArgs {
  /** The AWS provider of the region (never the default provider). */
  provider: aws.Provider;
  /** VPC of the cluster. */
  vpcId: pulumi.Input<string>;
  /** Private subnets, in at least two availability zones (RDS requires it for a subnet group). */
  privateSubnetIds: pulumi.Input<string>[];
  /** The EKS cluster security group (attached to the nodes); the only source allowed on 5432. */
  clusterSecurityGroupId: pulumi.Input<string>;
  /** RDS instance class, e.g. db.m6g.large (DatabaseConfig.instanceClass). */
  instanceClass: string;
  /** PostgreSQL major or major.minor, e.g. "16" (DatabaseConfig.engineVersion). */
  engineVersion: string;
  /** @default 50 */
  allocatedStorageGb?: number;
  /** Storage autoscaling ceiling. @default 4 × allocatedStorageGb */
  maxAllocatedStorageGb?: number;
  /** Days of automated backups (point-in-time recovery window). @default 14 */
  backupRetentionDays?: number;
  /** Standby in a second zone with automatic failover. @default true */
  multiAz?: boolean;
  /** Database created on the instance. @default "tekton_results" */
  databaseName?: string;
  /** Master user name, also the user Results connects as. @default "tekton" */
  username?: string;
  /** Encrypt storage, snapshots and Performance Insights with this key. @default a new KMS key */
  kmsKeyArn?: pulumi.Input<string>;
  /**
   * Pulumi-protects the stateful leaves: the RDS instance and the KMS key it creates (when kmsKeyArn is
   * unset). Every other child (subnet group, security group, parameter group, password) stays
   * unprotected, so it can be replaced. @default false
   */
  protect?: boolean;
  /** @default {} */
  tags?: Record<string, string>;
}

/** The DB parameter group family of an engine version: "16.4" → "postgres16". */
export function parameterGroupFamily(engineVersion: string): string {
  const m = /^(\d+)(\.\d+)?$/.exec(engineVersion);
  if (!m)
    throw new Error(`engineVersion ${JSON.stringify(engineVersion)} is not a PostgreSQL version such as 16`);
  const major = Number(m[1]);
  if (major < MIN_RDS_POSTGRES_MAJOR)
    throw new Error(
      `engineVersion ${engineVersion}: PostgreSQL ${MIN_RDS_POSTGRES_MAJOR} or newer is required`,
    );
  return `postgres${major}`;
}

/**
 * An RDS identifier from a resource name: letters, digits and single hyphens, starting with a
 * letter, at most 255 characters (final snapshots must not collide with another stack's).
 */
export function finalSnapshotIdentifier(name: string): string {
  const base = `${name}-final`
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .replace(/-+/g, "-")
    .replace(/^[^a-z]+/, "");
  return (base || "db-final").slice(0, 255).replace(/-+$/, "");
}

/** Checks the arguments that are plain values; throws an Error naming the problem. */
export function validateRdsArgs(args: RdsDatabaseArgs): void {
  parameterGroupFamily(args.engineVersion);
  if (!/^db\.[a-z0-9]+\.[a-z0-9]+$/.test(args.instanceClass))
    throw new Error(`instanceClass ${JSON.stringify(args.instanceClass)} is not an RDS instance class`);
  if (args.privateSubnetIds.length < 2)
    throw new Error("privateSubnetIds needs subnets in at least two zones");
  const days = args.backupRetentionDays ?? 14;
  if (!Number.isInteger(days) || days < 1 || days > 35)
    throw new Error(`backupRetentionDays ${days} must be from 1 to 35 (0 would turn backups off)`);
  const storage = args.allocatedStorageGb ?? 50;
  if ((args.maxAllocatedStorageGb ?? storage * 4) < storage)
    throw new Error("maxAllocatedStorageGb must not be below allocatedStorageGb");
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(args.databaseName ?? "tekton_results"))
    throw new Error("databaseName must be a lowercase PostgreSQL identifier");
  const user = args.username ?? "tekton";
  if (!/^[a-z][a-z0-9_]{0,15}$/.test(user) || ["admin", "rdsadmin", "rdsrepladmin"].includes(user))
    throw new Error(`username ${JSON.stringify(user)} is not allowed as an RDS master user`);
}

/** A PostgreSQL database on RDS for Tekton Results. */
export class RdsDatabase extends pulumi.ComponentResource implements PostgresDatabase {
  public readonly host: pulumi.Output<string>;
  public readonly port: pulumi.Output<number>;
  public readonly database: pulumi.Output<string>;
  public readonly username: pulumi.Output<string>;
  /** The master password (a Pulumi secret). */
  public readonly password: pulumi.Output<string>;
  public readonly securityGroupId: pulumi.Output<string>;
  public readonly kmsKeyArn: pulumi.Output<string>;

  constructor(name: string, args: RdsDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pipeline-service:data:RdsDatabase", name, {}, opts);
    try {
      validateRdsArgs(args);
    } catch (e) {
      throw new pulumi.ResourceError(`RdsDatabase ${name}: ${(e as Error).message}`, this);
    }
    const child = { parent: this, provider: args.provider };
    const stateful = { ...child, protect: args.protect ?? false };
    const tags = { ...args.tags, "pipeline-service/component": "results-database" };
    const databaseName = args.databaseName ?? "tekton_results";
    const username = args.username ?? "tekton";
    const allocatedStorage = args.allocatedStorageGb ?? 50;

    const kmsKeyArn =
      args.kmsKeyArn ??
      new aws.kms.Key(
        `${name}-kms`,
        {
          description: `Tekton Results database ${name}: storage, snapshots, Performance Insights`,
          enableKeyRotation: true,
          deletionWindowInDays: 30,
          tags,
        },
        stateful,
      ).arn;

    const subnetGroup = new aws.rds.SubnetGroup(
      `${name}-subnets`,
      { subnetIds: args.privateSubnetIds, description: `Private subnets of ${name}`, tags },
      child,
    );

    // No inline rules: the provider then removes AWS's default allow-all egress, and the one ingress
    // rule below is the only way in.
    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      { vpcId: args.vpcId, description: `PostgreSQL ${name}: 5432 from the cluster only`, tags },
      child,
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-from-cluster`,
      {
        securityGroupId: securityGroup.id,
        referencedSecurityGroupId: args.clusterSecurityGroupId,
        ipProtocol: "tcp",
        fromPort: POSTGRES_PORT,
        toPort: POSTGRES_PORT,
        description: "PostgreSQL from the cluster security group",
        tags,
      },
      child,
    );

    const parameterGroup = new aws.rds.ParameterGroup(
      `${name}-params`,
      {
        family: parameterGroupFamily(args.engineVersion),
        description: `${name}: TLS required`,
        // Static before PostgreSQL 15, so applied at the next reboot there.
        parameters: [{ name: "rds.force_ssl", value: "1", applyMethod: "pending-reboot" }],
        tags,
      },
      child,
    );

    const password = new random.RandomPassword(`${name}-master`, DB_PASSWORD_ARGS, { parent: this });

    const instance = new aws.rds.Instance(
      `${name}-postgres`,
      {
        engine: "postgres",
        engineVersion: args.engineVersion,
        instanceClass: args.instanceClass,
        dbName: databaseName,
        username,
        password: password.result,
        port: POSTGRES_PORT,
        allocatedStorage,
        maxAllocatedStorage: args.maxAllocatedStorageGb ?? allocatedStorage * 4,
        storageType: "gp3",
        storageEncrypted: true,
        kmsKeyId: kmsKeyArn,
        multiAz: args.multiAz ?? true,
        dbSubnetGroupName: subnetGroup.name,
        vpcSecurityGroupIds: [securityGroup.id],
        parameterGroupName: parameterGroup.name,
        publiclyAccessible: false,
        backupRetentionPeriod: args.backupRetentionDays ?? 14,
        copyTagsToSnapshot: true,
        deleteAutomatedBackups: false,
        deletionProtection: true,
        skipFinalSnapshot: false,
        finalSnapshotIdentifier: finalSnapshotIdentifier(name),
        performanceInsightsEnabled: true,
        performanceInsightsKmsKeyId: kmsKeyArn,
        performanceInsightsRetentionPeriod: 7,
        enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
        autoMinorVersionUpgrade: true,
        allowMajorVersionUpgrade: false,
        applyImmediately: false,
        tags,
      },
      stateful,
    );

    this.host = instance.address;
    this.port = instance.port;
    this.database = pulumi.output(databaseName);
    this.username = pulumi.output(username);
    this.password = pulumi.secret(password.result);
    this.securityGroupId = securityGroup.id;
    this.kmsKeyArn = pulumi.output(kmsKeyArn);
    this.registerOutputs({
      host: this.host,
      port: this.port,
      database: this.database,
      username: this.username,
      password: this.password,
      securityGroupId: this.securityGroupId,
      kmsKeyArn: this.kmsKeyArn,
    });
  }
}
