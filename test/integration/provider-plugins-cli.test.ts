// @pulumi/random and @pulumi/tls on our plugins through the real CLI (the project's pulumi, language host and
// PULUMI_HOME, a file backend of its own): `plugin ls` shows the pinned plugins, `up` creates, a second `up`
// changes nothing, refresh finds no drift, a keeper change replaces only the password, a certificate inside its
// early-renewal window is replaced, import by value works, and no plugin is ever downloaded.
// Program: test/fixtures/random-tls. Needs no cluster.
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { ENV, expectCode, PROJECT_DIR, pulumi } from "./harness";

const FIXTURE = path.join(PROJECT_DIR, "test/fixtures/random-tls");
const versions = fs.readFileSync(path.join(PROJECT_DIR, "tools/versions.env"), "utf8");
const pinned = (key: string): string => new RegExp(`^${key}=(.*)$`, "m").exec(versions)?.[1] ?? "";

interface Update {
  changes: Record<string, number>;
  /** URN name → the step ops of the update (a replacement is create-replacement, replace, delete-replaced). */
  ops: Record<string, string[]>;
  out: string;
}

describe("@pulumi/random and @pulumi/tls through the CLI on our plugins", () => {
  const backend = fs.mkdtempSync(path.join(os.tmpdir(), "random-tls-backend-"));
  const opts = {
    cwd: FIXTURE,
    env: {
      PULUMI_BACKEND_URL: `file://${backend}`,
      PULUMI_CONFIG_PASSPHRASE: "random-tls",
      PULUMI_CONFIG_PASSPHRASE_FILE: "",
    },
  };
  const stack = `random-tls-${process.pid}`;
  const pluginDir = path.join(ENV.PULUMI_HOME ?? "", "plugins");
  let pluginsBefore: string[] = [];

  /** `pulumi up` with the engine's JSON event stream: the change summary and each resource's step. */
  function up(): Update {
    const r = expectCode(
      pulumi(["up", "--yes", "--skip-preview", "--json", "--stack", stack], opts),
      0,
      "up",
    );
    assert.doesNotMatch(r.out, /[Dd]ownloading|plugin .* not found|acquir/);
    const ops: Record<string, string[]> = {};
    let changes: Record<string, number> | undefined;
    for (const line of r.stdout.split("\n").filter((l) => l.startsWith("{"))) {
      const e = JSON.parse(line) as {
        resourcePreEvent?: { metadata: { op: string; urn: string; type: string } };
        summaryEvent?: { resourceChanges: Record<string, number> };
      };
      const m = e.resourcePreEvent?.metadata;
      if (m && m.type !== "pulumi:pulumi:Stack") (ops[m.urn.split("::").pop()!] ??= []).push(m.op);
      if (e.summaryEvent) changes = e.summaryEvent.resourceChanges;
    }
    assert.ok(changes, `no summary in:\n${r.out.slice(-3000)}`);
    return { changes, ops, out: r.out };
  }
  function outputs(): Record<string, unknown> {
    const r = pulumi(["stack", "output", "--json", "--show-secrets", "--stack", stack], opts);
    return JSON.parse(expectCode(r, 0, "stack output").stdout) as Record<string, unknown>;
  }
  const config = (k: string, v: string) =>
    expectCode(pulumi(["config", "set", k, v, "--stack", stack], opts), 0, `config set ${k}`);

  before(() => {
    pluginsBefore = fs.readdirSync(pluginDir).sort();
    expectCode(pulumi(["stack", "init", stack], opts), 0, "stack init");
    config("keeper", "a");
  });

  after(() => {
    pulumi(["destroy", "--yes", "--stack", stack], opts);
    pulumi(["stack", "rm", "--yes", "--stack", stack], opts);
    fs.rmSync(backend, { recursive: true, force: true });
    fs.rmSync(path.join(FIXTURE, `Pulumi.${stack}.yaml`), { force: true }); // config set writes it there
  });

  it("plugin ls shows random and tls at the pinned versions, beside kubernetes", () => {
    const ls = expectCode(pulumi(["plugin", "ls"], opts), 0, "plugin ls").out;
    for (const [name, key] of [
      ["random", "PULUMI_RANDOM_VERSION"],
      ["tls", "PULUMI_TLS_VERSION"],
      ["kubernetes", "PULUMI_KUBERNETES_VERSION"],
    ]) {
      assert.match(
        ls,
        new RegExp(`^${name}\\s+resource\\s+${pinned(key).replace(/\./g, "\\.")}\\s`, "m"),
        ls,
      );
    }
  });

  let password = "";
  it("up creates everything: a password by the rules, a leaf certificate signed by the CA", () => {
    const r = up();
    assert.deepEqual(r.changes, { create: 8 });
    const o = outputs();
    password = o.passwordValue as string;
    assert.match(password, /^[A-Za-z0-9_-]{20}$/);
    assert.ok((password.match(/[-_]/g) ?? []).length >= 2);
    const ca = new crypto.X509Certificate(o.caCert as string);
    const leaf = new crypto.X509Certificate(o.leafCert as string);
    assert.ok(ca.ca && leaf.verify(ca.publicKey));
    assert.equal(leaf.subjectAltName, "DNS:leaf.example");
    assert.equal(o.leafReadyForRenewal, false);
    const state = expectCode(pulumi(["stack", "export", "--stack", stack], opts), 0, "export").stdout;
    assert.ok(!state.includes(password), "the password is in the state in plaintext");
  });

  it("a second up changes nothing", () => {
    assert.deepEqual(up().changes, { same: 8 });
    assert.equal(outputs().passwordValue, password);
  });

  it("refresh finds every resource as it is (Read keeps the state)", () => {
    expectCode(pulumi(["refresh", "--yes", "--expect-no-changes", "--stack", stack], opts), 0, "refresh");
  });

  it("a keeper change replaces the password and nothing else", () => {
    config("keeper", "b");
    const r = up();
    assert.deepEqual(r.changes, { replace: 1, same: 7 });
    assert.ok(r.ops.password.includes("create-replacement"), r.ops.password.join());
    for (const [name, ops] of Object.entries(r.ops)) {
      if (name !== "password") assert.deepEqual(ops, ["same"], name);
    }
    assert.notEqual(outputs().passwordValue, password);
  });

  it("a certificate inside its early-renewal window is renewed (replaced)", () => {
    const before = outputs().leafCert;
    config("earlyRenewalHours", "24"); // >= validityPeriodHours: ready for renewal now
    const r = up();
    assert.deepEqual(r.changes, { replace: 1, same: 7 });
    assert.ok(r.ops.leaf.includes("create-replacement"), r.ops.leaf.join());
    const o = outputs();
    assert.notEqual(o.leafCert, before);
    assert.equal(o.leafReadyForRenewal, true);
    // Out of the window again: an in-place update, no new certificate.
    config("earlyRenewalHours", "0");
    const back = up();
    assert.deepEqual(back.changes, { update: 1, same: 7 });
    assert.equal(outputs().leafCert, o.leafCert);
    assert.equal(outputs().leafReadyForRenewal, false);
  });

  it("pulumi import of an existing password by its value keeps it secret", () => {
    const args = ["import", "random:index/randomPassword:RandomPassword", "imported", "supersecret"];
    const r = pulumi([...args, "--yes", "--generate-code=false", "--stack", stack], opts);
    expectCode(r, 0, "import");
    const state = JSON.parse(
      expectCode(pulumi(["stack", "export", "--stack", stack], opts), 0, "export").stdout,
    ) as { deployment: { resources: { urn: string; id?: string; outputs?: Record<string, unknown> }[] } };
    const imported = state.deployment.resources.find((res) => res.urn.endsWith("::imported"));
    assert.equal(imported?.id, "none");
    assert.equal(imported?.outputs?.length, 11);
    assert.match(JSON.stringify(imported?.outputs?.result), /ciphertext/);
    assert.ok(!JSON.stringify(state).includes("supersecret"), "the imported password is in plaintext");
  });

  it("no plugin was downloaded or installed by the runs", () => {
    assert.deepEqual(fs.readdirSync(pluginDir).sort(), pluginsBefore);
  });
});
