// Rolls the fleet out in waves (`pulumi up` with the policy pack). The order comes from the stacks'
// dependencies first (a stack that reads another's outputs through a StackReference, kcp.homeStack, runs
// after it; local stacks after the local home stack), then from the configured waves (ops/waves.json): the
// stacks of a wave in parallel, the next wave only when the whole wave succeeded. On the first failure no
// further stack starts; the report says what was updated, what failed and which waves were not run.
// A region whose kcp shard the home stack has not signed yet (its first up, components/kcp/enrollment.ts)
// gets two more waves at the end: the home stack again, then that region again.
// Rollback = pin the previous version in the stack files (tekton.pipelines.version) and roll out again.
//   node --import tsx ops/rollout.ts [--waves-file ops/waves.json | --waves "local-west;*"] [--dry-run] [--yes]
import * as path from "node:path";
import * as readline from "node:readline/promises";
import {
  afterRun,
  cancellable,
  creation,
  openCommand,
  COMMON_HELP,
  CREATE_HELP,
  CREATE_OPTIONS,
  UsageError,
  parse,
  printVerdict,
  runMain,
  selectRunnable,
  writeReport,
} from "./cli";
import { mapPool } from "./progress";
import { buildFleetReport, type StackReport, type WaveOutcome } from "./report";
import { runOnStack } from "./run";
import { parseWavesFlag, planRollout, readWavesFile, stackDependencies, type Wave } from "./waves";
import { openStack, toTarget } from "./workspace";

const HELP = `Usage: node --import tsx ops/rollout.ts [options]
pulumi up in waves, with the policy pack: stacks another stack reads (kcp.homeStack; the local home stack)
first, then the configured waves (default ops/waves.json). A failure halts before the next wave.
  --waves-file FILE    waves config (default ops/waves.json)
  --waves "a;b,c*"     waves on the command line: ";" between waves, "," within one
  --dry-run            preview only (with the policy pack), wave by wave
  --yes                do not ask for confirmation (required without a terminal)
  --skip-unavailable   roll out the stacks that can run here, report the others (default: refuse to start)
  --no-policy          without the policy pack
${CREATE_HELP}
${COMMON_HELP}`;

async function confirm(question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/**
 * The waves that finish a kcp enrollment (pure): the home stack again (it signs the requests the regions
 * just published), then those regions again (they start their shards). None when no region awaits or the
 * home stack is not in this rollout.
 */
export function enrollmentWaves(
  results: Map<string, StackReport>,
  runnable: { stack: string; home: boolean; profile: string }[],
): Wave[] {
  const awaiting = [...results.values()].filter((r) => r.kcpAwaitingHome).map((r) => r.stack);
  const home = runnable.find((s) => s.home && s.profile === "cloud");
  if (awaiting.length === 0 || !home) return [];
  return [
    { name: "kcp enrollment: the home stack signs", stacks: [home.stack] },
    { name: "kcp enrollment: the regions start their shards", stacks: awaiting },
  ];
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    ...CREATE_OPTIONS,
    "waves-file": { type: "string" },
    waves: { type: "string" },
    "dry-run": { type: "boolean", default: false },
    yes: { type: "boolean", short: "y", default: false },
    "skip-unavailable": { type: "boolean", default: false },
    "no-policy": { type: "boolean", default: false },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const dryRun = values["dry-run"];
  const create = creation(values);
  const { concurrency, heartbeatMs, progress, ctx, outDir } = await openCommand(values);
  const policyPacks = values["no-policy"] ? [] : [path.join(ctx.projectDir, "policy")];

  const { runnable, skipped, order } = await selectRunnable(ctx, values, progress, {
    createMissing: !!create,
    missing: "not in the backend (--create-missing --secrets-provider P creates it)",
  });
  let waves: Wave[];
  let notes: string[];
  try {
    const specs = values.waves
      ? parseWavesFlag(values.waves)
      : readWavesFile(values["waves-file"] ?? path.join(ctx.projectDir, "ops", "waves.json"));
    ({ waves, notes } = planRollout(order, specs, stackDependencies(ctx.stacks)));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (skipped.length && !dryRun && !values["skip-unavailable"]) {
    throw new UsageError(
      `${skipped.length} selected stack(s) cannot run here: ${skipped.map((s) => `${s.stack} (${s.reason})`).join("; ")}; ` +
        "fix that, narrow the selection (--stacks, --local), or pass --skip-unavailable",
    );
  }
  const waveLabel = (n: number, w: Wave) => (w.name === `wave ${n}` ? w.name : `wave ${n} (${w.name})`);
  progress.note(
    `${dryRun ? "Dry run (preview)" : "Rollout"} plan (dependencies first, then the configured waves):`,
  );
  waves.forEach((w, i) => progress.note(`  ${waveLabel(i + 1, w)}: ${w.stacks.join(", ")}`));
  for (const n of notes) progress.note(`  · ${n}`);
  if (!dryRun && !values.yes) {
    if (!process.stdin.isTTY)
      throw new UsageError("not a terminal: pass --yes to roll out without confirmation");
    if (!(await confirm("Proceed with pulumi up? [y/N] "))) return 2;
  }

  // Every selected stack exists before wave 1: a home stack reads the regions it signs for
  // (kcp.regionStacks), and a StackReference to a stack the backend lacks fails its preview and up. A stack
  // that cannot be created here is reported by its own run.
  if (create) await Promise.all(runnable.map((s) => openStack(ctx, s, { create }).catch(() => undefined)));
  const plannedWaves = waves.length;
  const cancel = cancellable(ctx, progress);
  const results = new Map<string, StackReport>(skipped.map((s) => [s.stack, s]));
  const outcomes: WaveOutcome[] = [];
  let halt: string | undefined;
  for (const [i, wave] of waves.entries()) {
    const waveNo = i + 1;
    const todo = runnable.filter((s) => wave.stacks.includes(s.stack));
    if (halt) {
      for (const s of todo) results.set(s.stack, { ...toTarget(s), status: "not-run", reason: halt });
      outcomes.push({ name: waveLabel(waveNo, wave), stacks: wave.stacks, outcome: "not-run" });
    } else {
      progress.note(
        `── ${waveLabel(waveNo, wave)} of ${waves.length}: ${todo.map((s) => s.stack).join(", ") || "nothing runnable"}`,
      );
      let failedHere: string[] = [];
      const ran = await mapPool(
        todo,
        concurrency,
        async (s) => {
          const r = await runOnStack(
            ctx,
            s,
            dryRun ? "preview" : "up",
            { policyPacks, create, heartbeatMs, signal: cancel.signal, cancelledBy: cancel.reason },
            progress,
          );
          if (r.status === "failed") failedHere = [...failedHere, s.stack];
          return r;
        },
        () => failedHere.length === 0 && !cancel.reason(),
      );
      ran.forEach((r, j) => {
        const s = todo[j];
        const why = failedHere.length
          ? `halted: ${failedHere.join(", ")} failed in wave ${waveNo}`
          : `cancelled by ${cancel.reason() ?? "a signal"}`;
        results.set(s.stack, r ?? { ...toTarget(s), status: "not-run", reason: why });
      });
      const failed = failedHere.length > 0 || !!cancel.reason();
      outcomes.push({
        name: waveLabel(waveNo, wave),
        stacks: wave.stacks,
        outcome: failed ? "failed" : "done",
      });
      if (failedHere.length) halt = `${waveLabel(waveNo, wave)} failed: ${failedHere.join(", ")}`;
      else if (cancel.reason()) halt = `cancelled by ${cancel.reason()}`;
      if (halt) {
        const later = waves
          .slice(waveNo)
          .map((w, k) => `${waveLabel(waveNo + k + 1, w)}: ${w.stacks.join(", ")}`);
        progress.note(
          `── halted: ${halt}; ${later.length ? `waves not run: ${later.join("; ")}` : "it was the last wave"}`,
        );
      }
    }
    for (const name of wave.stacks) {
      const r = results.get(name);
      if (r) r.wave = waveNo;
    }
    // Regions whose kcp shard awaits the home stack's signature (their first up published the request):
    // the home stack signs, then they start their shards. Added once, after the last configured wave.
    if (waveNo === plannedWaves && !halt && !dryRun) waves.push(...enrollmentWaves(results, runnable));
  }

  const report = buildFleetReport({
    operation: "update",
    project: ctx.project,
    generatedAt: new Date().toISOString(),
    options: {
      dryRun,
      policyPacks: policyPacks.map((p) => path.relative(ctx.projectDir, p)),
      failOnSkipped: values["fail-on-skipped"],
    },
    stacks: [...new Set(waves.flatMap((w) => w.stacks))].map((n) => results.get(n)!),
    waves: outcomes,
    orderNotes: notes,
    problems: afterRun(ctx),
  });
  printVerdict(report, writeReport(report, outDir, dryRun ? "rollout-dry-run" : "rollout"), progress);
  return report.verdict.exitCode;
}

if (require.main === module) runMain(() => main(process.argv.slice(2)));
