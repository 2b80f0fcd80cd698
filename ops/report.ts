// The fleet report of one ops command (preview, rollout, drift): per-stack outcomes → totals, a verdict
// (exit code and why) and markdown for a PR comment. Pure: the commands build a FleetReport from
// OperationSummary values (ops/events.ts) and write renderMarkdown / JSON.stringify of it.
import {
  changeCount,
  emptyCounts,
  type OpCounts,
  type OperationSummary,
  type PolicyViolation,
  type VersionChange,
} from "./events";

export type Operation = "preview" | "update" | "refresh";

/** What kind of target a stack is, read from its stack file (ops/workspace.ts). */
export type StackCloud = "aws" | "azure" | "local" | "existing";

export interface StackTarget {
  stack: string;
  /** The failure domain (config `region`). */
  region: string;
  cloud: StackCloud;
  /** Cloud region / location, when the stack has one. */
  cloudRegion?: string;
  home: boolean;
}

/**
 * ok: the operation ran and succeeded. failed: it ran and failed (errors, mandatory policy).
 * skipped: not run because it cannot run here (reason says why). not-run: a rollout halted before it.
 */
export type StackStatus = "ok" | "failed" | "skipped" | "not-run";

export interface StackReport extends StackTarget {
  status: StackStatus;
  /** Why it was skipped / not run / failed (one line). */
  reason?: string;
  durationSeconds?: number;
  /** Rollout wave (1-based). */
  wave?: number;
  summary?: OperationSummary;
  /** After `up`: the region's kcp shard awaits the home stack's signature (output kcpReady false). */
  kcpAwaitingHome?: boolean;
}

export interface FleetTotals {
  stacks: number;
  ok: number;
  failed: number;
  skipped: number;
  notRun: number;
  changes: OpCounts;
  blockingViolations: number;
  advisoryViolations: number;
  drifted: number;
  errors: number;
}

/** A rollout wave and how it ended. */
export interface WaveOutcome {
  name: string;
  stacks: string[];
  /** done: every stack ok; failed: one failed (the rollout halted); not-run: halted before it. */
  outcome: "done" | "failed" | "not-run";
}

export interface FleetReport {
  operation: Operation;
  /** Rollouts: the waves in order (dependencies first, then the configured waves). */
  waves?: WaveOutcome[];
  /** Rollouts: stacks the dependencies moved behind their configured wave. */
  orderNotes?: string[];
  project: string;
  generatedAt: string;
  options: { expectNoChanges?: boolean; dryRun?: boolean; policyPacks: string[]; failOnSkipped?: boolean };
  totals: FleetTotals;
  verdict: { ok: boolean; exitCode: number; problems: string[] };
  stacks: StackReport[];
}

export function fleetTotals(stacks: StackReport[]): FleetTotals {
  const changes = emptyCounts();
  const t: FleetTotals = {
    stacks: stacks.length,
    ok: 0,
    failed: 0,
    skipped: 0,
    notRun: 0,
    changes,
    blockingViolations: 0,
    advisoryViolations: 0,
    drifted: 0,
    errors: 0,
  };
  for (const s of stacks) {
    if (s.status === "ok") t.ok++;
    else if (s.status === "failed") t.failed++;
    else if (s.status === "skipped") t.skipped++;
    else t.notRun++;
    const sum = s.summary;
    if (!sum) continue;
    for (const k of Object.keys(changes) as (keyof OpCounts)[]) changes[k] += sum.total[k];
    for (const v of sum.policy) {
      if (v.blocking) t.blockingViolations++;
      else t.advisoryViolations++;
    }
    t.drifted += sum.drift.length;
    t.errors += sum.errors.length;
  }
  return t;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** `v1.14.1 → v1.15.0` (— for not installed / removed). */
export function versionChange(v: Pick<VersionChange, "from" | "to">): string {
  const side = (l: string[]) => (l.length ? l.join(", ") : "—");
  return `${side(v.from)} → ${side(v.to)}`;
}

/** Why the command fails (empty: it succeeds). Every failing condition names its stacks. */
export function verdictProblems(
  operation: Operation,
  stacks: StackReport[],
  options: FleetReport["options"],
): string[] {
  const problems: string[] = [];
  for (const s of stacks) {
    if (s.status === "failed") problems.push(`${s.stack}: ${s.reason ?? "failed"}`);
    if (s.status === "skipped" && options.failOnSkipped) problems.push(`${s.stack}: not run (${s.reason})`);
    if (s.status === "not-run") problems.push(`${s.stack}: not run (${s.reason ?? "halted"})`);
    const sum = s.summary;
    if (!sum) continue;
    const blocking = sum.policy.filter((v) => v.blocking).length;
    // A failed stack already names its violations in its reason only if the CLI said so; say it here too.
    if (blocking > 0 && !(s.status === "failed" && s.reason?.includes("mandatory"))) {
      problems.push(`${s.stack}: ${plural(blocking, "mandatory policy violation")}`);
    }
    if (options.expectNoChanges && changeCount(sum.total) > 0) {
      problems.push(`${s.stack}: ${plural(changeCount(sum.total), "change")} but --expect-no-changes`);
    }
    if (operation === "refresh" && sum.drift.length > 0) {
      problems.push(`${s.stack}: ${plural(sum.drift.length, "resource")} drifted`);
    }
  }
  return problems;
}

export function buildFleetReport(input: {
  operation: Operation;
  project: string;
  generatedAt: string;
  options: FleetReport["options"];
  stacks: StackReport[];
  waves?: WaveOutcome[];
  orderNotes?: string[];
  /** Problems found outside the stacks' operations (e.g. a stack file changed during the run). */
  problems?: string[];
}): FleetReport {
  const problems = [
    ...verdictProblems(input.operation, input.stacks, input.options),
    ...(input.problems ?? []),
  ];
  return {
    ...(input.waves ? { waves: input.waves } : {}),
    ...(input.orderNotes?.length ? { orderNotes: input.orderNotes } : {}),
    operation: input.operation,
    project: input.project,
    generatedAt: input.generatedAt,
    options: input.options,
    totals: fleetTotals(input.stacks),
    verdict: { ok: problems.length === 0, exitCode: problems.length === 0 ? 0 : 1, problems },
    stacks: input.stacks,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Markdown

/** Escapes text for one GFM table cell: no line breaks, no unescaped pipes, no raw HTML. */
export function mdCell(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\\/g, "\\\\")
    .replace(/\|/g, "\\|")
    .replace(/\r?\n|\r/g, "<br>");
}

/** Inline code that survives backticks and pipes in the text and can sit in a table cell. */
export function mdCode(text: string): string {
  // A backslash before a pipe would un-escape it in a table; outside backticks mdCell's escaping holds.
  if (text.includes("\\")) return `<code>${mdCell(text)}</code>`;
  const flat = text.replace(/\r?\n|\r/g, " ").replace(/\|/g, "\\|");
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((r) => r.length));
  const ticks = "`".repeat(longest + 1);
  const pad = longest > 0 || flat.startsWith("`") || flat.endsWith("`") ? " " : "";
  return `${ticks}${pad}${flat}${pad}${ticks}`;
}

/** A fenced block whose fence is longer than any backtick run inside. */
export function mdFence(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}\n${text}\n${fence}`;
}

export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined) return "";
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  const m = Math.floor(seconds / 60);
  return `${m} min ${Math.round(seconds - m * 60)} s`;
}

const VERB: Record<Operation, string> = {
  preview: "preview",
  update: "rollout (pulumi up)",
  refresh: "drift check",
};
const DONE: Record<Operation, string> = { preview: "previewed", update: "updated", refresh: "checked" };

function statusLabel(op: Operation, s: StackReport, dryRun: boolean): string {
  switch (s.status) {
    case "ok": {
      const drift = s.summary?.drift.length ?? 0;
      if (op === "refresh" && drift > 0) return `⚠️ ${plural(drift, "resource")} drifted`;
      if (op === "refresh") return "✅ no drift";
      const blocking = s.summary?.policy.some((v) => v.blocking);
      return `${blocking ? "❌" : "✅"} ${dryRun ? "previewed" : DONE[op]}`;
    }
    case "failed":
      return `❌ failed: ${s.reason ?? ""}`;
    case "skipped":
      return `⏭️ not ${op === "preview" || dryRun ? "previewed" : op === "refresh" ? "checked" : "run"}: ${s.reason ?? ""}`;
    case "not-run":
      return `⏸️ not run: ${s.reason ?? "an earlier wave failed"}`;
  }
}

function regionLabel(s: StackTarget): string {
  const where =
    s.cloudRegion && s.cloudRegion !== s.region ? `${s.region} (${s.cloud} ${s.cloudRegion})` : s.region;
  return s.home ? `${where}, home` : where;
}

interface Caps {
  /** Rows per list section (replacements, violations, …) and per type table. */
  rows: number;
  /** Characters of one error message. */
  message: number;
}

function table(header: string[], align: ("l" | "r")[], rows: string[][]): string[] {
  return [
    `| ${header.join(" | ")} |`,
    `|${align.map((a) => (a === "r" ? "--:" : "---")).join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ];
}

function capped<T>(items: T[], caps: Caps): { shown: T[]; more: string[] } {
  const shown = items.slice(0, caps.rows);
  const rest = items.length - shown.length;
  return { shown, more: rest > 0 ? [``, `… and ${rest} more (see the JSON report).`] : [] };
}

const truncate = (text: string, n: number) =>
  text.length > n ? `${text.slice(0, Math.max(0, n - 1))}…` : text;

function summaryTable(report: FleetReport, dryRun: boolean): string[] {
  const op = report.operation;
  const rollout = op === "update";
  const header = [
    ...(rollout ? ["Wave"] : []),
    "Stack",
    "Region",
    "Status",
    ...(op === "refresh" ? ["Drifted"] : ["Create", "Update", "Replace", "Delete"]),
    "Policy (mandatory / advisory)",
    "Time",
  ];
  const align: ("l" | "r")[] = header.map((h) =>
    ["Create", "Update", "Replace", "Delete", "Drifted", "Time", "Wave"].includes(h) ? "r" : "l",
  );
  const rows = report.stacks.map((s) => {
    const sum = s.summary;
    const n = (k: keyof OpCounts) => (sum ? String(sum.total[k]) : "");
    const mandatory = sum?.policy.filter((v) => v.blocking).length ?? 0;
    const advisory = (sum?.policy.length ?? 0) - mandatory;
    return [
      ...(rollout ? [s.wave ? String(s.wave) : ""] : []),
      mdCode(s.stack),
      mdCell(regionLabel(s)),
      mdCell(statusLabel(op, s, dryRun)),
      ...(op === "refresh"
        ? [sum ? String(sum.drift.length) : ""]
        : [n("create"), n("update"), n("replace"), n("delete")]),
      sum ? `${mandatory ? `**${mandatory}**` : "0"} / ${advisory}` : "",
      formatDuration(s.durationSeconds),
    ];
  });
  return table(header, align, rows);
}

function stackSection(op: Operation, s: StackReport, caps: Caps): string[] {
  const sum = s.summary;
  const out: string[] = ["", `### ${mdCode(s.stack)} — ${mdCell(regionLabel(s))}`, ""];
  if (!sum) {
    out.push(s.reason ? `Not run: ${mdCell(s.reason)}` : "Not run.");
    return out;
  }
  if (s.status === "failed" && s.reason)
    out.push(`**Failed:** ${mdCell(truncate(s.reason, caps.message))}`, "");
  if (sum.versions.length > 0) {
    out.push(
      `**Version changes:** ${sum.versions.map((v) => `${mdCode(v.component)} ${mdCell(versionChange(v))} (${plural(v.changedResources, "version-labelled resource")} change)`).join(" · ")}`,
      "",
    );
  }

  if (op !== "refresh") {
    const types = Object.entries(sum.byType)
      .filter(([, c]) => changeCount(c) > 0)
      .sort(([a], [b]) => a.localeCompare(b));
    if (types.length === 0) {
      out.push(`No changes (${plural(sum.total.same, "resource")} unchanged).`);
    } else {
      const { shown, more } = capped(types, caps);
      out.push(
        `**Changes by resource type** (${plural(sum.total.same, "resource")} unchanged)`,
        "",
        ...table(
          ["Type", "Create", "Update", "Replace", "Delete"],
          ["l", "r", "r", "r", "r"],
          shown.map(([type, c]) => [
            mdCode(type),
            String(c.create + c.import),
            String(c.update),
            String(c.replace),
            String(c.delete),
          ]),
        ),
        ...more,
      );
    }
    if (sum.replacements.length > 0) {
      const { shown, more } = capped(sum.replacements, caps);
      out.push(
        "",
        `**Replacements** (${sum.replacements.length})`,
        "",
        ...table(
          ["Resource", "Type", "Replaced because"],
          ["l", "l", "l"],
          shown.map((r) => [
            mdCode(r.name),
            mdCode(r.type),
            (r.reasons.length
              ? r.reasons.map(mdCode).join(", ")
              : "no property forces it (--replace, replaceOnChanges, a provider change or a dependency)") +
              (r.deleteBeforeReplace ? " — **deleted before replaced**" : ""),
          ]),
        ),
        ...more,
      );
    }
    if (sum.changes.length > 0) {
      const { shown, more } = capped(sum.changes, caps);
      out.push(
        "",
        `**Changed resources** (${sum.changes.length}; replacements above)`,
        "",
        ...table(
          ["Change", "Resource", "Type", "Changed properties"],
          ["l", "l", "l", "l"],
          shown.map((c) => [
            c.op,
            mdCode(c.name),
            mdCode(c.type),
            c.properties.slice(0, 10).map(mdCode).join(", ") + (c.properties.length > 10 ? ", …" : ""),
          ]),
        ),
        ...more,
      );
    }
  } else if (sum.drift.length === 0) {
    out.push("No drift: the cloud matches the state.");
  } else {
    const { shown, more } = capped(sum.drift, caps);
    out.push(
      `**Drifted resources** (${sum.drift.length})`,
      "",
      ...table(
        ["Resource", "Type", "Drift", "Properties"],
        ["l", "l", "l", "l"],
        shown.map((d) => [
          mdCode(d.name),
          mdCode(d.type),
          d.kind === "deleted" ? "deleted outside Pulumi" : "changed outside Pulumi",
          d.properties.slice(0, 10).map(mdCode).join(", ") + (d.properties.length > 10 ? ", …" : ""),
        ]),
      ),
      ...more,
    );
  }

  if (sum.policy.length > 0) {
    // Mandatory (and excepted) violations in the open; advisory ones folded, they do not fail anything.
    const blocking = sum.policy.filter((v) => v.blocking || v.exceptions);
    const advisory = sum.policy.filter((v) => !v.blocking && !v.exceptions);
    const violationTable = (list: PolicyViolation[]) => {
      const { shown, more } = capped(list, caps);
      return [
        ...table(
          ["Level", "Policy", "Resource", "Message"],
          ["l", "l", "l", "l"],
          shown.map((v) => [
            v.blocking
              ? "**mandatory**"
              : v.exceptions
                ? `${v.level} (excepted: ${mdCell(v.exceptions.map((e) => e.id).join(", "))})`
                : v.level,
            mdCode(v.policy),
            v.resource ? `${mdCode(v.resource.name)} (${mdCode(v.resource.type)})` : "(stack)",
            mdCell(truncate(v.message, caps.message)),
          ]),
        ),
        ...more,
      ];
    };
    if (blocking.length > 0) {
      out.push("", `**Policy violations** (${blocking.length} mandatory)`, "", ...violationTable(blocking));
    }
    if (advisory.length > 0 && caps.rows > 0) {
      out.push(
        "",
        `<details><summary>Advisory policy violations (${advisory.length})</summary>`,
        "",
        ...violationTable(advisory),
        "",
        "</details>",
      );
    } else if (advisory.length > 0) {
      out.push("", `Advisory policy violations: ${advisory.length} (see the JSON report).`);
    }
    const described = new Map(sum.policy.filter((v) => v.description).map((v) => [v.policy, v.description!]));
    if (described.size > 0 && caps.rows > 0) {
      out.push(
        "",
        "<details><summary>What the violated policies require</summary>",
        "",
        ...[...described].map(([name, d]) => `- ${mdCode(name)}: ${mdCell(truncate(d, caps.message))}`),
        "",
        "</details>",
      );
    }
  } else if (sum.policyChecks.passed > 0) {
    out.push("", `Policy: no violations (${sum.policyChecks.passed} checks passed).`);
  }

  if (sum.failed.length > 0) {
    out.push("", `**Failed resources:** ${sum.failed.map((f) => mdCode(f.name)).join(", ")}`);
  }
  if (sum.errors.length > 0) {
    const { shown, more } = capped(sum.errors, caps);
    out.push(
      "",
      `**Errors** (${sum.errors.length})`,
      "",
      mdFence(shown.map((e) => truncate(e, caps.message)).join("\n\n")),
      ...more,
    );
  }
  if (sum.warnings.length > 0 && caps.rows > 0) {
    const { shown, more } = capped(sum.warnings, caps);
    out.push(
      "",
      `<details><summary>Warnings (${sum.warnings.length})</summary>`,
      "",
      mdFence(shown.map((w) => truncate(w, caps.message)).join("\n\n")),
      ...more,
      "",
      "</details>",
    );
  }
  return out;
}

/** Marker the workflow (or a bot) finds to update its previous comment instead of adding one. */
export const COMMENT_MARKER = (op: Operation) => `<!-- pipeline-service:${op} -->`;

function headline(report: FleetReport): string {
  const t = report.totals;
  const dryRun = report.options.dryRun === true;
  const ran = report.operation === "update" && dryRun ? "previewed" : DONE[report.operation];
  const icon = report.verdict.ok ? (t.skipped + t.notRun > 0 ? "⚠️" : "✅") : "❌";
  const parts = [`${t.ok + t.failed} of ${plural(t.stacks, "stack")} ${ran}`];
  if (t.blockingViolations) parts.push(`**${plural(t.blockingViolations, "mandatory policy violation")}**`);
  if (t.failed) parts.push(`**${t.failed} failed**`);
  const changes = changeCount(t.changes);
  if (report.options.expectNoChanges && changes)
    parts.push(`**${plural(changes, "change")} (none expected)**`);
  if (report.operation === "refresh" && t.drifted) parts.push(`**${plural(t.drifted, "resource")} drifted**`);
  const title = dryRun ? "rollout dry run (preview)" : VERB[report.operation];
  return `## ${icon} Pulumi ${title} — ${mdCell(report.project)}: ${parts.join(", ")}`;
}

function render(report: FleetReport, caps: Caps): string {
  const t = report.totals;
  const c = t.changes;
  const out: string[] = [COMMENT_MARKER(report.operation), headline(report), ""];
  if (report.operation !== "refresh") {
    const applied = report.operation === "update" && report.options.dryRun !== true;
    const [cr, up, rp, de] = applied
      ? ["created", "updated", "replaced", "deleted"]
      : ["to create", "to update", "to replace", "to delete"];
    out.push(
      `Fleet: **${c.create + c.import}** ${cr} · **${c.update}** ${up} · **${c.replace}** ${rp} · ` +
        `**${c.delete}** ${de} · ${c.same} unchanged · policy: ${t.blockingViolations} mandatory, ` +
        `${t.advisoryViolations} advisory` +
        (report.options.policyPacks.length ? "" : " (no policy pack)"),
      "",
    );
  } else {
    out.push(`Fleet: **${t.drifted}** drifted resources · ${t.errors} errors`, "");
  }
  if (report.waves?.length) {
    const icon = { done: "✅", failed: "❌", "not-run": "⏸️ not run" };
    out.push(
      `**Waves:** ${report.waves.map((w, i) => `${i + 1}. ${mdCell(w.name)} ${icon[w.outcome]} (${w.stacks.map(mdCode).join(", ")})`).join(" → ")}`,
      ...(report.orderNotes ?? []).map((n) => `- ${mdCell(n)}`),
      "",
    );
  }
  const bumps = report.stacks.filter((s) => s.summary?.versions.length);
  if (bumps.length > 0) {
    out.push(
      "**Version changes by region:**",
      ...bumps.map(
        (s) =>
          `- ${mdCode(s.stack)}: ${s.summary!.versions.map((v) => `${mdCode(v.component)} ${mdCell(versionChange(v))}`).join(", ")}`,
      ),
      "",
    );
  }
  if (!report.verdict.ok) {
    const shown = report.verdict.problems.slice(0, Math.max(caps.rows, 5));
    out.push("**Fails because:**", ...shown.map((p) => `- ${mdCell(truncate(p, caps.message))}`));
    if (report.verdict.problems.length > shown.length)
      out.push(`- … and ${report.verdict.problems.length - shown.length} more`);
    out.push("");
  }
  out.push(...summaryTable(report, report.options.dryRun === true));
  for (const s of report.stacks) {
    if (s.status === "skipped" || (s.status === "not-run" && !s.summary)) continue; // the table says why
    out.push(...stackSection(report.operation, s, caps));
  }
  out.push(
    "",
    `<sub>Generated ${mdCell(report.generatedAt)} by ops/${opScript(report.operation)}.ts; full data in the JSON report.</sub>`,
    "",
  );
  return out.join("\n");
}

const opScript = (op: Operation) => (op === "preview" ? "preview" : op === "update" ? "rollout" : "drift");

/** GitHub's comment limit is 65,536 characters; leave room for the action's own header. */
export const DEFAULT_MAX_CHARS = 60_000;

/**
 * The report as markdown, at most `maxChars` long: long lists are cut (the JSON report keeps everything),
 * with shorter lists and messages tried in turn until it fits.
 */
export function renderMarkdown(report: FleetReport, maxChars = DEFAULT_MAX_CHARS): string {
  const attempts: Caps[] = [
    { rows: 100, message: 2000 },
    { rows: 30, message: 600 },
    { rows: 10, message: 300 },
    { rows: 3, message: 160 },
    { rows: 0, message: 120 },
  ];
  for (const caps of attempts) {
    const text = render(report, caps);
    if (text.length <= maxChars) return text;
  }
  const note = "\n\n… report cut to fit a comment; see the JSON report.\n";
  if (maxChars <= note.length) return note.slice(0, maxChars);
  return render(report, attempts[attempts.length - 1]).slice(0, maxChars - note.length) + note;
}

/** Change counts as one short line for the terminal: `+3 ~1 ±0 -2`. */
export function shortCounts(c: OpCounts): string {
  return `+${c.create + c.import} ~${c.update} ±${c.replace} -${c.delete}`;
}
