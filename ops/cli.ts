// Command-line plumbing shared by ops/preview.ts, ops/rollout.ts and ops/drift.ts: flags, stack selection
// with the explicit can-it-run-here checks, report files, exit codes (0 ok, 1 the verdict failed,
// 2 usage or set-up error).
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { onTermination, type Cancellation } from "./cancel";
import { Progress } from "./progress";
import { renderMarkdown, type FleetReport, type StackReport } from "./report";
import {
  backendStacks,
  checkReachable,
  openContext,
  preflight,
  realFs,
  selectStacks,
  toTarget,
  type OpsContext,
  type StackInfo,
} from "./workspace";

export class UsageError extends Error {}

/** Flags every command takes. */
export const COMMON_OPTIONS = {
  stacks: { type: "string", multiple: true },
  all: { type: "boolean", default: false },
  local: { type: "boolean", default: false },
  out: { type: "string" },
  concurrency: { type: "string", default: "2" },
  "assume-credentials": { type: "string" },
  "fail-on-skipped": { type: "boolean", default: false },
  "heartbeat-seconds": { type: "string", default: "30" },
  "project-dir": { type: "string" },
  help: { type: "boolean", short: "h", default: false },
} as const satisfies ParseArgsConfig["options"];

/** Flags of the commands that may create stacks (preview, rollout). */
export const CREATE_OPTIONS = {
  "create-missing": { type: "boolean", default: false },
  "secrets-provider": { type: "string" },
} as const satisfies ParseArgsConfig["options"];

export const CREATE_HELP = `Stacks missing from the backend are reported "not run" unless both are given:
  --create-missing     create them (pulumi stack init), never implicitly
  --secrets-provider P their secrets provider: passphrase, awskms://…, azurekeyvault://…, gcpkms://…,
                       hashivault://… (chosen once, at creation)`;

/** --create-missing and --secrets-provider, checked together. */
export function creation(values: {
  "create-missing"?: boolean;
  "secrets-provider"?: string;
}): { secretsProvider: string } | undefined {
  const provider = values["secrets-provider"]?.trim();
  if (values["create-missing"] && !provider)
    throw new UsageError(
      "--create-missing needs --secrets-provider (passphrase, awskms://…, azurekeyvault://…): a stack's secrets provider is chosen when it is created",
    );
  if (provider && !values["create-missing"])
    throw new UsageError("--secrets-provider only applies with --create-missing");
  return values["create-missing"] ? { secretsProvider: provider! } : undefined;
}

export const COMMON_HELP = `Stack selection (default: every stack in stacks/):
  --stacks a,b         stack names or globs (local-*, aws-*); repeatable
  --all                every stack (the default when --stacks is not given)
  --local              only local-profile stacks (local-*)
Can-it-run-here checks (a stack that fails them is reported "not run: <reason>", not an error):
  aws stacks need AWS credentials in the environment (keys, web identity/OIDC, or a profile),
  azure stacks need ARM_* service principal / OIDC / managed identity or an Azure CLI login,
  every stack needs its provider plugins (offline: tools/build.sh), local stacks the local environment.
  --assume-credentials aws,azure   trust ambient credentials the checks cannot see (instance metadata)
  --fail-on-skipped    exit non-zero when a selected stack could not run
Output:
  --out DIR            report directory (default .state/reports)
  --concurrency N      stacks in parallel (default 2)
  --heartbeat-seconds N  progress line while a stack runs (default 30; 0: off)
  --project-dir DIR    another checkout of the project (default: this one)`;

export function positiveInt(value: string | undefined, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`${flag} must be a non-negative integer, got ${value}`);
  return n;
}

export interface Selected {
  /** Stacks that pass the checks, in stacks/ order. */
  runnable: StackInfo[];
  /** Stacks that cannot run here, with the reason. */
  skipped: StackReport[];
  /** Every selected stack, in order (runnable and skipped). */
  order: string[];
}

/**
 * Selection + checks, one progress line per skipped stack. Throws UsageError for a pattern that matches
 * nothing. A stack the backend lacks is skipped (reason `missing`) unless `createMissing`.
 */
export async function selectRunnable(
  ctx: OpsContext,
  values: { stacks?: string[]; all?: boolean; local?: boolean; "assume-credentials"?: string },
  progress: Progress,
  backend: { createMissing: boolean; missing: string } = {
    createMissing: false,
    missing: "not in the backend (--create-missing --secrets-provider P creates it)",
  },
): Promise<Selected> {
  const { selected, unmatched } = selectStacks(ctx.stacks, {
    patterns: values.all ? [] : values.stacks,
    local: values.local,
  });
  if (unmatched.length) {
    throw new UsageError(
      `no stack matches ${unmatched.map((u) => `'${u}'`).join(", ")} (stacks: ${ctx.stacks.map((s) => s.stack).join(", ")})`,
    );
  }
  if (selected.length === 0) throw new UsageError("no stack selected");
  progress.setNames(selected);
  const assume = (values["assume-credentials"] ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const runnable: StackInfo[] = [];
  const skipped: StackReport[] = [];
  const inBackend = await backendStacks(ctx).catch((e: Error) => {
    throw new UsageError(`cannot list the backend's stacks: ${e.message}`);
  });
  for (const name of selected) {
    const s = ctx.stacks.find((x) => x.stack === name)!;
    const reason =
      (!inBackend.has(s.stack) && !backend.createMissing ? backend.missing : undefined) ??
      preflight(s, { env: ctx.env, ...realFs, assumeCredentials: assume, projectDir: ctx.projectDir }) ??
      (await checkReachable(s, ctx.projectDir));
    if (reason) {
      progress.line(s.stack, "skipped", reason);
      skipped.push({ ...toTarget(s), status: "skipped", reason });
    } else {
      runnable.push(s);
    }
  }
  return { runnable, skipped, order: selected };
}

/** Writes <name>.md and <name>.json into the report directory; returns their paths. */
export function writeReport(
  report: FleetReport,
  outDir: string,
  name: string,
): { markdown: string; json: string } {
  fs.mkdirSync(outDir, { recursive: true });
  const markdown = path.join(outDir, `${name}.md`);
  const json = path.join(outDir, `${name}.json`);
  fs.writeFileSync(markdown, renderMarkdown(report));
  fs.writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  return { markdown, json };
}

/** The closing lines on the terminal: verdict, problems, report paths. */
export function printVerdict(
  report: FleetReport,
  files: { markdown: string; json: string },
  progress: Progress,
): void {
  const t = report.totals;
  progress.note("");
  progress.note(
    `${report.verdict.ok ? "OK" : "FAILED"}: ${t.ok} ok, ${t.failed} failed, ${t.skipped} not run here` +
      (t.notRun ? `, ${t.notRun} halted` : "") +
      ` · ${t.blockingViolations} mandatory / ${t.advisoryViolations} advisory policy violations` +
      (report.operation === "refresh" ? ` · ${t.drifted} drifted` : ""),
  );
  for (const p of report.verdict.problems) progress.note(`  - ${p}`);
  progress.note(
    `report: ${path.relative(process.cwd(), files.markdown)} (JSON: ${path.relative(process.cwd(), files.json)})`,
  );
}

/** SIGINT/SIGTERM handling for a command (ops/cancel.ts), reporting on the progress stream. */
export function cancellable(ctx: OpsContext, progress: Progress): Cancellation {
  return onTermination(ctx.processes, (line) => progress.note(line));
}

/**
 * Problems the command adds to its verdict after the run: stack files that changed while it ran (left as
 * they are: the run used their content from the start).
 */
export function afterRun(ctx: OpsContext): string[] {
  return ctx.stackFiles
    .changed()
    .map(
      (f) =>
        `${path.relative(ctx.projectDir, f)} changed during the run (left as it is; the run used its content from the start): run again`,
    );
}

/** Reports for stacks a run never started (interrupted, or a halted rollout). */
export function notStarted(
  targets: StackInfo[],
  results: (StackReport | undefined)[],
  reason: string,
): StackReport[] {
  return targets.map((t, i) => results[i] ?? { ...toTarget(t), status: "not-run", reason });
}

/** Runs a command's main, mapping errors to exit codes (2: usage/set-up, 1: unexpected). */
export function runMain(main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      if (e instanceof UsageError) {
        process.stderr.write(`error: ${e.message}\n`);
        process.exitCode = 2;
      } else {
        process.stderr.write(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        process.exitCode = 1;
      }
    },
  );
}

export function parse<O extends ParseArgsConfig["options"]>(argv: string[], options: O) {
  try {
    return parseArgs({
      args: argv,
      options: { ...COMMON_OPTIONS, ...options },
      allowPositionals: false,
      strict: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** What every command sets up from the common flags: parallelism, heartbeat, progress, workspace, report dir. */
export async function openCommand(values: {
  concurrency?: string;
  "heartbeat-seconds"?: string;
  "project-dir"?: string;
  out?: string;
}) {
  const concurrency = Math.max(1, positiveInt(values.concurrency, "--concurrency"));
  const heartbeatMs = positiveInt(values["heartbeat-seconds"], "--heartbeat-seconds") * 1000;
  const progress = new Progress();
  const ctx = await openContext(
    values["project-dir"] ? path.resolve(values["project-dir"]) : undefined,
  ).catch((e: Error) => {
    throw new UsageError(e.message);
  });
  const outDir = path.resolve(values.out ?? path.join(ctx.projectDir, ".state", "reports"));
  return { concurrency, heartbeatMs, progress, ctx, outDir };
}
