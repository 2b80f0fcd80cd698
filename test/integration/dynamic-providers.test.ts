// The password, key and certificate dynamic providers through the real engine (Pulumi CLI + the
// pulumi-nodejs dynamic provider host, inline Automation API program, file backend): what lands in
// the state is encrypted, a second update changes nothing, a keeper change replaces only the
// password. Needs the project's toolchain on PATH (scripts/env.sh), no cluster.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import * as auto from "@pulumi/pulumi/automation";
import { RandomPassword } from "../../components/shared/random-password";
import { TlsLocallySignedCert, TlsPrivateKey, TlsSelfSignedCert } from "../../components/shared/tls";
import { ENV } from "./harness";

// The project's environment (scripts/env.sh: the built CLI on PATH, offline flags), however this is run.
Object.assign(process.env, ENV);

const projectDir = path.resolve(__dirname, "../..");
// Inside the project, so the provider host (started in the work dir) resolves node_modules.
const root = path.join(projectDir, ".state", `it-dynamic-providers-${process.pid}`);

function program(keeper: string): auto.PulumiFn {
  return async () => {
    const pw = new RandomPassword("pw", { keepers: { k: keeper } });
    const caKey = new TlsPrivateKey("ca-key");
    const ca = new TlsSelfSignedCert("ca", {
      privateKeyPem: caKey.privateKeyPem,
      subject: { commonName: "it-ca", organization: "pipeline-service" },
      isCa: true,
      validityHours: 24,
      allowedUses: ["cert_signing", "digital_signature"],
    });
    const leafKey = new TlsPrivateKey("leaf-key", { algorithm: "RSA", rsaBits: 2048 });
    const leaf = new TlsLocallySignedCert("leaf", {
      privateKeyPem: leafKey.privateKeyPem,
      caPrivateKeyPem: caKey.privateKeyPem,
      caCertPem: ca.certPem,
      subject: { commonName: "leaf" },
      dnsNames: ["leaf.example"],
      ipAddresses: ["127.0.0.1"],
      validityHours: 12,
      allowedUses: ["server_auth", "digital_signature", "key_encipherment"],
    });
    return {
      password: pw.result,
      caCert: ca.certPem,
      leafCert: leaf.certPem,
      leafKey: leafKey.privateKeyPem,
    };
  };
}

describe("dynamic providers through the engine", () => {
  let stack: auto.Stack;
  const quiet = { onOutput: () => {} };

  before(async () => {
    execFileSync("pulumi", ["version"], { stdio: "ignore" }); // fails clearly without the toolchain
    fs.mkdirSync(path.join(root, "backend"), { recursive: true });
    fs.mkdirSync(path.join(root, "work"), { recursive: true });
    delete process.env.PULUMI_CONFIG_PASSPHRASE_FILE;
    stack = await auto.LocalWorkspace.createOrSelectStack(
      { stackName: "it", projectName: "dynamic-providers-it", program: program("a") },
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

  let password = "";

  test("create: secrets stay secret, the leaf is signed by the CA", async () => {
    const r = await stack.up(quiet);
    assert.deepEqual(r.summary.resourceChanges, { create: 6 });
    assert.equal(r.outputs.password.secret, true);
    assert.equal(r.outputs.leafKey.secret, true);
    password = r.outputs.password.value;
    assert.equal(password.length, 32);
    const ca = new crypto.X509Certificate(r.outputs.caCert.value);
    const leaf = new crypto.X509Certificate(r.outputs.leafCert.value);
    assert.ok(ca.ca);
    assert.ok(leaf.verify(ca.publicKey));
    assert.equal(leaf.subjectAltName, "DNS:leaf.example, IP Address:127.0.0.1");

    // The state on disk holds the password and keys only as ciphertext.
    const statePath = path.join(root, "backend", ".pulumi", "stacks", "dynamic-providers-it", "it.json");
    const state = fs.readFileSync(statePath, "utf8");
    assert.ok(!state.includes(password), "password in plaintext");
    assert.ok(!state.includes(r.outputs.leafKey.value.split("\n")[1]), "private key in plaintext");
  });

  test("a second update changes nothing", async () => {
    const r = await stack.up(quiet);
    assert.deepEqual(r.summary.resourceChanges, { same: 6 });
    assert.equal(r.outputs.password.value, password);
  });

  test("a keeper change replaces the password and nothing else", async () => {
    stack.workspace.program = program("b");
    const r = await stack.up(quiet);
    assert.deepEqual(r.summary.resourceChanges, { replace: 1, same: 5 });
    assert.notEqual(r.outputs.password.value, password);
  });
});
