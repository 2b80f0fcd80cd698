// Benchmarks a–c on the running local environment (local/env.sh start; hold the env lock), each against a
// baseline measured in the same run on the same region:
//   a. `pulumi up` of local-east from empty  vs  `kubectl apply --server-side` of the same objects (taken
//      from the stack's export) plus `kubectl rollout status` of the same workloads, on the emptied cluster;
//   b. a no-op `pulumi preview`  vs  `kubectl diff --server-side` of the same objects;
//   c. both local regions in parallel through ops/preview.ts and ops/rollout.ts  vs  the slowest single one.
// The stacks live in a backend of their own (a temporary directory), so the user's stacks are untouched; like
// test/integration/platform.test.ts it refuses a region cluster another stack has deployed to.
//   node --import tsx bench/local.bench.ts [--skip-parallel] [--keep]
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { parse, stringify } from "yaml";
import { ENV, PROJECT_DIR, heading, line, must, timed, type Timed } from "./lib";
import { isDefinition, objectsByProvider, rolloutTargets, type ProviderGroup } from "./objects";

const { values } = parseArgs({
  options: {
    "skip-parallel": { type: "boolean", default: false },
    "skip-baseline-apply": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    "up-args": { type: "string", default: "" },
    /** Engine flags to compare against the defaults on the no-op preview (and with --compare-up, on up). */
    compare: { type: "string", default: "--parallel 64" },
    /** A second up from empty with the --compare flags (costs one more up and destroy). */
    "compare-up": { type: "boolean", default: false },
    /** Another checkout of the project (e.g. the commit before a change): one more no-op preview from it. */
    "compare-project": { type: "string" },
  },
});

const STACKS = ["local-east", "local-west"];
const HOME = STACKS[0];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bench-local-"));
const backend = { PULUMI_BACKEND_URL: `file://${tmp}/backend` };
fs.mkdirSync(path.join(tmp, "backend"));

interface LocalEnv {
  regions: { name: string; kubeconfig: string }[];
}
const localEnv = JSON.parse(
  fs.readFileSync(path.join(ENV.PIPELINE_SERVICE_LOCAL_DIR ?? "", "env.json"), "utf8"),
) as LocalEnv;

function kubectl(kubeconfig: string, args: string[], input?: string): Timed {
  return timed("kubectl", ["--kubeconfig", kubeconfig, ...args], { input });
}

const stackFiles = new Map(
  STACKS.map((s) => {
    const file = path.join(PROJECT_DIR, "stacks", `Pulumi.${s}.yaml`);
    return [file, fs.readFileSync(file, "utf8")];
  }),
);
/** A copy of the stack file for the CLI (which writes into the file it reads). */
function configFile(stack: string): string {
  const file = path.join(tmp, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    fs.writeFileSync(
      file,
      stringify(parse(stackFiles.get(path.join(PROJECT_DIR, "stacks", `Pulumi.${stack}.yaml`))!)),
    );
  }
  return file;
}
const pulumi = (stack: string, args: string[]) =>
  timed(
    "pulumi",
    [
      ...args,
      "--stack",
      stack,
      ...(args[0] === "stack" ? [] : ["--config-file", configFile(stack)]),
      "--non-interactive",
    ],
    { env: backend },
  );
const ops = (cmd: string, stacks: string[], args: string[] = []) =>
  timed(
    "node",
    ["--import", "tsx", `ops/${cmd}.ts`, "--stacks", stacks.join(","), "--out", path.join(tmp, cmd), ...args],
    { env: backend },
  );

function clusterInUse(): string | undefined {
  for (const r of localEnv.regions) {
    const ns = kubectl(r.kubeconfig, ["get", "namespace", "tekton-pipelines", "-o", "name"]);
    if (ns.code === 0) return `${r.name}: namespace tekton-pipelines exists (another stack deployed here)`;
  }
  return undefined;
}

/** The field managers of the kubectl baselines: one for the objects, one for the patches (as Pulumi does). */
const BENCH_MANAGER = "bench";
const BENCH_PATCH_MANAGER = "bench-patch";

/** Writes a group's kubeconfig, its objects (definitions first) and its patches as multi-document YAML. */
function groupFiles(
  g: ProviderGroup,
  i: number,
): { kubeconfig: string; defs: string; rest: string; patches: string } {
  const kubeconfig = path.join(tmp, `group-${i}.kubeconfig`);
  fs.writeFileSync(kubeconfig, g.kubeconfig);
  const write = (name: string, objs: unknown[]) => {
    const file = path.join(tmp, `group-${i}-${name}.yaml`);
    // JSON documents: kubectl reads YAML 1.1, where an unquoted `no` (as YAML 1.2 writes it) is a boolean.
    fs.writeFileSync(file, objs.map((o) => JSON.stringify(o)).join("\n---\n"));
    return file;
  };
  return {
    kubeconfig,
    defs: write("defs", g.objects.filter(isDefinition)),
    rest: write(
      "rest",
      g.objects.filter((o) => !isDefinition(o)),
    ),
    patches: write("patches", g.patches),
  };
}

/** `kubectl <verb> --server-side` of a file under a field manager (as Pulumi, conflicts forced). */
const serverSide = (verb: "apply" | "diff", file: string, manager: string) => [
  verb,
  "--server-side",
  "--force-conflicts",
  "--field-manager",
  manager,
  "-f",
  file,
];

/** kubectl apply --server-side until it succeeds (CRDs establishing, webhooks starting, workspaces scheduling). */
function applyUntilOk(kubeconfig: string, file: string, deadline: number, manager = BENCH_MANAGER): number {
  let tries = 0;
  for (;;) {
    tries++;
    const r = kubectl(kubeconfig, serverSide("apply", file, manager));
    if (r.code === 0) return tries;
    if (Date.now() > deadline)
      throw new Error(`kubectl apply -f ${file} never succeeded:\n${r.out.slice(-4000)}`);
    timed("sleep", ["1"]);
  }
}

function kubectlBaselineApply(groups: ProviderGroup[]): { seconds: number; tries: number; rollouts: number } {
  const started = process.hrtime.bigint();
  const deadline = Date.now() + 15 * 60_000;
  let tries = 0;
  let rollouts = 0;
  groups.forEach((g, i) => {
    const f = groupFiles(g, i);
    if (g.objects.some(isDefinition)) tries += applyUntilOk(f.kubeconfig, f.defs, deadline);
    if (g.objects.some((o) => !isDefinition(o))) tries += applyUntilOk(f.kubeconfig, f.rest, deadline);
    if (g.patches.length > 0) tries += applyUntilOk(f.kubeconfig, f.patches, deadline, BENCH_PATCH_MANAGER);
    for (const t of rolloutTargets(g.objects)) {
      const [what, ns] = t.split("@");
      must(
        kubectl(f.kubeconfig, ["rollout", "status", what, ...(ns ? ["-n", ns] : []), "--timeout=600s"]),
        `rollout status ${t}`,
      );
      rollouts++;
    }
  });
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, tries, rollouts };
}

function kubectlDiff(groups: ProviderGroup[]): { seconds: number; differing: number } {
  let seconds = 0;
  let differing = 0;
  groups.forEach((g, i) => {
    const f = groupFiles(g, i);
    for (const [file, manager] of [
      [f.defs, BENCH_MANAGER],
      [f.rest, BENCH_MANAGER],
      [f.patches, BENCH_PATCH_MANAGER],
    ]) {
      if (fs.statSync(file).size === 0) continue;
      const r = must(kubectl(f.kubeconfig, serverSide("diff", file, manager)), "kubectl diff", [0, 1]);
      seconds += r.seconds;
      if (r.code === 1) differing += (r.stdout.match(/^diff -u -N /gm) ?? []).length;
    }
  });
  return { seconds, differing };
}

function kubectlDelete(groups: ProviderGroup[]): void {
  [...groups].reverse().forEach((g, i) => {
    const f = groupFiles(g, groups.length - 1 - i);
    for (const file of [f.rest, f.defs]) {
      if (fs.statSync(file).size === 0) continue;
      kubectl(f.kubeconfig, ["delete", "--ignore-not-found", "--wait=false", "-f", file]);
    }
  });
}

function waitNamespacesGone(): void {
  const deadline = Date.now() + 5 * 60_000;
  for (const r of localEnv.regions) {
    while (kubectl(r.kubeconfig, ["get", "namespace", "tekton-pipelines", "-o", "name"]).code === 0) {
      if (Date.now() > deadline) throw new Error(`${r.name}: namespace tekton-pipelines still there`);
      timed("sleep", ["2"]);
    }
  }
}

/**
 * A pulumi command timed line by line: when the engine started (the "Previewing/Updating" banner: CLI and
 * plugin start), the first resource line after the stack's own (the program has started registering), the
 * last resource line (the steps), and the exit (the summary, policy stack checks, CLI exit).
 */
async function withPhases(
  stack: string,
  args: string[],
  name: string,
  cwd = PROJECT_DIR,
): Promise<Timed & { phases: string }> {
  const start = Date.now();
  const marks: { banner?: number; first?: number; last?: number } = {};
  let steps = 0;
  const r = await new Promise<Timed>((resolve) => {
    const child = spawn(
      "pulumi",
      [...args, "--show-sames", "--stack", stack, "--config-file", configFile(stack), "--non-interactive"],
      { cwd, env: { ...ENV, ...backend } },
    );
    let out = "";
    let pending = "";
    let summary = false;
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      pending += d.toString();
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      const now = Date.now();
      for (const l of lines) {
        if (/^(Previewing|Updating|Destroying) /.test(l)) marks.banner ??= now;
        else if (/^Resources:/.test(l)) summary = true;
        else if (
          !summary &&
          marks.banner &&
          /^\s+[-+~=]?\s*\S+:\S+:\S+ /.test(l) &&
          !/pulumi:pulumi:Stack/.test(l)
        ) {
          marks.first ??= now;
          marks.last = now;
          steps++;
        }
      }
    });
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("close", (code) =>
      resolve({ code: code ?? -1, seconds: (Date.now() - start) / 1000, out, stdout: out }),
    );
  });
  must(r, name);
  const f = (a?: number, b?: number) => (a && b ? `${((b - a) / 1000).toFixed(1)} s` : "?");
  const end = start + r.seconds * 1000;
  return {
    ...r,
    phases:
      `start→engine ${f(start, marks.banner)}, engine→first resource ${f(marks.banner, marks.first)}, ` +
      `resource lines ${f(marks.first, marks.last)} (${steps}), last resource→exit ${f(marks.last, end)}`,
  };
}

async function main(): Promise<void> {
  const inUse = clusterInUse();
  if (inUse) throw new Error(`refusing to benchmark on a region cluster in use: ${inUse}`);
  for (const s of STACKS)
    must(pulumi(s, ["stack", "init", "--secrets-provider", "passphrase"]), `stack init ${s}`);
  const upArgs = (values["up-args"] ?? "").split(" ").filter(Boolean);
  console.log(
    `local bench: ${new Date().toISOString()}, backend ${tmp}/backend, up args [${upArgs.join(" ")}]`,
  );

  // a (measured part): the first up from empty.
  const up = await withPhases(HOME, ["up", "--yes", "--skip-preview", ...upArgs], `up-${HOME}`);
  console.log(`first up of ${HOME}: ${up.seconds.toFixed(1)} s (${up.phases})`);
  const exported = must(pulumi(HOME, ["stack", "export", "--show-secrets"]), "stack export");
  const groups = objectsByProvider(JSON.parse(exported.stdout));
  const count = groups.reduce((n, g) => n + g.objects.length, 0);
  const resources = (JSON.parse(exported.stdout) as { deployment: { resources?: unknown[] } }).deployment
    .resources?.length;
  console.log(
    `${HOME}: ${resources} resources in state, ${count} Kubernetes objects over ${groups.length} providers`,
  );

  // b: the no-op preview against kubectl diff of the same objects.
  const diff = kubectlDiff(groups);
  const preview = await withPhases(HOME, ["preview", ...upArgs], "preview");
  const previewPolicy = await withPhases(
    HOME,
    ["preview", "--policy-pack", "policy", ...upArgs],
    "preview-policy",
  );
  const previewRefresh = await withPhases(HOME, ["preview", "--refresh", ...upArgs], "preview-refresh");
  const unchanged = /(\d+) unchanged/.exec(preview.out)?.[1];
  const changes = /Resources:\n((?:\s+.*\n)+)/.exec(preview.out)?.[1]?.trim().replace(/\s+/g, " ");
  heading(
    `b. no-op preview of ${HOME} (${changes ?? `${unchanged} unchanged`}); kubectl diff: ${diff.differing} objects differ`,
  );
  line("baseline: kubectl diff --server-side (same objects)", diff.seconds, diff.seconds);
  line("pulumi preview", preview.seconds, diff.seconds);
  line("pulumi preview --policy-pack policy", previewPolicy.seconds, diff.seconds);
  line("pulumi preview --refresh", previewRefresh.seconds, diff.seconds);
  const compareArgs = (values.compare ?? "").split(" ").filter(Boolean);
  if (compareArgs.length) {
    const p = await withPhases(HOME, ["preview", ...compareArgs, ...upArgs], "preview-compare");
    line(`pulumi preview ${compareArgs.join(" ")}`, p.seconds, diff.seconds);
    console.log(`  preview ${compareArgs.join(" ")}: ${p.phases}`);
  }
  const other = values["compare-project"];
  if (other) {
    const p = await withPhases(
      HOME,
      ["preview", ...upArgs],
      "preview-other-project",
      path.resolve(other),
    ).catch((e: Error) => ({ seconds: NaN, out: e.message, phases: "failed" }));
    const changes = /Resources:\n((?:\s+.*\n)+)/.exec(p.out)?.[1]?.trim().replace(/\s+/g, " ");
    line(`pulumi preview from ${other} (${changes})`.slice(0, 64), p.seconds, diff.seconds);
    console.log(`  preview from ${other}: ${p.phases}`);
  }
  // The program loaded by tsx (nodeargs) instead of the SDK's ts-node (typescript: true).
  const projectFile = path.join(PROJECT_DIR, "Pulumi.yaml");
  const project = fs.readFileSync(projectFile, "utf8");
  if (/typescript: true/.test(project)) {
    try {
      fs.writeFileSync(
        projectFile,
        project.replace(/typescript: true/, 'typescript: false\n    nodeargs: "--import tsx"'),
      );
      const p = await withPhases(HOME, ["preview", ...upArgs], "preview-tsx");
      line("pulumi preview, program run by tsx instead of ts-node", p.seconds, diff.seconds);
      console.log(`  preview (tsx): ${p.phases}`);
    } catch (e) {
      console.log(`preview with tsx failed: ${(e as Error).message.slice(0, 2000)}`);
    } finally {
      fs.writeFileSync(projectFile, project);
    }
  }
  console.log(`  preview: ${preview.phases}\n  preview --policy-pack: ${previewPolicy.phases}`);

  // c: both regions through ops/ in parallel against the slowest single region.
  if (!values["skip-parallel"]) {
    must(pulumi(STACKS[1], ["up", "--yes", "--skip-preview", ...upArgs]), `up ${STACKS[1]}`);
    const single = STACKS.map((s) => must(ops("preview", [s]), `ops/preview ${s}`).seconds);
    const both = must(ops("preview", STACKS), "ops/preview both").seconds;
    const singleUp = STACKS.map((s) => must(ops("rollout", [s], ["--yes"]), `ops/rollout ${s}`).seconds);
    const bothUp = must(ops("rollout", STACKS, ["--yes"]), "ops/rollout both").seconds;
    heading(`c. ${STACKS.length} local regions in parallel vs the slowest single region`);
    line("baseline: ops/preview.ts, slowest single region", Math.max(...single), Math.max(...single));
    line(`ops/preview.ts, ${STACKS.length} regions`, both, Math.max(...single));
    line(
      "baseline: ops/rollout.ts (no-op up), slowest single region",
      Math.max(...singleUp),
      Math.max(...singleUp),
    );
    line(`ops/rollout.ts (no-op up), ${STACKS.length} regions`, bothUp, Math.max(...singleUp));
    must(pulumi(STACKS[1], ["destroy", "--yes", "--skip-preview"]), `destroy ${STACKS[1]}`);
  }

  const destroy = must(pulumi(HOME, ["destroy", "--yes", "--skip-preview", ...upArgs]), `destroy ${HOME}`);
  waitNamespacesGone();
  // The first up again with the compared engine flags.
  let upCompare: (Timed & { phases: string }) | undefined;
  if (compareArgs.length && values["compare-up"]) {
    upCompare = await withPhases(
      HOME,
      ["up", "--yes", "--skip-preview", ...compareArgs, ...upArgs],
      `up-compare-${HOME}`,
    );
    must(pulumi(HOME, ["destroy", "--yes", "--skip-preview", ...compareArgs, ...upArgs]), `destroy ${HOME}`);
    waitNamespacesGone();
  }

  // a (baseline): the same objects with kubectl on the emptied cluster, then the same rollouts.
  if (!values["skip-baseline-apply"]) {
    const k = kubectlBaselineApply(groups);
    heading(
      `a. first up of ${HOME} from empty (${count} objects; kubectl: ${k.tries} apply calls, ${k.rollouts} rollouts)`,
    );
    line("baseline: kubectl apply --server-side + rollout status", k.seconds, k.seconds);
    line("pulumi up --skip-preview", up.seconds, k.seconds);
    console.log(`  up: ${up.phases}`);
    if (upCompare) {
      line(`pulumi up --skip-preview ${compareArgs.join(" ")}`, upCompare.seconds, k.seconds);
      console.log(`  up ${compareArgs.join(" ")}: ${upCompare.phases}`);
    }
    console.log(`(pulumi destroy of ${HOME}: ${destroy.seconds.toFixed(1)} s)`);
    kubectlDelete(groups);
    waitNamespacesGone();
  } else {
    heading(`a. first up of ${HOME}: ${up.seconds.toFixed(1)} s (baseline skipped)`);
  }
}

void main()
  .catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => {
    // Whatever failed, leave the region clusters empty for the next user.
    for (const s of [...STACKS].reverse()) pulumi(s, ["destroy", "--yes", "--skip-preview"]);
    for (const [file, text] of stackFiles) fs.writeFileSync(file, text);
    if (!values.keep) fs.rmSync(tmp, { recursive: true, force: true });
  });
