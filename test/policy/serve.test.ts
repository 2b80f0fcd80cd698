// The pack as the Pulumi CLI runs it: policy/index.ts constructs the PolicyPack, which serves the
// analyzer gRPC API on a port it prints. These tests start it (transpile-only, from policy/ as the
// CLI does) and speak that API: describe the pack, configure it, analyze a resource and a stack.

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import * as analyzerGrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerPb from "@pulumi/pulumi/proto/analyzer_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { policies } from "../../policy/policies";

const POLICY_DIR = path.resolve(__dirname, "../../policy");
const LEVEL = analyzerPb.EnforcementLevel;

let server: ChildProcess;
let client: analyzerGrpc.AnalyzerClient;

function call<Req, Res>(
  method: (req: Req, cb: (err: grpc.ServiceError | null, res: Res) => void) => unknown,
  req: Req,
) {
  return new Promise<Res>((resolve, reject) => {
    method.call(client, req, (err: grpc.ServiceError | null, res: Res) => (err ? reject(err) : resolve(res)));
  });
}

function options(protect = false): analyzerPb.AnalyzerResourceOptions {
  return new analyzerPb.AnalyzerResourceOptions().setProtect(protect);
}

function resource(type: string, name: string, props: Record<string, unknown>): analyzerPb.AnalyzerResource {
  return new analyzerPb.AnalyzerResource()
    .setType(type)
    .setName(name)
    .setUrn(`urn:pulumi:test::pipeline-service::${type}::${name}`)
    .setProperties(Struct.fromJavaScript(props as never))
    .setOptions(options());
}

function diagnostics(res: analyzerPb.AnalyzeResponse) {
  return res.getDiagnosticsList().map((d) => ({
    policy: d.getPolicyname(),
    level: d.getEnforcementlevel(),
    urn: d.getUrn(),
    message: d.getMessage(),
  }));
}

describe("the served policy pack", () => {
  before(async () => {
    server = spawn(process.execPath, ["--import", "tsx", "index.ts"], {
      cwd: POLICY_DIR,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    server.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    const port = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no port within 60 s; stderr: ${stderr}`)), 60_000);
      server.stdout?.on("data", (d: Buffer) => {
        const m = /^(\d+)\s*$/m.exec(d.toString());
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      server.on("exit", (code) => reject(new Error(`pack exited with ${code}: ${stderr}`)));
    });
    client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });

  after(() => {
    client?.close();
    server?.kill();
  });

  it("describes every policy with its level and config schema", async () => {
    const info = await call<Empty, analyzerPb.AnalyzerInfo>(client.getAnalyzerInfo, new Empty());
    assert.equal(info.getName(), "pipeline-service");
    assert.equal(info.getVersion(), "0.1.0");
    const served = info.getPoliciesList();
    assert.deepEqual(
      served.map((p) => p.getName()),
      policies.map((p) => p.name),
    );
    for (const p of served) {
      const mine = policies.find((x) => x.name === p.getName());
      const want = mine?.enforcementLevel === "mandatory" ? LEVEL.MANDATORY : LEVEL.ADVISORY;
      assert.equal(p.getEnforcementlevel(), want, p.getName());
      assert.equal(p.hasConfigschema(), mine?.configSchema !== undefined, p.getName());
    }
  });

  it("analyzes a resource: mandatory RDS violations, and the advisory tag rule", async () => {
    const req = new analyzerPb.AnalyzeRequest()
      .setType("aws:rds/instance:Instance")
      .setName("db")
      .setUrn("urn:pulumi:test::pipeline-service::aws:rds/instance:Instance::db")
      .setProperties(
        Struct.fromJavaScript({
          multiAz: true,
          storageEncrypted: true,
          backupRetentionPeriod: 14,
          deletionProtection: true,
          publiclyAccessible: true,
        }),
      )
      .setOptions(options());
    const d = diagnostics(await call(client.analyze, req));
    assert.deepEqual(d.map((x) => [x.policy, x.level]).sort(), [
      ["aws-required-tags", LEVEL.ADVISORY],
      ["rds-not-publicly-accessible", LEVEL.MANDATORY],
    ]);
  });

  it('reports a value unknown in preview as an advisory "cannot judge yet", beside mandatory violations', async () => {
    // The engine sends an unknown as this sentinel; the SDK's proxy throws on reading it.
    const UNKNOWN_BOOL = "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7";
    const req = new analyzerPb.AnalyzeRequest()
      .setType("aws:rds/instance:Instance")
      .setName("db")
      .setUrn("urn:pulumi:test::pipeline-service::aws:rds/instance:Instance::db")
      .setProperties(
        Struct.fromJavaScript({
          multiAz: true,
          storageEncrypted: UNKNOWN_BOOL,
          backupRetentionPeriod: 14,
          deletionProtection: true,
          publiclyAccessible: true,
          tags: { team: "t", "cost-center": "c" },
        }),
      )
      .setOptions(options());
    const d = diagnostics(await call(client.analyze, req));
    assert.deepEqual(d.map((x) => [x.policy, x.level]).sort(), [
      ["rds-not-publicly-accessible", LEVEL.MANDATORY],
      ["rds-storage-encrypted", LEVEL.ADVISORY],
    ]);
    const pending = d.find((x) => x.policy === "rds-storage-encrypted");
    assert.match(
      pending?.message ?? "",
      /during preview: cannot judge yet \(unknown until the update runs\): storageEncrypted\./,
    );
  });

  it("applies policy config sent by the engine (levels and properties)", async () => {
    const config = new analyzerPb.ConfigureAnalyzerRequest();
    config
      .getPolicyconfigMap()
      .set(
        "aws-required-tags",
        new analyzerPb.PolicyConfig()
          .setEnforcementlevel(LEVEL.DISABLED)
          .setProperties(Struct.fromJavaScript({})),
      )
      .set(
        "rds-backup-retention",
        new analyzerPb.PolicyConfig()
          .setEnforcementlevel(LEVEL.MANDATORY)
          .setProperties(Struct.fromJavaScript({ minRetentionDays: 21 })),
      );
    await call(client.configure, config);
    const req = new analyzerPb.AnalyzeRequest()
      .setType("aws:rds/instance:Instance")
      .setName("db")
      .setUrn("urn:pulumi:test::pipeline-service::aws:rds/instance:Instance::db")
      .setProperties(
        Struct.fromJavaScript({
          multiAz: true,
          storageEncrypted: true,
          backupRetentionPeriod: 14,
          deletionProtection: true,
          publiclyAccessible: false,
        }),
      )
      .setOptions(options());
    const d = diagnostics(await call(client.analyze, req));
    assert.deepEqual(
      d.map((x) => x.policy),
      ["rds-backup-retention"],
    );
    assert.match(d[0].message, /at least 21 days/);
  });

  it("analyzes a stack: a provider in another region and an unprotected database", async () => {
    const fd = resource("pipeline-service:index:FailureDomain", "aws-us-east-1", {
      region: "aws-us-east-1",
      cloudRegion: "us-east-1",
    });
    const provider = resource("pulumi:providers:aws", "dr", { region: "us-west-2" });
    const db = resource("aws:rds/instance:Instance", "db", { region: "us-east-1" });
    const req = new analyzerPb.AnalyzeStackRequest().setResourcesList([fd, provider, db]);
    const d = diagnostics(await call(client.analyzeStack, req));
    assert.deepEqual(d.map((x) => [x.policy, x.urn]).sort(), [
      ["providers-in-stack-region", provider.getUrn()],
      ["stateful-resources-protected", db.getUrn()],
    ]);
  });
});
