// Fault tests on the local environment, in a backend of their own (the user's stacks are untouched), on
// empty region clusters (they skip, saying why, when another stack has deployed to one, as
// test/integration/platform.test.ts does):
//   1. `kill -9` of local-east's first `up` at FAULT_KILLS (≥ 10) random moments, each followed by the
//      documented recovery (ops/recover.ts); the final rerun converges with 0 orphans: every object a Pulumi
//      provider wrote to the cluster is in the state, and every state object is in the cluster;
//   2. local-west's API server stopped during an `up`: a clear error naming the region; after a restart
//      the rerun converges;
//   3. every generated secret (passwords, private keys) is found 0 times in plaintext in the state files,
//      the logs and the preview output;
//   4. destroying local-west leaves local-east with 0 changes.
// scripts/test.sh runs it after the integration tests (which leave the clusters empty), before the main job.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { recoverStack } from "../../ops/recover";
import { expectCode, kubectlGet, localEnv, run } from "../integration/harness";
import { whileNudgingDeletedWorkspaces } from "../integration/kcp-nudge";
import {
  ENV,
  PROJECT_DIR,
  Stacks,
  clusterObjectsOfOurs,
  prng,
  stateObjects,
  upAndKill,
  type StateResource,
} from "./harness";

const KILLS = Number(process.env.FAULT_KILLS ?? 10);
const SEED = Number(process.env.FAULT_SEED ?? Date.now() % 100000);
const HOME = "local-east";
const OTHER = "local-west";

function clusterInUse(): string | undefined {
  try {
    for (const r of localEnv().regions) {
      // A namespace still terminating after an earlier test's destroy is not a user's deployment: wait for it.
      const phase = () =>
        kubectlGet(r.kubeconfig, ["namespace", "tekton-pipelines", "-o", "jsonpath={.status.phase}"]);
      const deadline = Date.now() + 300_000;
      while (phase() === "Terminating" && Date.now() < deadline) run("sleep", ["2"]);
      if (phase() !== undefined) {
        return `the ${r.name} cluster is in use by another stack (namespace tekton-pipelines exists); the fault tests need empty region clusters`;
      }
    }
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}

const inUse = clusterInUse();
if (inUse) console.log(`skipping the fault tests: ${inUse}`);

/** The kubeconfig a Kubernetes provider in the state was given (secret or not). */
function providerKubeconfig(r: StateResource): string {
  return JSON.stringify(r.inputs?.kubeconfig ?? "");
}

describe("faults", { skip: inUse }, () => {
  const env = inUse ? undefined : localEnv();
  const region = (name: string) => env!.regions.find((r) => r.name === name)!;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "faults-"));
  const stacks = new Stacks(tmp);
  const logs: string[] = [];
  const cli = (stack: string, args: string[], configFile?: string) => {
    const r = stacks.cli(stack, args, configFile);
    logs.push(r.out);
    return r;
  };
  const withRecoveryEnv = <T>(f: () => T): T => {
    const saved = process.env.PULUMI_BACKEND_URL;
    process.env.PULUMI_BACKEND_URL = stacks.backend.PULUMI_BACKEND_URL;
    try {
      return f();
    } finally {
      if (saved === undefined) delete process.env.PULUMI_BACKEND_URL;
      else process.env.PULUMI_BACKEND_URL = saved;
    }
  };
  /** Orphans both ways between the state and the region's cluster. */
  const orphans = (stack: string) => {
    const r = region(stack);
    const inState = stateObjects(stacks.exportState(stack, true), r.apiServer, providerKubeconfig);
    const inCluster = clusterObjectsOfOurs(r.kubeconfig);
    return {
      inState: inState.size,
      inCluster: inCluster.size,
      notInState: [...inCluster].filter((k) => !inState.has(k)),
      notInCluster: [...inState].filter((k) => !inCluster.has(k)),
    };
  };

  // `pulumi stack init` rewrites the stack file it finds in stacks/: keep the committed ones as they are.
  const stackFiles = [HOME, OTHER].map((s) => path.join(PROJECT_DIR, "stacks", `Pulumi.${s}.yaml`));
  const committed = stackFiles.map((f) => fs.readFileSync(f, "utf8"));
  const restoreStackFiles = () => stackFiles.forEach((f, i) => fs.writeFileSync(f, committed[i]));

  before(() => {
    try {
      for (const s of [HOME, OTHER]) {
        expectCode(
          stacks.raw(["stack", "init", s, "--secrets-provider", "passphrase"]),
          0,
          `stack init ${s}`,
        );
      }
    } finally {
      restoreStackFiles();
    }
  });
  after(async () => {
    for (const s of [OTHER, HOME]) {
      try {
        withRecoveryEnv(() => recoverStack(s));
      } catch (e) {
        console.log(`cleanup: ${(e as Error).message}`);
      }
      await whileNudgingDeletedWorkspaces(() => stacks.cli(s, ["destroy", "--yes", "--skip-preview"]));
      stacks.raw(["stack", "rm", "--yes", "--force", "--preserve-config", "--stack", s]);
    }
    // The next tests (the main job) want empty clusters: wait until our namespaces are gone.
    const deadline = Date.now() + 180_000;
    for (const r of env?.regions ?? []) {
      while (
        kubectlGet(r.kubeconfig, ["namespace", "tekton-pipelines", "-o", "name"]) &&
        Date.now() < deadline
      ) {
        run("sleep", ["2"]);
      }
    }
    restoreStackFiles();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it(`kill -9 of ${HOME}'s first up at ${KILLS} random moments, recovery, rerun: converges with 0 orphans`, async () => {
    const random = prng(SEED);
    let dropped = 0;
    const points: string[] = [];
    for (let i = 0; i < KILLS; i++) {
      // A moment in the first 20 s after resource operations start (most of them overlap many creates).
      const delay = Math.round(random() * 20_000);
      const k = await upAndKill(stacks, HOME, delay);
      logs.push(k.out);
      // Ending on its own this early (a full first up takes minutes) means the up failed: say why.
      assert.ok(
        k.killedAfter !== undefined || k.code === 0,
        `kill ${i + 1}: the up ended before the kill, exit ${k.code}:\n${k.out.slice(-4000)}`,
      );
      const rec = withRecoveryEnv(() => recoverStack(HOME));
      dropped += rec.dropped.length;
      points.push(
        `kill ${i + 1}: +${(delay / 1000).toFixed(1)} s after the first create (${k.killedAfter === undefined ? "not killed: the up completed first" : `${k.killedAfter.toFixed(1)} s from start`}), ` +
          `${k.created} created before, recovery dropped ${rec.dropped.length} pending operation(s)${rec.lockCleared ? ", cleared a lock" : ""}`,
      );
      console.log(points[points.length - 1]);
      if (k.killedAfter === undefined) break;
    }
    console.log(`seed ${SEED} (FAULT_SEED=${SEED} repeats these points)`);
    assert.ok(points.length >= Math.min(KILLS, 10), points.join("\n"));
    assert.ok(dropped > 0, "no kill landed during a resource operation");
    const up = expectCode(
      cli(HOME, ["up", "--yes", "--skip-preview"]),
      0,
      "the rerun after the last recovery",
    );
    assert.match(up.out, /Resources:/);
    const preview = expectCode(cli(HOME, ["preview", "--expect-no-changes"]), 0, "preview after the rerun");
    assert.doesNotMatch(preview.out, /to create|to update|to delete|to replace/);
    const o = orphans(HOME);
    console.log(`${HOME}: ${o.inState} objects in the state, ${o.inCluster} objects of ours in the cluster`);
    assert.ok(o.inState > 100, `only ${o.inState} objects in the state`);
    assert.deepEqual(o.notInState, [], "objects of ours in the cluster that the state does not know");
    assert.deepEqual(o.notInCluster, [], "state objects missing from the cluster");
  });

  it(`${OTHER}'s API server stopped during up: a clear error naming the region; after a restart the rerun converges`, async () => {
    expectCode(cli(OTHER, ["up", "--yes", "--skip-preview"]), 0, `first up of ${OTHER}`);
    // An up with work to do (one feature flag), its API server stopped once the update has started.
    const edited = stacks.configFile(OTHER, (c) => {
      const tekton = (c["pipeline-service:tekton"] ??= {}) as {
        pipelines?: { featureFlags?: Record<string, string> };
      };
      tekton.pipelines = {
        ...tekton.pipelines,
        featureFlags: { ...tekton.pipelines?.featureFlags, "enable-cel-in-whenexpression": "true" },
      };
    });
    const pidFile = path.join(
      ENV.PIPELINE_SERVICE_LOCAL_DIR!,
      "kwok/clusters",
      OTHER,
      "pids/kube-apiserver.pid",
    );
    // Stopped once the engine has started the update (its "Updating (" header), before the program has
    // registered the changed ConfigMap: a fixed delay lost the race on an idle machine, where the whole
    // one-object update finished within 8 s.
    let stopped = false;
    const stopApiServer = () => {
      if (stopped) return;
      stopped = true;
      run("kill", [fs.readFileSync(pidFile, "utf8").trim()]);
    };
    const failed = await new Promise<{ code: number; out: string }>((resolve) => {
      // Asynchronous, so the API server can be stopped while the up runs.
      const { spawn } = require("node:child_process") as typeof import("node:child_process"); // eslint-disable-line @typescript-eslint/no-require-imports
      const child = spawn(
        "pulumi",
        ["up", "--yes", "--skip-preview", "--non-interactive", "--stack", OTHER, "--config-file", edited],
        { cwd: PROJECT_DIR, env: { ...ENV, ...stacks.backend } },
      );
      let out = "";
      const onData = (d: Buffer) => {
        out += d.toString();
        if (out.includes("Updating (")) stopApiServer();
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.on("close", (code) => resolve({ code: code ?? -1, out }));
    });
    assert.ok(stopped, `the up never started its update:\n${failed.out.slice(-3000)}`);
    logs.push(failed.out);
    assert.notEqual(
      failed.code,
      0,
      `the up succeeded with the API server stopped:\n${failed.out.slice(-3000)}`,
    );
    const errors = failed.out.split("\n").filter((l) => /error/i.test(l));
    assert.ok(
      errors.some((l) => l.includes(OTHER)),
      `no error line names ${OTHER}:\n${errors.join("\n").slice(-3000)}`,
    );
    assert.match(
      failed.out,
      new RegExp(`${region(OTHER).apiServer.replace(/[.]/g, "\\.")}|connection refused|unreachable`),
    );
    // Restart: the rest of the cluster stopped too, then local/env.sh start resumes it (etcd data kept).
    run("kwokctl", ["stop", "cluster", "--name", OTHER], {
      env: { KWOK_WORKDIR: path.join(ENV.PIPELINE_SERVICE_LOCAL_DIR!, "kwok") },
    });
    expectCode(run(path.join(PROJECT_DIR, "local/env.sh"), ["start"]), 0, "local/env.sh start");
    withRecoveryEnv(() => recoverStack(OTHER));
    expectCode(cli(OTHER, ["up", "--yes", "--skip-preview"], edited), 0, "the rerun after the restart");
    expectCode(cli(OTHER, ["preview", "--expect-no-changes"], edited), 0, "preview after the rerun");
    const o = orphans(OTHER);
    console.log(`${OTHER}: ${o.inState} objects in the state, ${o.inCluster} objects of ours in the cluster`);
    assert.deepEqual(o.notInState, [], "objects of ours in the cluster that the state does not know");
    assert.deepEqual(o.notInCluster, [], "state objects missing from the cluster");
  });

  it("no generated secret appears in plaintext in the state files, the logs or the preview output", () => {
    const secrets = new Set<string>();
    for (const s of [HOME, OTHER]) {
      for (const r of stacks.exportState(s, true).deployment.resources ?? []) {
        // Generated secrets: random passwords and TLS private keys.
        if (!/^(random:|tls:|pulumi-nodejs:dynamic:)/.test(r.type)) continue;
        const outs = r.outputs as Record<string, unknown>;
        for (const key of ["result", "privateKeyPem", "privateKeyOpenssh", "privateKeyPem8"]) {
          const v = outs?.[key];
          const plain =
            typeof v === "object" && v && "plaintext" in v
              ? JSON.parse(String((v as { plaintext: string }).plaintext))
              : v;
          if (typeof plain === "string" && plain.length >= 16) secrets.add(plain);
        }
      }
    }
    assert.ok(secrets.size >= 5, `only ${secrets.size} generated secrets found in the state`);
    const previews = [HOME, OTHER].map(
      (s) => expectCode(cli(s, ["preview", "--diff", "--show-sames"]), 0, `preview ${s}`).out,
    );
    const files: [string, string][] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (
          e.isFile() &&
          (dir.includes("backend") || e.name.endsWith(".log") || e.name.includes("log"))
        ) {
          files.push([p, fs.readFileSync(p).toString("latin1")]);
        }
      }
    };
    walk(path.join(tmp, "backend"));
    // Pulumi's own log files and the regions' process logs (the Tekton processes read these secrets).
    for (const dir of [
      path.join(ENV.PULUMI_HOME!, "logs"),
      ...[HOME, OTHER].map((s) => path.join(ENV.PIPELINE_SERVICE_LOCAL_DIR!, "run", s)),
    ]) {
      if (fs.existsSync(dir)) walk(dir);
    }
    const haystacks: [string, string][] = [
      ...files,
      ...logs.map((l, i): [string, string] => [`command output #${i + 1}`, l]),
      ...previews.map((p, i): [string, string] => [`preview ${[HOME, OTHER][i]}`, p]),
    ];
    const found: string[] = [];
    let n = 0;
    for (const s of secrets) {
      n++;
      // The PEM body alone as well: a leak may be re-wrapped or have its header stripped.
      const body = s.replace(/-----[^-]+-----|\s/g, "").slice(0, 64);
      const forms = [s, Buffer.from(s).toString("base64"), JSON.stringify(s).slice(1, -1), body].filter(
        (f) => f.length >= 16,
      );
      for (const [where, text] of haystacks) {
        if (forms.some((f) => text.includes(f))) found.push(`secret #${n} in ${where}`);
      }
    }
    console.log(
      `${secrets.size} generated secrets searched in ${files.length} state/log files, ${logs.length} command outputs, 2 previews`,
    );
    assert.deepEqual(found, []);
  });

  it(`destroying ${OTHER} leaves ${HOME} with 0 changes`, async () => {
    const started = Date.now();
    await whileNudgingDeletedWorkspaces(() =>
      expectCode(cli(OTHER, ["destroy", "--yes", "--skip-preview"]), 0, `destroy ${OTHER}`),
    );
    console.log(`destroy ${OTHER}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const r = expectCode(
      cli(HOME, ["preview", "--expect-no-changes", "--json", "--show-sames"]),
      0,
      `preview ${HOME}`,
    );
    const steps = (JSON.parse(r.stdout) as { steps: { op: string; urn: string }[] }).steps;
    assert.deepEqual(
      steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.urn}`),
      [],
    );
    assert.ok(steps.length > 100, `only ${steps.length} steps`);
  });
});
