// Previews every region (stack) with the policy pack, in parallel, and writes one report for a PR
// comment (markdown) and for machines (JSON): per region the release changes (old → new version) and every
// changed resource by name and type. Exit 1 on a mandatory policy violation, a failed preview,
// or any change with --expect-no-changes; 2 on a usage or set-up error.
//   node --import tsx ops/preview.ts [--stacks a,b] [--all] [--local] [--expect-no-changes] [--out DIR] [--concurrency N]
import * as path from "node:path";
import {
  creation,
  openCommand,
  COMMON_HELP,
  CREATE_HELP,
  CREATE_OPTIONS,
  afterRun,
  cancellable,
  notStarted,
  parse,
  printVerdict,
  runMain,
  selectRunnable,
  writeReport,
} from "./cli";
import { mapPool } from "./progress";
import { buildFleetReport, type StackReport } from "./report";
import { runOnStack } from "./run";

const HELP = `Usage: node --import tsx ops/preview.ts [options]
Previews the selected stacks with the policy pack (policy/) and writes <out>/preview.md and preview.json.
  --expect-no-changes  fail when any stack would change
  --no-policy          preview without the policy pack
${CREATE_HELP}
${COMMON_HELP}`;

export async function main(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    ...CREATE_OPTIONS,
    "expect-no-changes": { type: "boolean", default: false },
    "no-policy": { type: "boolean", default: false },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const create = creation(values);
  const { concurrency, heartbeatMs, progress, ctx, outDir } = await openCommand(values);
  const policyPacks = values["no-policy"] ? [] : [path.join(ctx.projectDir, "policy")];

  const { runnable, skipped, order } = await selectRunnable(ctx, values, progress, {
    createMissing: !!create,
    missing: "not in the backend (--create-missing --secrets-provider P creates it)",
  });
  const cancel = cancellable(ctx, progress);
  const results = await mapPool(
    runnable,
    concurrency,
    (s) =>
      runOnStack(
        ctx,
        s,
        "preview",
        { policyPacks, create, heartbeatMs, signal: cancel.signal, cancelledBy: cancel.reason },
        progress,
      ),
    () => !cancel.reason(),
  );
  const ran = notStarted(runnable, results, `cancelled by ${cancel.reason() ?? "a signal"}`);
  const byName = new Map<string, StackReport>([...skipped, ...ran].map((r) => [r.stack, r]));
  const report = buildFleetReport({
    operation: "preview",
    project: ctx.project,
    generatedAt: new Date().toISOString(),
    options: {
      expectNoChanges: values["expect-no-changes"],
      policyPacks: policyPacks.map((p) => path.relative(ctx.projectDir, p)),
      failOnSkipped: values["fail-on-skipped"],
    },
    stacks: order.map((n) => byName.get(n)!),
    problems: afterRun(ctx),
  });
  printVerdict(report, writeReport(report, outDir, "preview"), progress);
  return report.verdict.exitCode;
}

if (require.main === module) runMain(() => main(process.argv.slice(2)));
