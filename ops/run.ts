// Runs one engine operation (preview, up, refresh --preview-only) on one stack through the Automation
// API and turns its event stream into a StackReport. The engine's text output is kept only as a last
// resort for the failure reason (the CLI failing before it sends any event, e.g. a bad stack file).
import * as path from "node:path";
import type * as auto from "@pulumi/pulumi/automation";
import { fileBackendDir, isStale, stackLocks } from "./cancel";
import { EventSummarizer, cliErrorTail, failureReason, type OperationSummary } from "./events";
import type { Progress } from "./progress";
import { shortCounts, versionChange, type StackReport } from "./report";
import { effectiveConfigFile, openStack, toTarget, type OpsContext, type StackInfo } from "./workspace";

export type EngineOp = "preview" | "up" | "refresh-preview";

export interface RunOptions {
  /** Policy packs to run (preview and up). */
  policyPacks: string[];
  /** Create a stack missing from the backend with this secrets provider (--create-missing); else skip it. */
  create?: { secretsProvider: string };
  heartbeatMs: number;
  /** Aborted on SIGINT/SIGTERM: the running pulumi gets its graceful SIGINT. */
  signal?: AbortSignal;
  /** The signal that cancelled the run (for the report). */
  cancelledBy?: () => string | undefined;
}

/**
 * After a cancelled operation: is the stack still locked? A lock whose pulumi is gone (stopped at once by a
 * second signal) is removed with `pulumi cancel` (Automation API stack.cancel); a live one is named.
 */
export async function lockAfterCancel(ctx: OpsContext, stack: auto.Stack, name: string): Promise<string> {
  const dir = fileBackendDir(ctx.env.PULUMI_BACKEND_URL);
  if (!dir) return "lock not checked (not a file backend; `pulumi cancel` removes a lock left behind)";
  const locks = stackLocks(dir, ctx.project, name);
  if (locks.length === 0) return "no lock left";
  const stale = locks.filter((l) => isStale(l));
  if (stale.length === locks.length) {
    await stack.cancel();
    const left = stackLocks(dir, ctx.project, name);
    return left.length === 0
      ? `removed the lock its stopped pulumi left (pid ${stale.map((l) => l.pid).join(", ")})`
      : `lock left: ${left.map((l) => l.file).join(", ")}`;
  }
  return `still locked by a running process (${locks.map((l) => `pid ${l.pid ?? "?"} on ${l.hostname ?? "?"}`).join(", ")})`;
}

const PHASE: Record<EngineOp, string> = { preview: "preview", up: "up", "refresh-preview": "refresh" };

function phaseDone(op: EngineOp, s: OperationSummary, seconds: number): string {
  const mandatory = s.policy.filter((v) => v.blocking).length;
  const policy = `policy ${mandatory} mandatory / ${s.policy.length - mandatory} advisory`;
  const what = op === "refresh-preview" ? `${s.drift.length} drifted` : shortCounts(s.total);
  return `${what} · ${policy}${s.errors.length ? ` · ${s.errors.length} errors` : ""} · ${seconds.toFixed(1)} s`;
}

/** What a stack's operation changes, for the terminal: version changes, then each resource by name. */
export function changeLines(s: OperationSummary, max = 40): string[] {
  const lines = s.versions.map(
    (v) =>
      `version ${v.component}: ${versionChange(v)} (${v.changedResources} of its version-labelled resources change)`,
  );
  const items = [
    ...s.replacements.map(
      (r) => `± ${r.name} (${r.type})${r.reasons.length ? ` replaced: ${r.reasons.join(", ")}` : ""}`,
    ),
    ...s.changes.map(
      (c) =>
        `${{ create: "+", update: "~", delete: "-", import: "=", replace: "±" }[c.op]} ${c.name} (${c.type})` +
        (c.properties.length
          ? `: ${c.properties.slice(0, 6).join(", ")}${c.properties.length > 6 ? ", …" : ""}`
          : ""),
    ),
    ...s.drift.map(
      (d) =>
        `drift ${d.name} (${d.type}): ${d.kind}${d.properties.length ? ` ${d.properties.slice(0, 6).join(", ")}` : ""}`,
    ),
  ];
  const shown = items.slice(0, max);
  if (items.length > max) shown.push(`… and ${items.length - max} more (see the report)`);
  return [...lines, ...shown];
}

/** Prepares the stack, runs the operation, summarizes its events; never throws for an engine failure. */
export async function runOnStack(
  ctx: OpsContext,
  target: StackInfo,
  op: EngineOp,
  opts: RunOptions,
  progress: Progress,
): Promise<StackReport> {
  const phase = PHASE[op];
  const base = toTarget(target);
  const started = Date.now();
  const seconds = () => (Date.now() - started) / 1000;

  progress.line(target.stack, "prepare", "selecting the stack");
  let stack: auto.Stack | undefined;
  try {
    stack = await openStack(ctx, target, { create: opts.create });
  } catch (e) {
    const reason = `cannot open the stack: ${cliErrorTail(String((e as Error).message ?? e))}`;
    progress.line(target.stack, "failed", reason);
    return { ...base, status: "failed", reason, durationSeconds: seconds() };
  }
  if (!stack) {
    const reason = "not in the backend (--create-missing --secrets-provider P creates it)";
    progress.line(target.stack, "skipped", reason);
    return { ...base, status: "skipped", reason };
  }

  const summarizer = new EventSummarizer();
  let cliText = "";
  const common = {
    onEvent: (e: auto.EngineEvent) => summarizer.add(e),
    // Kept (bounded) only for a failure the events do not explain.
    onOutput: (out: string) => (cliText = (cliText + out).slice(-20_000)),
    onError: (err: string) => (cliText = (cliText + err).slice(-20_000)),
    configFile: effectiveConfigFile(ctx, target),
    color: "never" as const,
    signal: opts.signal,
  };
  progress.line(target.stack, phase, "started");
  const stopHeartbeat = progress.heartbeat(target.stack, phase, opts.heartbeatMs, () => {
    const n = summarizer.resourcesSeen;
    return `… ${n} resource${n === 1 ? "" : "s"} so far, ${seconds().toFixed(0)} s`;
  });
  let error: unknown;
  let outputs: auto.OutputMap | undefined;
  try {
    if (op === "preview") await stack.preview({ ...common, policyPacks: opts.policyPacks });
    else if (op === "up") ({ outputs } = await stack.up({ ...common, policyPacks: opts.policyPacks }));
    else await stack.previewRefresh(common);
  } catch (e) {
    error = e;
  } finally {
    stopHeartbeat();
  }
  const summary = summarizer.summary();
  const file = ctx.stackFiles.settle(target.file);
  if (file === "restored")
    progress.line(
      target.stack,
      "note",
      `the CLI wrote its encryptionsalt/quoting into ${path.relative(ctx.projectDir, target.file)}: put back (its data and comments were unchanged)`,
    );
  else if (file === "changed")
    progress.line(
      target.stack,
      "note",
      `${path.relative(ctx.projectDir, target.file)} changed during the run: left as it is (this run used its content from the start)`,
    );
  if (error !== undefined && opts.signal?.aborted) {
    const lock = await lockAfterCancel(ctx, stack, target.stack).catch(
      (e: Error) => `lock check failed: ${e.message}`,
    );
    const reason =
      `cancelled by ${opts.cancelledBy?.() ?? "a signal"}: pulumi stopped (${summary.total.create + summary.total.update + summary.total.delete + summary.total.replace} ` +
      `steps done, state saved); ${lock}`;
    progress.line(target.stack, "cancelled", `${reason} · ${seconds().toFixed(1)} s`);
    return { ...base, status: "failed", reason, durationSeconds: seconds(), summary };
  }
  if (error !== undefined) {
    const reason = failureReason(summary, `${cliText}\n${String((error as Error).message ?? error)}`);
    progress.line(target.stack, "failed", `${reason} · ${seconds().toFixed(1)} s`);
    return { ...base, status: "failed", reason, durationSeconds: seconds(), summary };
  }
  progress.line(target.stack, "done", phaseDone(op, summary, seconds()));
  for (const line of changeLines(summary)) progress.line(target.stack, "changes", line);
  // A region whose kcp shard the home stack has not signed yet (components/kcp/enrollment.ts).
  const awaiting = outputs?.kcpReady?.value === false;
  if (awaiting) progress.line(target.stack, "note", "kcp shard awaits the home stack's signature");
  return {
    ...base,
    status: "ok",
    durationSeconds: seconds(),
    summary,
    ...(awaiting ? { kcpAwaitingHome: true } : {}),
  };
}
