// RdsDatabase: the pure helpers, and under mocks the resources it asks for (private, Multi-AZ,
// encrypted, TLS forced, backed up, deletion-protected, reachable from the cluster only), with the
// password a secret end to end.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { Registered, settle, setupMocks, valueOf } from "../helpers/mocks";
import { protectedOf, quiesce, recordRegistrations } from "../helpers/engine-recorder";
import { unwrap } from "../helpers/secrets";
import type { DatabaseConfig } from "../../infra/config";
import {
  RdsDatabase,
  RdsDatabaseArgs,
  finalSnapshotIdentifier,
  parameterGroupFamily,
  validateRdsArgs,
} from "../../components/data/rds-database";

const { resources } = setupMocks({
  outputs: {
    "aws:kms/key:Key": (a) => ({ arn: `arn:aws:kms:us-east-1:111122223333:key/${a.name}` }),
    "aws:rds/subnetGroup:SubnetGroup": (a) => ({ name: `${a.name}-x` }),
    "aws:rds/parameterGroup:ParameterGroup": (a) => ({ name: `${a.name}-x` }),
    "aws:rds/instance:Instance": () => ({ address: "db.abc.us-east-1.rds.amazonaws.com", port: 5432 }),
  },
});
// Registrations as the engine receives them (with protect), from here on.
const registrations = recordRegistrations();

/** What DB_PASSWORD_ARGS draws (generated for real by the mocks): 32 letters and digits, each class present. */
const DB_PASSWORD = /^(?=.*[a-z])(?=.*[A-Z])(?=.*[0-9])[A-Za-z0-9]{32}$/;

const rdsConfig: Extract<DatabaseConfig, { kind: "rds" }> = {
  kind: "rds",
  instanceClass: "db.m6g.large",
  engineVersion: "16",
  allocatedStorageGb: 50,
  backupRetentionDays: 21,
  multiAz: true,
};

function newProvider(name: string) {
  return new aws.Provider(name, { region: "us-east-1" });
}

function args(provider: aws.Provider, extra: Partial<RdsDatabaseArgs> = {}): RdsDatabaseArgs {
  // The config entry spreads straight into the args, plus the network facts.
  return {
    ...rdsConfig,
    provider,
    vpcId: "vpc-1",
    privateSubnetIds: ["subnet-a", "subnet-b", "subnet-c"],
    clusterSecurityGroupId: "sg-cluster",
    tags: { region: "aws-us-east-1" },
    ...extra,
  };
}

const under = (name: string) => (r: Registered) => r.name.startsWith(`${name}-`);
const one = (rs: Registered[], type: string): Registered => {
  const found = rs.filter((r) => r.type === type);
  assert.equal(found.length, 1, `one ${type}, got ${found.length}`);
  return found[0];
};

describe("RdsDatabase helpers", () => {
  test("parameter group family from the major version", () => {
    assert.equal(parameterGroupFamily("16"), "postgres16");
    assert.equal(parameterGroupFamily("16.4"), "postgres16");
    fc.assert(
      fc.property(fc.integer({ min: 13, max: 99 }), fc.option(fc.nat(99)), (major, minor) => {
        assert.equal(
          parameterGroupFamily(minor === null ? `${major}` : `${major}.${minor}`),
          `postgres${major}`,
        );
      }),
    );
    assert.throws(() => parameterGroupFamily("12"), /13 or newer/);
    assert.throws(() => parameterGroupFamily("latest"), /not a PostgreSQL version/);
  });

  test("final snapshot identifiers are valid RDS identifiers for any name", () => {
    assert.equal(finalSnapshotIdentifier("aws-us-east-1-results"), "aws-us-east-1-results-final");
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (name) => {
        const id = finalSnapshotIdentifier(name);
        assert.match(id, /^[a-z][a-z0-9-]*$/);
        assert.ok(!id.includes("--") && !id.endsWith("-") && id.length <= 255, id);
      }),
    );
  });

  test("validation names the bad argument", () => {
    const p = {} as aws.Provider;
    assert.doesNotThrow(() => validateRdsArgs(args(p)));
    assert.throws(() => validateRdsArgs(args(p, { privateSubnetIds: ["subnet-a"] })), /two zones/);
    assert.throws(() => validateRdsArgs(args(p, { backupRetentionDays: 0 })), /backupRetentionDays 0/);
    assert.throws(() => validateRdsArgs(args(p, { username: "admin" })), /username "admin"/);
    assert.throws(() => validateRdsArgs(args(p, { instanceClass: "m6g.large" })), /instanceClass/);
    assert.throws(() => validateRdsArgs(args(p, { engineVersion: "11" })), /13 or newer/);
    assert.throws(() => validateRdsArgs(args(p, { maxAllocatedStorageGb: 10 })), /maxAllocatedStorageGb/);
    assert.throws(() => validateRdsArgs(args(p, { databaseName: "Tekton-Results" })), /databaseName/);
  });
});

describe("RdsDatabase under mocks", () => {
  test("a private, Multi-AZ, encrypted, backed-up, deletion-protected instance", async () => {
    const provider = newProvider("aws-east");
    const db = new RdsDatabase("results", args(provider));
    await settle();
    const mine = resources.filter(under("results"));
    const instance = one(mine, "aws:rds/instance:Instance").inputs;
    assert.equal(instance.engine, "postgres");
    assert.equal(instance.engineVersion, "16");
    assert.equal(instance.multiAz, true);
    assert.equal(instance.storageEncrypted, true);
    assert.equal(instance.kmsKeyId, "arn:aws:kms:us-east-1:111122223333:key/results-kms");
    assert.equal(instance.performanceInsightsEnabled, true);
    assert.equal(instance.performanceInsightsKmsKeyId, instance.kmsKeyId);
    assert.equal(instance.publiclyAccessible, false);
    assert.equal(instance.deletionProtection, true);
    assert.equal(instance.skipFinalSnapshot, false);
    assert.equal(instance.finalSnapshotIdentifier, "results-final");
    assert.equal(instance.backupRetentionPeriod, 21);
    assert.equal(instance.deleteAutomatedBackups, false);
    assert.equal(instance.allocatedStorage, 50);
    assert.equal(instance.maxAllocatedStorage, 200);
    assert.equal(instance.dbName, "tekton_results");
    assert.equal(instance.username, "tekton");
    assert.equal(instance.dbSubnetGroupName, "results-subnets-x");
    assert.equal(instance.parameterGroupName, "results-params-x");
    assert.deepEqual(instance.vpcSecurityGroupIds, ["results-sg-id"]);
    assert.equal((instance.tags as Record<string, string>).region, "aws-us-east-1");

    const password = unwrap(instance.password);
    assert.equal(password.secret, true, "the master password reaches RDS as a secret");
    assert.match(String(password.value), DB_PASSWORD);

    const kms = one(mine, "aws:kms/key:Key").inputs;
    assert.equal(kms.enableKeyRotation, true);
    assert.deepEqual(one(mine, "aws:rds/subnetGroup:SubnetGroup").inputs.subnetIds, [
      "subnet-a",
      "subnet-b",
      "subnet-c",
    ]);
    const params = one(mine, "aws:rds/parameterGroup:ParameterGroup").inputs;
    assert.equal(params.family, "postgres16");
    assert.deepEqual(params.parameters, [
      { name: "rds.force_ssl", value: "1", applyMethod: "pending-reboot" },
    ]);

    // 5432 from the cluster security group, and nothing else.
    const sg = one(mine, "aws:ec2/securityGroup:SecurityGroup").inputs;
    assert.equal(sg.vpcId, "vpc-1");
    assert.equal(sg.ingress, undefined);
    assert.equal(sg.egress, undefined);
    const rule = one(mine, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").inputs;
    assert.deepEqual(
      [rule.securityGroupId, rule.referencedSecurityGroupId, rule.ipProtocol, rule.fromPort, rule.toPort],
      ["results-sg-id", "sg-cluster", "tcp", 5432, 5432],
    );
    assert.equal(rule.cidrIpv4, undefined);
    assert.equal(mine.filter((r) => r.type === "aws:ec2/securityGroupRule:SecurityGroupRule").length, 0);

    // Every AWS child uses the region's provider, never the default one.
    const aws_ = mine.filter((r) => r.type.startsWith("aws:"));
    assert.equal(aws_.length, 6);
    for (const r of aws_) assert.match(r.provider ?? "", /pulumi:providers:aws::aws-east::/, r.name);

    assert.equal(await valueOf(db.host), "db.abc.us-east-1.rds.amazonaws.com");
    assert.equal(await valueOf(db.port), 5432);
    assert.equal(await valueOf(db.database), "tekton_results");
    assert.equal(await valueOf(db.username), "tekton");
    assert.equal(await pulumi.isSecret(db.password), true);
    assert.equal(await valueOf(db.password), password.value);
    assert.equal(await pulumi.isSecret(db.host), false);
    assert.equal(await valueOf(db.kmsKeyArn), "arn:aws:kms:us-east-1:111122223333:key/results-kms");
  });

  test("single-AZ when asked, and a given KMS key is used instead of a new one", async () => {
    const provider = newProvider("aws-west");
    new RdsDatabase(
      "solo",
      args(provider, { multiAz: false, kmsKeyArn: "arn:aws:kms:us-east-1:1:key/given" }),
    );
    await settle();
    const mine = resources.filter(under("solo"));
    assert.equal(mine.filter((r) => r.type === "aws:kms/key:Key").length, 0);
    const instance = one(mine, "aws:rds/instance:Instance").inputs;
    assert.equal(instance.multiAz, false);
    assert.equal(instance.kmsKeyId, "arn:aws:kms:us-east-1:1:key/given");
    assert.equal(instance.deletionProtection, true);
  });

  test("bad arguments fail with a ResourceError naming the component", () => {
    const provider = newProvider("aws-bad");
    assert.throws(
      () => new RdsDatabase("bad", args(provider, { privateSubnetIds: ["subnet-a"] })),
      (e: Error) => pulumi.ResourceError.isInstance(e) && /^RdsDatabase bad: .*two zones/.test(e.message),
    );
  });
});

describe("RdsDatabase protect", () => {
  test("protect: the instance and its KMS key only; without it, nothing", async () => {
    new RdsDatabase("guarded", args(newProvider("aws-guarded"), { protect: true }));
    new RdsDatabase("open", args(newProvider("aws-open")));
    new RdsDatabase("given-key", args(newProvider("aws-given"), { protect: true, kmsKeyArn: "arn:k" }));
    await settle();
    await quiesce();
    assert.deepEqual(protectedOf(registrations, "guarded"), [
      "aws:kms/key:Key guarded-kms",
      "aws:rds/instance:Instance guarded-postgres",
    ]);
    assert.deepEqual(protectedOf(registrations, "open"), []);
    assert.deepEqual(protectedOf(registrations, "given-key"), [
      "aws:rds/instance:Instance given-key-postgres",
    ]);
  });
});
