// The platform applied for real to a local region (issue: the platform on any cluster) through the
// project's own commands: rollout (pulumi up with the policy pack) → every Deployment of ours Available;
// preview-all report → no changes, no mandatory violation; one Tekton feature flag changed → exactly one
// update; with protect: true only stateful leaves are protected and a certificate is still re-issued by up;
// destroy → none of our objects left (checked with kubectl). A backend of its own keeps the
// developer's stacks untouched, and the test runs only on a region cluster no other stack has deployed to:
// after scripts/up.sh the user's own local-east stack owns that cluster, and an up from another backend would
// fight it (and its destroy would delete the user's objects), so the test skips, saying why. scripts/test.sh
// runs it before the main job, so CI (a fresh environment) always runs it.
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { expectCode, kubectlGet, localEnv, PROJECT_DIR, pulumi, run } from "./harness";
import { whileNudgingDeletedWorkspaces } from "./kcp-nudge";

const STACK = process.env.PLATFORM_TEST_STACK ?? "local-east";
const OUR_NAMESPACES = [
  "tekton-pipelines",
  "tekton-pipelines-resolvers",
  "tekton-chains",
  "pipelines-as-code",
  "argocd",
  "kcp-syncagent",
];

/** Why the region's cluster cannot be used by this test, if it cannot: another stack's objects are there. */
function clusterInUse(): string | undefined {
  const region = localEnv().regions.find((r) => r.name === STACK);
  if (!region) return undefined;
  const ns = kubectlGet(region.kubeconfig, ["namespace", "tekton-pipelines", "-o", "name"]);
  return ns
    ? `the ${STACK} cluster is in use by another stack (namespace tekton-pipelines exists, e.g. from scripts/up.sh); ` +
        "this test needs an empty region cluster and never touches another stack's objects"
    : undefined;
}

const inUse = clusterInUse();
if (inUse) console.log(`skipping the platform test: ${inUse}`);

describe(`platform on ${STACK}`, { skip: inUse }, () => {
  const env = localEnv();
  const region = env.regions.find((r) => r.name === STACK);
  assert.ok(region, `${STACK} is not a region of the local environment`);
  const kubeconfig = region.kubeconfig;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "platform-"));
  const backend = { PULUMI_BACKEND_URL: `file://${tmp}/backend` };
  const stackFile = path.join(PROJECT_DIR, "stacks", `Pulumi.${STACK}.yaml`);
  const committed = fs.readFileSync(stackFile, "utf8");
  const ops = (cmd: string, args: string[]) =>
    run(
      "node",
      ["--import", "tsx", `ops/${cmd}.ts`, "--stacks", STACK, "--out", path.join(tmp, cmd), ...args],
      {
        env: backend,
      },
    );
  /** A copy of the stack file (the CLI writes into the file it reads), optionally edited. */
  const configFile = (edit?: (config: Record<string, unknown>) => void) => {
    const doc = parse(committed) as { config: Record<string, unknown> };
    edit?.(doc.config);
    const file = path.join(tmp, `Pulumi.${STACK}.${edit ? "edited" : "copy"}.yaml`);
    fs.writeFileSync(file, stringify(doc));
    return file;
  };
  const cli = (args: string[]) =>
    pulumi([...args, "--stack", STACK, "--config-file", configFile()], { env: backend });

  before(() => fs.mkdirSync(path.join(tmp, "backend")));
  after(async () => {
    await whileNudgingDeletedWorkspaces(() => cli(["destroy", "--yes"]));
    // --preserve-config: `stack rm` would delete the stack file in stacks/ (the user's, committed).
    pulumi(["stack", "rm", "--yes", "--force", "--preserve-config", "--stack", STACK], { env: backend });
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("rollout (pulumi up with the policy pack) succeeds and every Deployment of ours is Available", () => {
    const started = Date.now();
    const r = expectCode(
      ops("rollout", ["--yes", "--create-missing", "--secrets-provider", "passphrase"]),
      0,
      "ops/rollout",
    );
    console.log(`rollout of ${STACK}: ${Math.round((Date.now() - started) / 1000)} s`);
    assert.match(r.out, /OK: 1 ok, 0 failed, 0 not run here · 0 mandatory/);
    const deployments = JSON.parse(kubectlGet(kubeconfig, ["deployments", "-A", "-o", "json"]) ?? "{}") as {
      items: {
        metadata: { namespace: string; name: string };
        status: { conditions?: { type: string; status: string }[] };
      }[];
    };
    const ours = deployments.items.filter((d) => OUR_NAMESPACES.includes(d.metadata.namespace));
    assert.ok(ours.length >= 15, `only ${ours.length} Deployments in our namespaces`);
    const unavailable = ours.filter(
      (d) => !d.status.conditions?.some((c) => c.type === "Available" && c.status === "True"),
    );
    assert.deepEqual(
      unavailable.map((d) => `${d.metadata.namespace}/${d.metadata.name}`),
      [],
    );
  });

  it("the region's kcp shard carries its region label and the region workspace is Ready", () => {
    const admin = env.kcp.adminKubeconfig;
    const shard = region.kcpShard;
    assert.equal(
      kubectlGet(admin, ["shard", shard, "-o", "jsonpath={.metadata.labels.pipeline-service\\.dev/region}"]),
      STACK,
    );
    assert.equal(
      kubectlGet(admin, ["workspace", `pipeline-service-${STACK}`, "-o", "jsonpath={.status.phase}"]),
      "Ready",
    );
  });

  it("the preview report shows no changes and no mandatory policy violation", () => {
    expectCode(ops("preview", ["--expect-no-changes"]), 0, "ops/preview --expect-no-changes");
    const report = JSON.parse(fs.readFileSync(path.join(tmp, "preview", "preview.json"), "utf8")) as unknown;
    const text = JSON.stringify(report);
    assert.match(text, new RegExp(STACK));
    assert.match(fs.readFileSync(path.join(tmp, "preview", "preview.md"), "utf8"), /Pulumi preview/);
  });

  it("changing one Tekton feature flag previews exactly one update (the feature-flags ConfigMap)", () => {
    const edited = configFile((c) => {
      const tekton = (c["pipeline-service:tekton"] ??= {}) as {
        pipelines?: { featureFlags?: Record<string, string> };
      };
      tekton.pipelines = {
        ...tekton.pipelines,
        featureFlags: { ...tekton.pipelines?.featureFlags, "enable-cel-in-whenexpression": "true" },
      };
    });
    const r = expectCode(
      pulumi(["preview", "--json", "--stack", STACK, "--config-file", edited], { env: backend }),
      0,
      "preview with one flag changed",
    );
    const steps = (JSON.parse(r.stdout) as { steps: { op: string; urn: string }[] }).steps;
    const changed = steps.filter((s) => s.op !== "same");
    assert.deepEqual(
      changed.map((s) => `${s.op} ${s.urn.split("::").pop()}`),
      [`update ${STACK}-pipelines-release:tekton-pipelines/feature-flags`],
    );
  });

  it("a kubeconfig-only change (same cluster, renamed context and user) replaces nothing", () => {
    // The same API server and credentials under other names, as a rotated or regenerated kubeconfig looks.
    const doc = parse(fs.readFileSync(kubeconfig, "utf8")) as {
      contexts: { name: string; context: { user: string } }[];
      users: { name: string }[];
      "current-context": string;
    };
    for (const c of doc.contexts) c.name = `${c.name}-renamed`;
    for (const u of doc.users) u.name = `${u.name}-renamed`;
    for (const c of doc.contexts) c.context.user = `${c.context.user}-renamed`;
    doc["current-context"] = `${doc["current-context"]}-renamed`;
    const renamed = path.join(tmp, "kubeconfig-renamed.yaml");
    fs.writeFileSync(renamed, stringify(doc));
    const edited = configFile((c) => {
      c["pipeline-service:cluster"] = { kind: "existing", kubeconfigPath: renamed };
    });
    const r = expectCode(
      pulumi(["preview", "--json", "--stack", STACK, "--config-file", edited], { env: backend }),
      0,
      "preview with a renamed kubeconfig",
    );
    const steps = (JSON.parse(r.stdout) as { steps: { op: string; urn: string }[] }).steps;
    const replaced = steps.filter((s) => /replace|delete/.test(s.op));
    assert.deepEqual(
      replaced.map((s) => `${s.op} ${s.urn}`),
      [],
    );
    // The provider itself is at most updated (its kubeconfig input changed).
    const changed = steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.urn.split("::").pop()}`);
    assert.ok(
      changed.every((c) => /^update .*-k8s$/.test(c)),
      changed.join(", "),
    );
  });

  it("with protect: true, up re-issues a certificate whose validity changed (no protect error)", () => {
    const withProtect = (results?: { tlsValidityHours: number }) =>
      configFile((c) => {
        c["pipeline-service:protect"] = true;
        if (results) {
          const tekton = (c["pipeline-service:tekton"] ??= {}) as Record<string, unknown>;
          tekton.results = { ...(tekton.results as object), ...results };
        }
      });
    const up = (file: string, what: string) =>
      expectCode(
        pulumi(["up", "--yes", "--skip-preview", "--stack", STACK, "--config-file", file], { env: backend }),
        0,
        what,
      );
    const protectedUrns = () => {
      const r = expectCode(pulumi(["stack", "export", "--stack", STACK], { env: backend }), 0, "export");
      const state = JSON.parse(r.stdout) as {
        deployment: { resources: { urn: string; type: string; protect?: boolean }[] };
      };
      // "type name", so the assertion below can filter on the type (the URN's last part is only the name).
      return state.deployment.resources
        .filter((x) => x.protect)
        .map((x) => `${x.type} ${x.urn.split("::").pop()!}`);
    };
    const certificate = () => {
      const b64 = kubectlGet(kubeconfig, [
        "secret",
        "-n",
        "tekton-pipelines",
        "tekton-results-tls",
        "-o",
        "jsonpath={.data.tls\\.crt}",
      ]);
      return new crypto.X509Certificate(Buffer.from(b64 ?? "", "base64").toString("utf8"));
    };
    try {
      up(withProtect(), "up with protect: true");
      const held = protectedUrns();
      // The stateful leaves (here the logs PVC), and nothing that renews.
      assert.ok(held.length > 0, "nothing is protected");
      assert.deepEqual(
        held.filter((u) => !/^kubernetes:(core\/v1:PersistentVolumeClaim|apps\/v1:StatefulSet) /.test(u)),
        [],
      );
      const before = certificate();
      const r = up(withProtect({ tlsValidityHours: 720 }), "up with a shorter certificate validity");
      assert.doesNotMatch(r.out, /protected/i);
      assert.match(r.out, /replaced/);
      const after = certificate();
      assert.notEqual(after.serialNumber, before.serialNumber);
      const hours = (Date.parse(after.validTo) - Date.parse(after.validFrom)) / 3_600_000;
      assert.equal(hours, 720);
      console.log(
        `protected: ${held.join(", ")}; certificate ${before.serialNumber} → ${after.serialNumber}`,
      );
    } finally {
      // Back to the committed config (protect: false) so the destroy below may delete everything.
      up(configFile(), "up with the committed config");
    }
    assert.deepEqual(protectedUrns(), []);
  });

  it("destroy leaves none of our objects (checked with kubectl)", async () => {
    const started = Date.now();
    await whileNudgingDeletedWorkspaces(() => expectCode(cli(["destroy", "--yes"]), 0, "destroy"));
    console.log(`destroy: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    for (const ns of OUR_NAMESPACES) {
      const phase = kubectlGet(kubeconfig, ["namespace", ns, "-o", "jsonpath={.status.phase}"]);
      assert.ok(phase === undefined || phase === "Terminating", `namespace ${ns}: ${phase}`);
    }
    const crds = kubectlGet(kubeconfig, ["crd", "-o", "name"]) ?? "";
    assert.doesNotMatch(crds, /tekton\.dev|argoproj\.io|pipelinesascode/);
    assert.equal(
      kubectlGet(env.kcp.adminKubeconfig, ["workspace", `pipeline-service-${STACK}`, "-o", "name"]),
      undefined,
    );
  });
});
