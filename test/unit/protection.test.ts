// Which resources the whole program (infra/program.ts) Pulumi-protects, per shipped stack, as the engine
// receives the registrations (test/helpers/engine-recorder.ts). Only stateful leaves may be protected:
// databases, buckets, KMS keys, PVCs and the StatefulSets whose claims hold data. Anything else protected
// (a certificate renewed by replacement, a Secret, a Deployment, an IAM access key, a password) would make
// every preview/up fail once it has to be replaced. The lists are written out, so any change shows here.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PROJECT } from "../../infra/config";
import { runRecorded, setupFleetMocks, STACK_NAMES, stackDocument } from "../helpers/fleet-mocks";

setupFleetMocks();

/** "type name" of every protected resource of one program run, sorted. */
async function protectedIn(doc: Record<string, unknown>): Promise<string[]> {
  const registrations = await runRecorded(doc);
  assert.ok(
    registrations.some((r) => r.type === "pipeline-service:index:FailureDomain"),
    "the program ran",
  );
  return registrations
    .filter((r) => r.protect)
    .map((r) => `${r.type} ${r.name}`)
    .sort();
}

const EXPECTED: Record<string, string[]> = {
  "aws-eu-west-1": [
    "aws:kms/key:Key aws-eu-west-1-logs-kms",
    "aws:kms/key:Key aws-eu-west-1-results-kms",
    "aws:kms/key:Key aws-eu-west-1-secrets",
    "aws:rds/instance:Instance aws-eu-west-1-results-postgres",
    "aws:s3/bucket:Bucket aws-eu-west-1-logs-logs",
    "kubernetes:apps/v1:StatefulSet aws-eu-west-1-kcp-shard-etcd-sts",
  ],
  "aws-us-east-1": [
    "aws:kms/key:Key aws-us-east-1-logs-kms",
    "aws:kms/key:Key aws-us-east-1-results-kms",
    "aws:kms/key:Key aws-us-east-1-secrets",
    "aws:rds/instance:Instance aws-us-east-1-results-postgres",
    "aws:s3/bucket:Bucket aws-us-east-1-logs-logs",
    "kubernetes:apps/v1:StatefulSet aws-us-east-1-kcp-root-etcd-sts",
    "kubernetes:apps/v1:StatefulSet aws-us-east-1-kcp-shard-etcd-sts",
  ],
  "azure-westeurope": [
    "azure-native:dbforpostgresql:Database azure-westeurope-results-db",
    "azure-native:dbforpostgresql:Server azure-westeurope-results-pg",
    "kubernetes:apps/v1:StatefulSet azure-westeurope-kcp-shard-etcd-sts",
    "kubernetes:core/v1:PersistentVolumeClaim azure-westeurope-logs-logs",
  ],
};

const LOCAL_STACKS = STACK_NAMES.filter((s) => s.startsWith("local-"));

void describe("protect: only the stateful leaves", () => {
  void it("every shipped stack is covered", () => {
    assert.deepEqual(STACK_NAMES, [...Object.keys(EXPECTED), ...LOCAL_STACKS].sort());
    assert.ok(LOCAL_STACKS.length > 0);
  });

  for (const [stack, expected] of Object.entries(EXPECTED)) {
    void it(`${stack}: exactly ${expected.length} protected resources`, async () => {
      assert.deepEqual(await protectedIn(stackDocument(stack)), expected);
    });
  }

  for (const stack of LOCAL_STACKS) {
    void it(`${stack}: protects nothing (protect: false, so destroy cleans up)`, async () => {
      assert.equal(stackDocument(stack)[`${PROJECT}:protect`], false);
      assert.deepEqual(await protectedIn(stackDocument(stack)), []);
    });
  }

  // No shipped cloud stack runs PostgreSQL in its cluster: local-east as a cloud region on an existing
  // cluster does (with the kcp root and shard, their etcd, and the PVC log claim).
  void it("an existing-cluster cloud region with an in-cluster database: its StatefulSet, etcd, log claim", async () => {
    const doc = {
      ...stackDocument("local-east"),
      [`${PROJECT}:profile`]: "cloud",
      [`${PROJECT}:protect`]: true,
      [`${PROJECT}:kcp`]: { externalUrl: "https://kcp.local-east.example.com" },
      [`${PROJECT}:database`]: { kind: "in-cluster", storageSize: "1Gi" },
    };
    assert.deepEqual(await protectedIn(doc), [
      "kubernetes:apps/v1:StatefulSet local-east-kcp-root-etcd-sts",
      "kubernetes:apps/v1:StatefulSet local-east-kcp-shard-etcd-sts",
      "kubernetes:apps/v1:StatefulSet local-east-results-db-sts",
      "kubernetes:core/v1:PersistentVolumeClaim local-east-logs-logs",
    ]);
  });

  void it("aws-us-east-1 with protect: false protects nothing, not even the leaves", async () => {
    const doc = { ...stackDocument("aws-us-east-1"), [`${PROJECT}:protect`]: false };
    assert.deepEqual(await protectedIn(doc), []);
  });
});
