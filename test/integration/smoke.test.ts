// The toolchain smoke test (issue: build the real toolchain and start a local control plane): the real
// Pulumi CLI, our language host, the Kubernetes, random and tls provider plugins against a local kwok
// cluster and the local kcp. up → Deployment Available and Workspace present; preview → no changes;
// policy pack → passes, and fails on a violating resource; destroy → nothing left (checked with kubectl).
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { expectCode, kubectlGet, localEnv, PROJECT_DIR, pulumi } from "./harness";

const FIXTURE = path.join(PROJECT_DIR, "test/fixtures/smoke");
const POLICY = path.join(PROJECT_DIR, "test/fixtures/smoke-policy");

describe("toolchain smoke test", () => {
  const env = localEnv();
  const east = env.regions[0];
  const kcpKubeconfig = env.kcp.adminKubeconfig;
  // A backend of its own, so the test never touches the project's stacks.
  const backend = fs.mkdtempSync(path.join(os.tmpdir(), "smoke-backend-"));
  const opts = {
    cwd: FIXTURE,
    env: {
      PULUMI_BACKEND_URL: `file://${backend}`,
      PULUMI_CONFIG_PASSPHRASE: "smoke",
      PULUMI_CONFIG_PASSPHRASE_FILE: "",
    },
  };
  const stack = `smoke-${process.pid}`;

  before(() => {
    expectCode(pulumi(["stack", "init", stack], opts), 0, "stack init");
    for (const [key, file] of [
      ["clusterKubeconfig", east.kubeconfig],
      ["kcpKubeconfig", kcpKubeconfig],
    ]) {
      expectCode(
        pulumi(["config", "set", "--secret", key], { ...opts, input: fs.readFileSync(file, "utf8") }),
        0,
        `config ${key}`,
      );
    }
  });

  after(() => {
    pulumi(["destroy", "--yes", "--stack", stack], opts);
    pulumi(["stack", "rm", "--yes", "--stack", stack], opts);
    fs.rmSync(backend, { recursive: true, force: true });
  });

  it("pulumi version is the pinned one and plugins are installed (no download)", () => {
    const version = expectCode(pulumi(["version"], opts), 0, "version").out.trim();
    const pinned = fs
      .readFileSync(path.join(PROJECT_DIR, "tools/versions.env"), "utf8")
      .match(/^PULUMI_VERSION=(.*)$/m)?.[1];
    assert.equal(version, `v${pinned}`);
    const plugins = expectCode(pulumi(["plugin", "ls"], opts), 0, "plugin ls").out;
    const k8s = fs
      .readFileSync(path.join(PROJECT_DIR, "tools/versions.env"), "utf8")
      .match(/^PULUMI_KUBERNETES_VERSION=(.*)$/m)?.[1];
    assert.match(plugins, new RegExp(`kubernetes\\s+resource\\s+${k8s?.replace(/\./g, "\\.")}`));
    // The versions the SDKs pinned in package-lock.json ask for.
    for (const pkg of ["random", "tls"]) {
      const sdk = JSON.parse(
        fs.readFileSync(path.join(PROJECT_DIR, "node_modules/@pulumi", pkg, "package.json"), "utf8"),
      ) as { version: string };
      assert.match(plugins, new RegExp(`${pkg}\\s+resource\\s+${sdk.version.replace(/\./g, "\\.")}`), pkg);
    }
  });

  it("up: the Deployment is Available on the kwok cluster and the Workspace exists on kcp", () => {
    const up = expectCode(pulumi(["up", "--yes", "--skip-preview", "--stack", stack], opts), 0, "up");
    assert.doesNotMatch(up.out, /downloading|Downloading plugin/);
    const available = kubectlGet(east.kubeconfig, [
      "deployment",
      "smoke",
      "-n",
      "smoke",
      "-o",
      "jsonpath={.status.conditions[?(@.type=='Available')].status}",
    ]);
    assert.equal(available, "True");
    assert.equal(
      kubectlGet(kcpKubeconfig, ["workspace", "smoke", "-o", "jsonpath={.metadata.name}"]),
      "smoke",
    );
    const outputs = JSON.parse(
      expectCode(
        pulumi(["stack", "output", "--json", "--show-secrets", "--stack", stack], opts),
        0,
        "outputs",
      ).out,
    ) as Record<string, unknown>;
    assert.equal(outputs.availableReplicas, 2);
    assert.equal(outputs.passwordLength, 24);
    assert.match(String(outputs.publicKeyPem), /BEGIN PUBLIC KEY/);
  });

  it("a second preview shows no changes", () => {
    expectCode(
      pulumi(["preview", "--expect-no-changes", "--stack", stack], opts),
      0,
      "preview --expect-no-changes",
    );
  });

  it("the state holds no plaintext secret", () => {
    const state = expectCode(pulumi(["stack", "export", "--stack", stack], opts), 0, "export").out;
    // The password, as the cluster holds it, must appear only as ciphertext in the state.
    const b64 = kubectlGet(east.kubeconfig, [
      "secret",
      "smoke",
      "-n",
      "smoke",
      "-o",
      "jsonpath={.data.password}",
    ]);
    const password = Buffer.from(b64 ?? "", "base64").toString();
    assert.equal(password.length, 24);
    assert.ok(!state.includes(password), "password in plaintext state");
    // So are the kubeconfigs (their client keys).
    const kubeconfig = fs.readFileSync(east.kubeconfig, "utf8");
    const clientKey =
      /client-key-data: (\S+)/.exec(kubeconfig)?.[1] ?? /client-key: (\S+)/.exec(kubeconfig)?.[1];
    assert.ok(clientKey, "the kwok kubeconfig has a client key");
    assert.ok(!state.includes(clientKey), "client key in plaintext state");
    assert.match(state, /"ciphertext"/);
  });

  it("preview with a policy pack passes, and fails on a violating resource", () => {
    expectCode(pulumi(["preview", "--policy-pack", POLICY, "--stack", stack], opts), 0, "compliant preview");
    expectCode(pulumi(["config", "set", "violate", "true", "--stack", stack], opts), 0, "config violate");
    const bad = pulumi(["preview", "--policy-pack", POLICY, "--stack", stack], opts);
    expectCode(pulumi(["config", "rm", "violate", "--stack", stack], opts), 0, "config rm violate");
    assert.notEqual(bad.code, 0, bad.out);
    assert.match(bad.out, /no-latest-image/);
    assert.match(bad.out, /mandatory/);
  });

  it("destroy removes everything (checked with kubectl)", () => {
    expectCode(pulumi(["destroy", "--yes", "--stack", stack], opts), 0, "destroy");
    assert.equal(kubectlGet(east.kubeconfig, ["deployment", "smoke", "-n", "smoke"]), undefined);
    const ns = kubectlGet(east.kubeconfig, ["namespace", "smoke", "-o", "jsonpath={.status.phase}"]);
    assert.ok(ns === undefined || ns === "Terminating", `namespace smoke: ${ns}`);
    const ws = kubectlGet(kcpKubeconfig, ["workspace", "smoke", "-o", "jsonpath={.status.phase}"]);
    assert.ok(ws === undefined || ws === "Deleting", `workspace smoke: ${ws}`);
  });
});
