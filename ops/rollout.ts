// Rolls the fleet out in waves (`pulumi up` with the policy pack): the stacks of a wave in parallel, the
// next wave only when the whole wave succeeded. On the first failure no further stack starts; the report
// says what was updated, what failed and what was not run.
//   node --import tsx ops/rollout.ts [--waves-file ops/waves.json | --waves "local-west;*"] [--dry-run] [--yes]
import * as path from "node:path";
import * as readline from "node:readline/promises";
import {
  openCommand,
  COMMON_HELP,
  UsageError,
  interruptible,
  parse,
  printVerdict,
  runMain,
  selectRunnable,
  writeReport,
} from "./cli";
import { mapPool } from "./progress";
import { buildFleetReport, type StackReport } from "./report";
import { runOnStack } from "./run";
import { parseWavesFlag, planWaves, readWavesFile, type Wave } from "./waves";
import { toTarget } from "./workspace";

const HELP = `Usage: node --import tsx ops/rollout.ts [options]
pulumi up in waves (default ops/waves.json: canary first, then the rest), with the policy pack.
  --waves-file FILE    waves config (default ops/waves.json)
  --waves "a;b,c*"     waves on the command line: ";" between waves, "," within one
  --dry-run            preview only (with the policy pack), wave by wave
  --yes                do not ask for confirmation (required without a terminal)
  --skip-unavailable   roll out the stacks that can run here, report the others (default: refuse to start)
  --no-policy          without the policy pack
${COMMON_HELP}`;

async function confirm(question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
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
  const { concurrency, heartbeatMs, progress, ctx, outDir } = await openCommand(values);
  const policyPacks = values["no-policy"] ? [] : [path.join(ctx.projectDir, "policy")];

  let waves: Wave[];
  const { runnable, skipped, order } = await selectRunnable(ctx, values, progress);
  try {
    const specs = values.waves
      ? parseWavesFlag(values.waves)
      : readWavesFile(values["waves-file"] ?? path.join(ctx.projectDir, "ops", "waves.json"));
    waves = planWaves(order, specs);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (skipped.length && !dryRun && !values["skip-unavailable"]) {
    throw new UsageError(
      `${skipped.length} selected stack(s) cannot run here (${skipped.map((s) => s.stack).join(", ")}); ` +
        "fix that, narrow the selection (--stacks, --local), or pass --skip-unavailable",
    );
  }
  const waveLabel = (n: number, w: Wave) => (w.name === `wave ${n}` ? w.name : `wave ${n} (${w.name})`);
  progress.note(`${dryRun ? "Dry run (preview)" : "Rollout"} plan:`);
  waves.forEach((w, i) => progress.note(`  ${waveLabel(i + 1, w)}: ${w.stacks.join(", ")}`));
  if (!dryRun && !values.yes) {
    if (!process.stdin.isTTY)
      throw new UsageError("not a terminal: pass --yes to roll out without confirmation");
    if (!(await confirm("Proceed with pulumi up? [y/N] "))) return 2;
  }

  const { interrupted } = interruptible(progress);
  const results = new Map<string, StackReport>(skipped.map((s) => [s.stack, s]));
  let halt: string | undefined;
  for (const [i, wave] of waves.entries()) {
    const waveNo = i + 1;
    const todo = runnable.filter((s) => wave.stacks.includes(s.stack));
    if (halt) {
      for (const s of todo) results.set(s.stack, { ...toTarget(s), status: "not-run", reason: halt });
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
            { policyPacks, createMissing: true, heartbeatMs },
            progress,
          );
          if (r.status === "failed") failedHere = [...failedHere, s.stack];
          return r;
        },
        () => failedHere.length === 0 && !interrupted(),
      );
      ran.forEach((r, j) => {
        const s = todo[j];
        const why = failedHere.length
          ? `halted: ${failedHere.join(", ")} failed in wave ${waveNo}`
          : "interrupted";
        results.set(s.stack, r ?? { ...toTarget(s), status: "not-run", reason: why });
      });
      if (!failedHere.length && interrupted()) halt = "interrupted";
      if (failedHere.length) {
        halt = `${waveLabel(waveNo, wave)} failed: ${failedHere.join(", ")}`;
        progress.note(`── halted: ${halt}; later waves are not started`);
      }
    }
    for (const name of wave.stacks) {
      const r = results.get(name);
      if (r) r.wave = waveNo;
    }
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
    stacks: waves.flatMap((w) => w.stacks).map((n) => results.get(n)!),
  });
  printVerdict(report, writeReport(report, outDir, dryRun ? "rollout-dry-run" : "rollout"), progress);
  return report.verdict.exitCode;
}

if (require.main === module) runMain(() => main(process.argv.slice(2)));
