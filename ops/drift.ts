// Drift check: `pulumi refresh --preview-only` (Automation API previewRefresh) on every deployed stack in
// parallel; reports the resources whose real state differs from Pulumi's (changed or deleted outside
// Pulumi). Exit 1 on any drift or failed refresh; stacks never deployed are reported, not failed.
//   node --import tsx ops/drift.ts [--stacks a,b] [--local] [--out DIR] [--concurrency N]
import {
  openCommand,
  COMMON_HELP,
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

const HELP = `Usage: node --import tsx ops/drift.ts [options]
Refresh preview of each deployed stack; writes <out>/drift.md and drift.json; exit 1 if anything drifted.
${COMMON_HELP}`;

export async function main(argv: string[]): Promise<number> {
  const { values } = parse(argv, {});
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const { concurrency, heartbeatMs, progress, ctx, outDir } = await openCommand(values);

  const { runnable, skipped, order } = await selectRunnable(ctx, values, progress, {
    createMissing: false,
    missing: "not deployed (no stack in the backend)",
  });
  const cancel = cancellable(ctx, progress);
  const results = await mapPool(
    runnable,
    concurrency,
    (s) =>
      runOnStack(
        ctx,
        s,
        "refresh-preview",
        { policyPacks: [], heartbeatMs, signal: cancel.signal, cancelledBy: cancel.reason },
        progress,
      ),
    () => !cancel.reason(),
  );
  const ran = notStarted(runnable, results, `cancelled by ${cancel.reason() ?? "a signal"}`);
  const byName = new Map<string, StackReport>([...skipped, ...ran].map((r) => [r.stack, r]));
  const report = buildFleetReport({
    operation: "refresh",
    project: ctx.project,
    generatedAt: new Date().toISOString(),
    options: { policyPacks: [], failOnSkipped: values["fail-on-skipped"] },
    stacks: order.map((n) => byName.get(n)!),
    problems: afterRun(ctx),
  });
  printVerdict(report, writeReport(report, outDir, "drift"), progress);
  return report.verdict.exitCode;
}

if (require.main === module) runMain(() => main(process.argv.slice(2)));
