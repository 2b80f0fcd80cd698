// The project's passwords and PKI (components/shared/pki.ts, DB_PASSWORD_ARGS) through the real engine: the
// Pulumi CLI with the random and tls provider plugins, an inline Automation API program, a file backend.
// What lands in the state is encrypted; a second update changes nothing; a keeper change replaces the
// password and what depends on it, nothing else; a leaf inside its renewal window is re-issued from the same
// key; a renewed CA keeps its key and re-issues its leaves. Needs the toolchain (scripts/env.sh), no cluster.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as auto from "@pulumi/pulumi/automation";
import * as random from "@pulumi/random";
import { DB_PASSWORD_ARGS } from "../../components/data/postgres";
import { issueLeafCert, selfSignedCa } from "../../components/shared/pki";
import { ENV, pulumi } from "./harness";

// The project's environment (scripts/env.sh: the built CLI and PULUMI_HOME with its plugins, offline flags).
Object.assign(process.env, ENV);

const projectDir = path.resolve(__dirname, "../..");
const root = path.join(projectDir, ".state", `it-pki-and-passwords-${process.pid}`);
const LEAF_HOURS = 24;
const CA_HOURS = 48;

interface Knobs {
  keeper: string;
  /** Set to LEAF_HOURS / CA_HOURS to put the certificate inside its renewal window. */
  leafEarly?: number;
  caEarly?: number;
}

function program(k: Knobs): auto.PulumiFn {
  return async () => {
    const password = new random.RandomPassword("db", {
      ...DB_PASSWORD_ARGS,
      keepers: { rotation: k.keeper },
    });
    // Stands for whatever consumes the password (a database, a Secret): replaced with it.
    const consumer = new random.RandomId("db-consumer", {
      byteLength: 4,
      keepers: { password: password.result },
    });
    const ca = selfSignedCa(
      "ca",
      { commonName: "it-ca", validityHours: CA_HOURS, earlyRenewalHours: k.caEarly },
      {},
    );
    const leaf = issueLeafCert(
      "server",
      {
        ca,
        commonName: "server.it",
        organization: "pipeline-service",
        purposes: ["server_auth", "client_auth"],
        dnsNames: ["server.it", "localhost"],
        ipAddresses: ["127.0.0.1"],
        validityHours: LEAF_HOURS,
        earlyRenewalHours: k.leafEarly,
      },
      {},
    );
    return {
      password: password.result,
      consumer: consumer.hex,
      caCert: ca.certPem,
      caKey: ca.keyPem,
      leafCert: leaf.certPem,
      leafKey: leaf.keyPem,
    };
  };
}

describe("passwords and PKI through the engine and the random/tls plugins", () => {
  let stack: auto.Stack;
  const quiet = { onOutput: () => {} };
  const up = async (k: Knobs) => {
    stack.workspace.program = program(k);
    return stack.up(quiet);
  };

  before(async () => {
    // Fails clearly when the toolchain or the plugins are missing (tools/build.sh installs them).
    const plugins = pulumi(["plugin", "ls"]);
    for (const [name, version] of [
      ["random", "4.21.1"],
      ["tls", "5.5.1"],
    ]) {
      assert.match(
        plugins.out,
        new RegExp(`${name}\\s+resource\\s+${version.replace(/\./g, "\\.")}`),
        `plugin ${name} ${version} (run tools/build.sh)`,
      );
    }
    fs.mkdirSync(path.join(root, "backend"), { recursive: true });
    fs.mkdirSync(path.join(root, "work"), { recursive: true });
    delete process.env.PULUMI_CONFIG_PASSPHRASE_FILE;
    stack = await auto.LocalWorkspace.createOrSelectStack(
      { stackName: "it", projectName: "pki-and-passwords-it", program: program({ keeper: "a" }) },
      {
        workDir: path.join(root, "work"),
        envVars: {
          PULUMI_BACKEND_URL: `file://${path.join(root, "backend")}`,
          PULUMI_CONFIG_PASSPHRASE: "integration-test",
          PULUMI_SKIP_UPDATE_CHECK: "true",
          PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        },
      },
    );
  });

  after(async () => {
    try {
      await stack?.destroy(quiet);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  let first: auto.OutputMap;

  test("create: secrets stay secret, keys are PKCS#8, the leaf is signed by the CA", async () => {
    const r = await up({ keeper: "a" });
    assert.deepEqual(r.summary.resourceChanges, { create: 8 }); // the stack, 2 random, 5 tls
    first = r.outputs;
    for (const k of ["password", "caKey", "leafKey"]) assert.equal(r.outputs[k].secret, true, k);
    assert.match(r.outputs.password.value, /^(?=.*[a-z])(?=.*[A-Z])(?=.*[0-9])[A-Za-z0-9]{32}$/);
    assert.match(r.outputs.leafKey.value, /^-----BEGIN PRIVATE KEY-----\n/);
    const ca = new crypto.X509Certificate(r.outputs.caCert.value);
    const leaf = new crypto.X509Certificate(r.outputs.leafCert.value);
    assert.ok(ca.ca);
    assert.ok(!leaf.ca);
    assert.ok(leaf.verify(ca.publicKey));
    assert.ok(leaf.checkPrivateKey(crypto.createPrivateKey(r.outputs.leafKey.value)));
    assert.equal(leaf.subjectAltName, "DNS:server.it, DNS:localhost, IP Address:127.0.0.1");
    assert.match(leaf.subject, /O=pipeline-service/);
    assert.deepEqual([...(leaf.keyUsage ?? [])].sort(), ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
    assert.equal((Date.parse(leaf.validTo) - Date.parse(leaf.validFrom)) / 3_600_000, LEAF_HOURS);

    // The state on disk holds the password and keys only as ciphertext.
    const statePath = path.join(root, "backend", ".pulumi", "stacks", "pki-and-passwords-it", "it.json");
    const state = fs.readFileSync(statePath, "utf8");
    assert.ok(!state.includes(r.outputs.password.value), "password in plaintext");
    for (const k of ["caKey", "leafKey"])
      assert.ok(!state.includes(r.outputs[k].value.split("\n")[1]), `${k} in plaintext`);
  });

  test("a second update changes nothing", async () => {
    const r = await up({ keeper: "a" });
    assert.deepEqual(r.summary.resourceChanges, { same: 8 });
    assert.equal(r.outputs.password.value, first.password.value);
    assert.equal(r.outputs.leafCert.value, first.leafCert.value);
  });

  test("a keeper change replaces the password and what depends on it, nothing else", async () => {
    const r = await up({ keeper: "b" });
    assert.deepEqual(r.summary.resourceChanges, { replace: 2, same: 6 });
    assert.notEqual(r.outputs.password.value, first.password.value);
    assert.notEqual(r.outputs.consumer.value, first.consumer.value);
    assert.equal(r.outputs.leafCert.value, first.leafCert.value);
  });

  let renewedLeaf = "";

  test("a leaf inside its renewal window is re-issued from the same key; nothing else changes", async () => {
    const r = await up({ keeper: "b", leafEarly: LEAF_HOURS });
    assert.deepEqual(r.summary.resourceChanges, { replace: 1, same: 7 });
    renewedLeaf = r.outputs.leafCert.value;
    assert.notEqual(renewedLeaf, first.leafCert.value);
    assert.equal(r.outputs.leafKey.value, first.leafKey.value);
    const leaf = new crypto.X509Certificate(renewedLeaf);
    assert.ok(leaf.checkPrivateKey(crypto.createPrivateKey(first.leafKey.value)));
    assert.ok(leaf.verify(new crypto.X509Certificate(first.caCert.value).publicKey));
  });

  test("a renewed CA keeps its key: its leaves are re-issued, and what it signed before still verifies", async () => {
    const r = await up({ keeper: "b", caEarly: CA_HOURS });
    assert.deepEqual(r.summary.resourceChanges, { replace: 2, same: 6 }); // the CA and its leaf
    assert.notEqual(r.outputs.caCert.value, first.caCert.value);
    assert.equal(r.outputs.caKey.value, first.caKey.value);
    const ca = new crypto.X509Certificate(r.outputs.caCert.value);
    assert.ok(new crypto.X509Certificate(r.outputs.leafCert.value).verify(ca.publicKey));
    assert.ok(new crypto.X509Certificate(renewedLeaf).verify(ca.publicKey));
  });
});
