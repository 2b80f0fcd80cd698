// Runs one engine operation (preview, up, refresh --preview-only) on one stack through the Automation
// API and turns its event stream into a StackReport. The engine's text output is kept only as a last
// resort for the failure reason (the CLI failing before it sends any event, e.g. a bad stack file).
import type * as auto from "@pulumi/pulumi/automation";
import { EventSummarizer, cliErrorTail, failureReason, type OperationSummary } from "./events";
import type { Progress } from "./progress";
import { shortCounts, type StackReport } from "./report";
import { effectiveConfigFile, openStack, toTarget, type OpsContext, type StackInfo } from "./workspace";

export type EngineOp = "preview" | "up" | "refresh-preview";

export interface RunOptions {
  /** Policy packs to run (preview and up). */
  policyPacks: string[];
  /** Initialise a stack missing from the backend (preview, rollout) or report it as not deployed (drift). */
  createMissing: boolean;
  heartbeatMs: number;
  signal?: AbortSignal;
}

const PHASE: Record<EngineOp, string> = { preview: "preview", up: "up", "refresh-preview": "refresh" };

function phaseDone(op: EngineOp, s: OperationSummary, seconds: number): string {
  const mandatory = s.policy.filter((v) => v.blocking).length;
  const policy = `policy ${mandatory} mandatory / ${s.policy.length - mandatory} advisory`;
  const what = op === "refresh-preview" ? `${s.drift.length} drifted` : shortCounts(s.total);
  return `${what} · ${policy}${s.errors.length ? ` · ${s.errors.length} errors` : ""} · ${seconds.toFixed(1)} s`;
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
    stack = await openStack(ctx, target, { create: opts.createMissing });
  } catch (e) {
    const reason = `cannot open the stack: ${cliErrorTail(String((e as Error).message ?? e))}`;
    progress.line(target.stack, "failed", reason);
    return { ...base, status: "failed", reason, durationSeconds: seconds() };
  }
  if (!stack) {
    progress.line(target.stack, "skipped", "not deployed (no stack in the backend)");
    return { ...base, status: "skipped", reason: "not deployed (no stack in the backend)" };
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
  try {
    if (op === "preview") await stack.preview({ ...common, policyPacks: opts.policyPacks });
    else if (op === "up") await stack.up({ ...common, policyPacks: opts.policyPacks });
    else await stack.previewRefresh(common);
  } catch (e) {
    error = e;
  } finally {
    stopHeartbeat();
  }
  const summary = summarizer.summary();
  if (error !== undefined) {
    const reason = failureReason(summary, `${cliText}\n${String((error as Error).message ?? error)}`);
    progress.line(target.stack, "failed", `${reason} · ${seconds().toFixed(1)} s`);
    return { ...base, status: "failed", reason, durationSeconds: seconds(), summary };
  }
  progress.line(target.stack, "done", phaseDone(op, summary, seconds()));
  return { ...base, status: "ok", durationSeconds: seconds(), summary };
}
