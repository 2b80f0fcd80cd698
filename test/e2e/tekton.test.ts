// Real Tekton execution on a local region that the main job deployed (ops/rollout.ts --local): the upstream
// controllers, webhook, Results and Chains run as local processes (local/supervisor.ts) and kwok's stages
// finish the step pods. Everything the test creates lives in a namespace of its own, deleted at the end, so
// the region's stack is left as the main job made it.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { slotPorts } from "../../local/processes";
import { verifyChainsSignature } from "../../ops/verify-chains";
import { expectCode, localEnv, PROJECT_DIR, pulumi, run } from "../integration/harness";
import { applyYaml, kc, pausedProcess, pipelineRun, stackOutputs, waitForProcess } from "./helpers";
import { waitFor } from "../helpers/wait";

const STACK = process.env.E2E_STACK ?? "local-east";

describe(`Tekton runs for real on ${STACK}`, () => {
  const env = localEnv();
  const index = env.regions.findIndex((r) => r.name === STACK);
  assert.ok(index >= 0, `${STACK} is not a region of the local environment`);
  const kubeconfig = env.regions[index].kubeconfig;
  const k = kc(kubeconfig);
  const ns = `e2e-tekton-${process.pid}`;
  const outputs = stackOutputs(STACK);

  before(async () => {
    k(["create", "namespace", ns]);
    // Runs start once the namespace's default ServiceAccount exists (Tekton reads it for credentials).
    await waitFor(
      "default ServiceAccount",
      60,
      () => k(["get", "sa", "default", "-n", ns], true) !== undefined,
    );
    for (const p of [
      "pipelines-controller",
      "pipelines-webhook",
      "results-api",
      "results-watcher",
      "chains-controller",
    ])
      await waitForProcess(STACK, p, 180);
  });
  after(() => {
    k(["delete", "namespace", ns, "--wait=false"], true);
  });

  let succeeded: { name: string; seconds: number } | undefined;

  it("a two-Task PipelineRun with a param, a result passed on and script steps Succeeds", async () => {
    const started = Date.now();
    const name = applyYaml(kubeconfig, pipelineRun(ns, "ok", {}));
    const status = await waitFor(`PipelineRun ${name} to finish`, 180, () => {
      const s = k(
        ["get", "pipelinerun", name, "-n", ns, "-o", "jsonpath={.status.conditions[0].status}"],
        true,
      );
      return s === "True" || s === "False" ? s : undefined;
    });
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    console.log(`PipelineRun ${name}: create → Succeeded in ${seconds} s`);
    assert.equal(status, "True", k(["get", "pipelinerun", name, "-n", ns, "-o", "yaml"]));
    succeeded = { name, seconds };
    const taskRuns = JSON.parse(
      k(["get", "taskruns", "-n", ns, "-l", `tekton.dev/pipelineRun=${name}`, "-o", "json"])!,
    ) as {
      items: {
        metadata: { labels: Record<string, string> };
        spec: { params?: { name: string; value: string }[] };
      }[];
    };
    assert.equal(taskRuns.items.length, 2);
    const consume = taskRuns.items.find((t) => t.metadata.labels["tekton.dev/pipelineTask"] === "consume");
    // The first Task's result (written into its step's termination message) became the second's param.
    assert.deepEqual(consume?.spec.params, [{ name: "word", value: "from-produce" }]);
  });

  it("the same run with an exit code on one step ends Failed, the code in the TaskRun status", async () => {
    const name = applyYaml(kubeconfig, pipelineRun(ns, "fail", { consumeExitCode: 3 }));
    const status = await waitFor(`PipelineRun ${name} to finish`, 180, () => {
      const s = k(
        ["get", "pipelinerun", name, "-n", ns, "-o", "jsonpath={.status.conditions[0].status}"],
        true,
      );
      return s === "True" || s === "False" ? s : undefined;
    });
    assert.equal(status, "False");
    const code = k([
      "get",
      "taskruns",
      "-n",
      ns,
      "-l",
      `tekton.dev/pipelineRun=${name},tekton.dev/pipelineTask=consume`,
      "-o",
      "jsonpath={.items[0].status.steps[0].terminated.exitCode}",
    ]);
    assert.equal(code, "3");
  });

  it("an invalid Task is refused by the real webhook; with the webhook stopped, creates fail closed", async () => {
    const task = `apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: no-steps, namespace: ${ns}}\nspec: {}\n`;
    const refused = run("kubectl", ["--kubeconfig", kubeconfig, "create", "-f", "-"], { input: task });
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.out,
      /admission webhook "validation\.webhook\.pipeline\.tekton\.dev" denied the request/,
    );
    assert.match(refused.out, /validation failed: missing field\(s\): spec\.steps/);
    await pausedProcess(STACK, "pipelines-webhook", async () => {
      const valid = pipelineRun(ns, "while-webhook-down", {});
      const r = run("kubectl", ["--kubeconfig", kubeconfig, "create", "-f", "-"], { input: valid });
      assert.notEqual(r.code, 0, "a create slipped through while the webhook was down");
      assert.match(r.out, /failed calling webhook/);
    });
  });

  it("Results stores the PipelineRun and both TaskRuns in PostgreSQL and serves them over REST", async () => {
    assert.ok(succeeded, "needs the succeeded run");
    const port = slotPorts(index, 4).serving;
    const ca = path.join(path.dirname(kubeconfig), `results-ca-${process.pid}.crt`);
    fs.writeFileSync(
      ca,
      Buffer.from(
        k([
          "get",
          "secret",
          "tekton-results-tls",
          "-n",
          "tekton-pipelines",
          "-o",
          "jsonpath={.data.tls\\.crt}",
        ])!,
        "base64",
      ).toString("utf8"),
    );
    // A reader with the release's own read-only role: the API checks RBAC against the region's API server.
    k(["create", "serviceaccount", "results-reader", "-n", ns]);
    k([
      "create",
      "clusterrolebinding",
      `${ns}-results-reader`,
      "--clusterrole=tekton-results-readonly",
      `--serviceaccount=${ns}:results-reader`,
    ]);
    const token = k(["create", "token", "results-reader", "-n", ns])!;
    const records = await waitFor("the records of the run", 120, () => {
      const r = run("curl", [
        "-sf",
        "--cacert",
        ca,
        "-H",
        `Authorization: Bearer ${token}`,
        `https://localhost:${port}/apis/results.tekton.dev/v1alpha2/parents/${ns}/results/-/records`,
      ]);
      if (r.code !== 0) return undefined;
      const recs =
        (JSON.parse(r.stdout) as { records?: { data: { type: string; value: string } }[] }).records ?? [];
      const mine = recs.map(
        (x) =>
          JSON.parse(Buffer.from(x.data.value, "base64").toString()) as {
            kind: string;
            metadata: { name: string; labels?: Record<string, string> };
          },
      );
      const ofRun = mine.filter(
        (o) =>
          o.metadata.name === succeeded!.name ||
          o.metadata.labels?.["tekton.dev/pipelineRun"] === succeeded!.name,
      );
      return ofRun.length >= 3 ? ofRun : undefined;
    });
    fs.rmSync(ca, { force: true });
    k(["delete", "clusterrolebinding", `${ns}-results-reader`], true);
    assert.deepEqual(records.map((o) => o.kind).sort(), ["PipelineRun", "TaskRun", "TaskRun"]);
    const db = `tekton_results_${STACK.replace(/-/g, "_")}`;
    const rows = run("psql", [
      "-h",
      "127.0.0.1",
      "-p",
      "15432",
      "-U",
      "postgres",
      "-d",
      db,
      "-tAc",
      `SELECT type, name FROM records WHERE parent = '${ns}' ORDER BY type`,
    ]);
    expectCode(rows, 0, "psql");
    const lines = rows.stdout.trim().split("\n");
    assert.equal(
      lines.filter((l) => l.startsWith("tekton.dev/v1.PipelineRun|")).length >= 1,
      true,
      rows.stdout,
    );
    assert.equal(lines.filter((l) => l.startsWith("tekton.dev/v1.TaskRun|")).length >= 2, true, rows.stdout);
  });

  it("Chains signs each TaskRun with the region's key; the signature verifies with the stack's public key", async () => {
    assert.ok(succeeded, "needs the succeeded run");
    const publicKeyPem = outputs.chainsPublicKeyPem as string;
    assert.match(publicKeyPem, /BEGIN PUBLIC KEY/);
    const taskRuns = await waitFor("signed TaskRuns", 120, () => {
      const list = JSON.parse(
        k(["get", "taskruns", "-n", ns, "-l", `tekton.dev/pipelineRun=${succeeded!.name}`, "-o", "json"])!,
      ) as { items: { metadata: { uid: string; annotations?: Record<string, string> } }[] };
      return list.items.every((t) => t.metadata.annotations?.["chains.tekton.dev/signed"] === "true")
        ? list.items
        : undefined;
    });
    for (const t of taskRuns) {
      const a = t.metadata.annotations!;
      const sig = a[`chains.tekton.dev/signature-taskrun-${t.metadata.uid}`];
      assert.ok(sig, "no signature annotation");
      assert.ok(
        verifyChainsSignature(sig, publicKeyPem),
        `signature of TaskRun ${t.metadata.uid} does not verify`,
      );
    }
  });

  it("a second pulumi preview of the region reports no changes after the runs", () => {
    // A copy of the stack file: the CLI writes into the config file it reads (an encryptionsalt, and
    // booleans re-quoted), and the committed file must stay as it is.
    const copy = path.join(path.dirname(kubeconfig), `Pulumi.${STACK}.${process.pid}.yaml`);
    fs.copyFileSync(path.join(PROJECT_DIR, "stacks", `Pulumi.${STACK}.yaml`), copy);
    try {
      const r = pulumi(["preview", "--stack", STACK, "--config-file", copy, "--expect-no-changes", "--diff"]);
      expectCode(r, 0, "preview --expect-no-changes");
    } finally {
      fs.rmSync(copy, { force: true });
    }
  });
});
