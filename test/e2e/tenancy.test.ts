// Tenancy end to end on the regions the main job deployed: each tenant workspace sits on its region's shard
// and binds that region's Tekton export; a PipelineRun created in kcp runs on that region's cluster (and no
// other), its status and child references come back, deletes propagate, a Pipeline and its run created in
// one apply still succeed, and one region's outage leaves the other serving. Test objects live in namespaces
// of their own, deleted at the end.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { expectCode, localEnv, PROJECT_DIR, pulumi, run } from "../integration/harness";
import { kc, pipelineRun, pipelineSpecYaml } from "./helpers";
import { waitFor } from "../helpers/wait";

const TENANTS = { "team-east": "local-east", "team-west": "local-west" } as const;

describe("tenants run pipelines through kcp", () => {
  const env = localEnv();
  const regionOf = (name: string) => env.regions.find((r) => r.name === name)!;
  const admin = env.kcp.adminKubeconfig;
  const ws =
    (path: string) =>
    (args: string[], soft = false) =>
      kc(admin)(["--server", `${env.kcp.frontProxyUrl}/clusters/${path}`, ...args], soft);
  const tenant = (t: keyof typeof TENANTS) => ws(`root:tenants:${t}`);
  const ns = `e2e-tenancy-${process.pid}`;
  const created: [keyof typeof TENANTS, string][] = [];

  /** Creates `yaml` in a tenant workspace; returns the name of its last object. */
  const create = (t: keyof typeof TENANTS, yaml: string) => {
    const r = run(
      "kubectl",
      [
        "--kubeconfig",
        admin,
        "--server",
        `${env.kcp.frontProxyUrl}/clusters/root:tenants:${t}`,
        "create",
        "-f",
        "-",
        "-o",
        "name",
      ],
      { input: yaml },
    );
    expectCode(r, 0, `create in ${t}`);
    return r.stdout.trim().split("\n").pop()!.replace(/^.*\//, "");
  };
  const namespace = (t: keyof typeof TENANTS) => {
    if (!created.some(([x]) => x === t)) {
      tenant(t)(["create", "namespace", ns]);
      created.push([t, ns]);
    }
  };
  const pipeline = `apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: two-tasks, namespace: ${ns}}\nspec:\n${pipelineSpecYaml().replace(/^ {4}/gm, "  ")}`;
  const finished = (t: keyof typeof TENANTS, name: string, seconds = 120) =>
    waitFor(`PipelineRun ${name} in ${t} to finish`, seconds, () => {
      const s = tenant(t)(
        ["get", "pipelinerun", name, "-n", ns, "-o", "jsonpath={.status.conditions[0].status}"],
        true,
      );
      return s === "True" || s === "False" ? s : undefined;
    });
  /** The region cluster's copies of a tenant's PipelineRun (found by the agent's remote-name annotation). */
  const copiesOn = (region: string, name: string) =>
    (
      kc(regionOf(region).kubeconfig)([
        "get",
        "pipelineruns",
        "-A",
        "-o",
        "jsonpath={range .items[*]}{.metadata.annotations.syncagent\\.kcp\\.io/remote-object-name}{'\\n'}{end}",
      ]) ?? ""
    )
      .split("\n")
      .filter((n) => n === name).length;

  after(() => {
    for (const [t, n] of created) tenant(t)(["delete", "namespace", n, "--wait=false"], true);
  });

  it("each tenant workspace is on its region's shard and serves the Tekton APIs", () => {
    for (const [t, region] of Object.entries(TENANTS)) {
      const shard = ws("root:tenants")([
        "get",
        "workspace",
        t,
        "-o",
        "jsonpath={.metadata.annotations.core\\.kcp\\.io/shard}",
      ]);
      console.log(`${t}: shard ${shard}`);
      assert.equal(shard, regionOf(region).kcpShard);
      const resources = tenant(t as keyof typeof TENANTS)([
        "api-resources",
        "--api-group=tekton.dev",
        "-o",
        "name",
      ])!;
      assert.deepEqual(resources.split("\n").sort(), [
        "pipelineruns.tekton.dev",
        "pipelines.tekton.dev",
        "tasks.tekton.dev",
      ]);
    }
  });

  it("round trip: a run created in team-west runs on local-west only, and Succeeded comes back", async () => {
    namespace("team-west");
    create("team-west", pipeline);
    await waitFor("the Pipeline on local-west", 60, () => {
      const names = kc(regionOf("local-west").kubeconfig)(["get", "pipelines", "-A", "-o", "name"]) ?? "";
      return names.includes("two-tasks");
    });
    const started = Date.now();
    const name = create("team-west", pipelineRun(ns, "round-trip", { pipelineRef: "two-tasks" }));
    assert.equal(await finished("team-west", name), "True");
    console.log(
      `team-west PipelineRun ${name}: create in kcp → Succeeded seen in kcp: ${(Date.now() - started) / 1000} s`,
    );
    const children = JSON.parse(
      tenant("team-west")([
        "get",
        "pipelinerun",
        name,
        "-n",
        ns,
        "-o",
        "jsonpath={.status.childReferences}",
      ])!,
    ) as { kind: string; pipelineTaskName: string }[];
    assert.deepEqual(children.map((c) => `${c.kind}/${c.pipelineTaskName}`).sort(), [
      "TaskRun/consume",
      "TaskRun/produce",
    ]);
    assert.equal(copiesOn("local-west", name), 1);
    assert.equal(copiesOn("local-east", name), 0);

    // Deleting in kcp deletes the copy on the cluster.
    tenant("team-west")(["delete", "pipelinerun", name, "-n", ns]);
    await waitFor("the copy on local-west to go", 60, () => copiesOn("local-west", name) === 0);
  });

  it("a failing run shows Failed in the workspace", async () => {
    namespace("team-west");
    const yaml = pipelineRun(ns, "fails", { consumeExitCode: 2 });
    const name = create("team-west", yaml);
    assert.equal(await finished("team-west", name), "False");
  });

  it("race: a run created with its Pipeline in one apply may fail CouldntGetPipeline; the documented fix always works", async () => {
    // The agent syncs each object on its own, and Tekton fails a PipelineRun whose Pipeline is not on the
    // cluster yet for good. The README's fix: wait until the Pipeline carries the agent's finalizer (it is
    // then on the cluster), then create the run.
    const outcome = async (raceNs: string, name: string) => {
      const s = await waitFor(`run ${raceNs}/${name}`, 120, () => {
        const c = tenant("team-west")(
          [
            "get",
            "pipelinerun",
            name,
            "-n",
            raceNs,
            "-o",
            "jsonpath={.status.conditions[0].status}/{.status.conditions[0].reason}",
          ],
          true,
        );
        return c?.startsWith("True/") || c?.startsWith("False/") ? c : undefined;
      });
      return s;
    };
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const raceNs = `${ns}-race-${i}`;
      tenant("team-west")(["create", "namespace", raceNs]);
      created.push(["team-west", raceNs]);
      const oneApply = `${pipeline.replace(`namespace: ${ns}`, `namespace: ${raceNs}`)}---\n${pipelineRun(raceNs, "race", { pipelineRef: "two-tasks" })}`;
      const raced = await outcome(raceNs, create("team-west", oneApply));
      seen.push(raced);
      assert.ok(
        ["True/Succeeded", "False/CouldntGetPipeline"].includes(raced),
        `one apply, run ${i}: ${raced}`,
      );
      // The fix: the Pipeline is already there (with the finalizer); a run created now succeeds.
      tenant("team-west")([
        "wait",
        "--for=jsonpath={.metadata.finalizers[0]}=syncagent.kcp.io/cleanup",
        "pipeline/two-tasks",
        "-n",
        raceNs,
        "--timeout=60s",
      ]);
      const fixed = await outcome(
        raceNs,
        create("team-west", pipelineRun(raceNs, "after-pipeline", { pipelineRef: "two-tasks" })),
      );
      assert.equal(fixed, "True/Succeeded", `after the Pipeline synced, run ${i}`);
    }
    console.log(`one apply (Pipeline + run), 3 tries: ${seen.join(", ")}`);
  });

  it("offboarding: removing team-west from its stack previews only that tenant's resources as deletes", () => {
    const file = path.join(PROJECT_DIR, "stacks", "Pulumi.local-west.yaml");
    const doc = parse(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
    doc.config["pipeline-service:tenants"] = [];
    const edited = path.join(path.dirname(regionOf("local-west").kubeconfig), `offboard-${process.pid}.yaml`);
    fs.writeFileSync(edited, stringify(doc));
    try {
      const r = expectCode(
        pulumi(["preview", "--json", "--stack", "local-west", "--config-file", edited]),
        0,
        "preview without team-west",
      );
      const steps = (JSON.parse(r.stdout) as { steps: { op: string; urn: string }[] }).steps.filter(
        (s) => s.op !== "same",
      );
      assert.ok(steps.length > 0, "nothing would change");
      // The provider for root:tenants exists only for the region's tenants, so it goes with the last one.
      const notTenant = steps.filter(
        (s) => s.op !== "delete" || !/team-west|::local-west-kcp-tenants$/.test(s.urn),
      );
      assert.deepEqual(
        notTenant.map((s) => `${s.op} ${s.urn}`),
        [],
      );
      console.log(`offboarding team-west: ${steps.length} deletes, all of team-west's resources`);
    } finally {
      fs.rmSync(edited, { force: true });
    }
  });

  it("onboarding: a new tenant in a stack previews as creates only (its workspace is not scheduled yet)", () => {
    const file = path.join(PROJECT_DIR, "stacks", "Pulumi.local-west.yaml");
    const doc = parse(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
    const tenants = (doc.config["pipeline-service:tenants"] ?? []) as { name: string }[];
    doc.config["pipeline-service:tenants"] = [...tenants, { name: `onboard-${process.pid}` }];
    const edited = path.join(path.dirname(regionOf("local-west").kubeconfig), `onboard-${process.pid}.yaml`);
    fs.writeFileSync(edited, stringify(doc));
    try {
      const r = expectCode(
        pulumi(["preview", "--json", "--stack", "local-west", "--config-file", edited]),
        0,
        "preview with a new tenant",
      );
      const steps = (JSON.parse(r.stdout) as { steps: { op: string; urn: string }[] }).steps.filter(
        (s) => s.op !== "same",
      );
      assert.ok(steps.length > 0, "nothing would change");
      assert.deepEqual(
        steps.filter((s) => s.op !== "create").map((s) => `${s.op} ${s.urn}`),
        [],
      );
    } finally {
      fs.rmSync(edited, { force: true });
    }
  });

  it("region isolation: with local-west's cluster stopped, team-east still runs; team-west recovers after", async () => {
    namespace("team-east");
    const kwok = {
      KWOK_WORKDIR: path.join(path.dirname(path.dirname(path.dirname(regionOf("local-west").kubeconfig)))),
    };
    expectCode(
      run("kwokctl", ["stop", "cluster", "--name", "local-west"], { env: kwok }),
      0,
      "stop local-west",
    );
    try {
      create("team-east", pipeline);
      // The README's fix for the Pipeline/run race: the run only once the agent has taken the Pipeline.
      tenant("team-east")([
        "wait",
        "--for=jsonpath={.metadata.finalizers[0]}=syncagent.kcp.io/cleanup",
        "pipeline/two-tasks",
        "-n",
        ns,
        "--timeout=60s",
      ]);
      const name = create("team-east", pipelineRun(ns, "isolated", { pipelineRef: "two-tasks" }));
      assert.equal(await finished("team-east", name), "True");
    } finally {
      expectCode(run(path.join(PROJECT_DIR, "local/env.sh"), ["start"]), 0, "local/env.sh start");
    }
    // No pulumi up: the agent and the controllers pick up where they were.
    const name = create("team-west", pipelineRun(ns, "after-restart", { pipelineRef: "two-tasks" }));
    assert.equal(await finished("team-west", name, 300), "True");
  });
});
