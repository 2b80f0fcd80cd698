// Engine events → what one operation (preview, up, refresh --preview-only) did to one stack. Pure: it reads
// only the structured fields of the engine's event log (step ops, replace keys, detailed diffs, policy and
// diagnostic events), never the CLI's text output. A streaming reducer, because a stack's events carry every
// resource's full inputs and outputs (CRDs of hundreds of KB): only what the report needs is kept.

/** The step ops the engine reports (automation `OpType`), as plain strings so newer CLIs' ops pass through. */
export type Op = string;

/** The subset of a step's metadata we read (compatible with automation `StepEventMetadata`). */
export interface StepMetadata {
  op: Op;
  urn: string;
  type: string;
  keys?: string[];
  diffs?: string[];
  detailedDiff?: Record<string, { diffKind: string; inputDiff?: boolean }> | null;
  logical?: boolean;
  /** Resource state before and after the step (refresh: what Pulumi had, what the provider read). */
  old?: StepState | null;
  new?: StepState | null;
}

export interface StepState {
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

export interface PolicyEventData {
  resourceUrn?: string;
  message: string;
  policyName: string;
  policyPackName: string;
  policyPackVersion?: string;
  /** "advisory" | "mandatory" | "remediate" | "disabled" (older CLIs and the 3.270 types say "warning"). */
  enforcementLevel: string;
  severity?: string;
  /** Policy exceptions that matched (CLI ≥ 3.27x): an excepted violation never fails the operation. */
  exceptions?: { id: string; reason: string }[];
}

interface PolicySummaryData {
  policyPackName: string;
  resourceUrn?: string;
  passed?: string[];
  failed?: string[];
}

/** One engine event (structurally compatible with automation `EngineEvent`, plus newer CLIs' fields). */
export interface EngineEventLike {
  sequence?: number;
  timestamp?: number;
  diagnosticEvent?: { urn?: string; message: string; severity: string; ephemeral?: boolean };
  resourcePreEvent?: { metadata: StepMetadata; planning?: boolean };
  resOutputsEvent?: { metadata: StepMetadata; planning?: boolean };
  resOpFailedEvent?: { metadata: StepMetadata; status?: number; steps?: number };
  policyEvent?: PolicyEventData;
  policyAnalyzeSummaryEvent?: PolicySummaryData;
  policyAnalyzeStackSummaryEvent?: PolicySummaryData;
  summaryEvent?: {
    resourceChanges?: Record<string, number>;
    durationSeconds?: number;
    maybeCorrupt?: boolean;
  };
}

/** Counted change kinds. `replace` counts a replacement once (its create/delete halves are not counted). */
export const CHANGE_OPS = ["create", "update", "replace", "delete", "import"] as const;
export type ChangeOp = (typeof CHANGE_OPS)[number];
export type OpCounts = Record<ChangeOp | "same" | "read", number>;

export const emptyCounts = (): OpCounts => ({
  create: 0,
  update: 0,
  replace: 0,
  delete: 0,
  import: 0,
  same: 0,
  read: 0,
});

/** Sum of the change ops (what `--expect-no-changes` refuses). */
export const changeCount = (c: OpCounts): number => CHANGE_OPS.reduce((n, op) => n + c[op], 0);

/** Normalized op: the halves of a replacement and engine-internal ops are not counted on their own. */
function countedOp(op: Op): keyof OpCounts | undefined {
  switch (op) {
    case "create":
    case "update":
    case "replace":
    case "delete":
    case "import":
    case "same":
    case "read":
      return op;
    case "import-replacement":
      return "replace";
    case "remove-pending-replace":
    case "discard":
      return "delete";
    default:
      // create-replacement, delete-replaced, read-replacement, discard-replaced, refresh: halves or internal.
      return undefined;
  }
}

export interface ResourceRef {
  urn: string;
  /** Type token, e.g. kubernetes:apps/v1:Deployment. */
  type: string;
  /** Logical name (the URN's last part). */
  name: string;
}

export interface Change extends ResourceRef {
  op: ChangeOp;
  /** Properties that change (detailed diff paths, else top-level diff keys). */
  properties: string[];
}

export interface Replacement extends ResourceRef {
  /** Properties that force the replacement: replace keys and detailed-diff paths of a *-replace kind. */
  reasons: string[];
  /** The old resource is deleted before its replacement exists (downtime). */
  deleteBeforeReplace: boolean;
}

export type PolicyLevel = "advisory" | "mandatory" | "remediate" | "disabled";

export interface PolicyViolation {
  pack: string;
  policy: string;
  level: PolicyLevel;
  /** Fails the operation: mandatory and not excepted. */
  blocking: boolean;
  /** The resource (absent for a stack policy that names none). */
  resource?: ResourceRef;
  /** What this violation says about the resource. */
  message: string;
  /** The policy's description (the engine puts it on the message's first line). */
  description?: string;
  severity?: string;
  exceptions?: { id: string; reason: string }[];
}

export interface Drift extends ResourceRef {
  /** changed: the cloud state differs from Pulumi's; deleted: gone outside Pulumi. */
  kind: "changed" | "deleted";
  properties: string[];
}

/**
 * A release that changes: the `app.kubernetes.io/version` label of the objects that carry the same
 * `app.kubernetes.io/part-of` label (every upstream Tekton object has both), before and after the step.
 */
export interface VersionChange {
  /** The part-of label, e.g. tekton-pipelines. */
  component: string;
  /** Versions in the state before the operation ([]: not installed). */
  from: string[];
  /** Versions after it ([]: removed). */
  to: string[];
  /** How many of the component's resources change (create/update/replace/delete). */
  changedResources: number;
}

export interface OperationSummary {
  /** Counts per resource type, and over all types. */
  byType: Record<string, OpCounts>;
  total: OpCounts;
  /** Every create/update/delete/import (replacements are in `replacements`), in event order. */
  changes: Change[];
  replacements: Replacement[];
  policy: PolicyViolation[];
  /** Policies evaluated without violations / with, over all packs (from the analyzers' summaries). */
  policyChecks: { passed: number; failed: number };
  /** Error diagnostics (deduplicated, markup stripped). */
  errors: string[];
  warnings: string[];
  /**
   * The last lines plugins and programs wrote to stderr (info#err diagnostics): where a policy pack or
   * program that crashes before it can report an error says why.
   */
  stderr: string[];
  /** Resources whose operation failed (up). */
  failed: ResourceRef[];
  /** Resources refresh found changed or deleted outside Pulumi (refresh --preview-only). */
  drift: Drift[];
  /** Releases that change (old → new), by component label. */
  versions: VersionChange[];
  /** Distinct resources the engine reported a step for (progress). */
  resourcesSeen: number;
  /** The engine's own change counts (summary event), when it sent one. */
  engineChanges?: Record<string, number>;
}

/** Splits a URN (`urn:pulumi:<stack>::<project>::<parent$…$type>::<name>`); the name may contain "::". */
export function parseUrn(urn: string): { stack: string; project: string; type: string; name: string } {
  const parts = urn.split("::");
  if (parts.length < 4 || !parts[0].startsWith("urn:pulumi:")) {
    return { stack: "", project: "", type: "", name: urn };
  }
  const qualified = parts[2];
  return {
    stack: parts[0].slice("urn:pulumi:".length),
    project: parts[1],
    type: qualified.slice(qualified.lastIndexOf("$") + 1),
    name: parts.slice(3).join("::"),
  };
}

function refOf(urn: string, type?: string): ResourceRef {
  const p = parseUrn(urn);
  return { urn, type: type || p.type, name: p.name };
}

/** Removes the CLI's colour markup (`<{%reset%}>`) and ANSI escapes, and trailing whitespace. */
export function cleanMessage(message: string): string {
  return message
    .replace(/<\{%[^%]*%\}>/g, "")
    .replace(/\u001b\[[0-9;]*[A-Za-z]/g, "")
    .replace(/\s+$/g, "");
}

export function normalizeLevel(level: string): PolicyLevel {
  switch (level) {
    case "mandatory":
    case "remediate":
    case "disabled":
      return level;
    default:
      return "advisory"; // "advisory", and "warning" as older CLIs and the 3.270 types call it
  }
}

/** Properties that force a replacement: replace keys first, then *-replace detailed-diff paths. */
export function replaceReasons(m: StepMetadata): string[] {
  const out = new Set<string>(m.keys ?? []);
  for (const [path, d] of Object.entries(m.detailedDiff ?? {})) {
    if (d.diffKind.endsWith("-replace")) out.add(path);
  }
  return [...out];
}

/** Properties a step changes: detailed-diff paths when the provider gave them, else top-level keys. */
export function changedProperties(m: StepMetadata): string[] {
  const detailed = Object.keys(m.detailedDiff ?? {});
  return detailed.length > 0 ? detailed : [...(m.diffs ?? [])];
}

const GENERIC_FAILURE = /^(preview|update|refresh|destroy) failed$/i;

/** stderr lines kept per operation. */
export const STDERR_LINES = 100;

/**
 * The engine's default providers (`pulumi:providers:<pkg>::default…`) are internal: the CLI neither
 * shows nor counts their steps, so neither do we.
 */
export function isDefaultProvider(urn: string): boolean {
  const { type, name } = parseUrn(urn);
  return type.startsWith("pulumi:providers:") && name.startsWith("default");
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

const PART_OF = "app.kubernetes.io/part-of";
const VERSION = "app.kubernetes.io/version";

/** The part-of and version labels of a Kubernetes object's inputs (undefined when it has not both). */
export function releaseLabels(state?: StepState | null): { component: string; version: string } | undefined {
  const metadata = state?.inputs?.metadata;
  const labels =
    metadata && typeof metadata === "object" ? (metadata as { labels?: unknown }).labels : undefined;
  if (!labels || typeof labels !== "object") return undefined;
  const l = labels as Record<string, unknown>;
  const component = l[PART_OF];
  const version = l[VERSION];
  return typeof component === "string" && typeof version === "string" ? { component, version } : undefined;
}

/**
 * Top-level properties that differ between two states (inputs first; outputs when the inputs agree).
 * Refresh events carry no property diff of their own, only the state before and after.
 */
export function stateDiffKeys(oldState?: StepState | null, newState?: StepState | null): string[] {
  for (const field of ["inputs", "outputs"] as const) {
    const a = oldState?.[field] ?? {};
    const b = newState?.[field] ?? {};
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])]
      .filter((k) => !k.startsWith("__") && !sameJson(a[k], b[k]))
      .sort();
    if (keys.length > 0) return keys;
  }
  return [];
}

/** Accumulates one operation's events. `add` each event (any order the engine sends), then `summary()`. */
export class EventSummarizer {
  private readonly steps = new Map<string, { type: string; op: keyof OpCounts; m: StepMetadata }>();
  private readonly stepOrder: string[] = [];
  private readonly halves = new Map<string, string[]>();
  private readonly refreshed = new Set<string>();
  private readonly driftByUrn = new Map<string, Drift>();
  private readonly policy = new Map<string, PolicyViolation>();
  private readonly errors = new Set<string>();
  private readonly warnings = new Set<string>();
  private stderr: string[] = [];
  private readonly failed = new Map<string, ResourceRef>();
  private readonly seen = new Set<string>();
  private readonly checks = { passed: 0, failed: 0 };
  private readonly releases = new Map<string, { from: Set<string>; to: Set<string>; changed: Set<string> }>();
  private engineChanges?: Record<string, number>;

  add(e: EngineEventLike): void {
    if (e.resourcePreEvent) this.pre(e.resourcePreEvent.metadata);
    if (e.resOutputsEvent) this.outputs(e.resOutputsEvent.metadata);
    if (e.resOpFailedEvent) {
      const m = e.resOpFailedEvent.metadata;
      this.failed.set(m.urn, refOf(m.urn, m.type));
    }
    if (e.policyEvent) this.addPolicy(e.policyEvent);
    for (const s of [e.policyAnalyzeSummaryEvent, e.policyAnalyzeStackSummaryEvent]) {
      if (s) {
        this.checks.passed += s.passed?.length ?? 0;
        this.checks.failed += s.failed?.length ?? 0;
      }
    }
    const d = e.diagnosticEvent;
    if (d && !d.ephemeral) {
      const text = cleanMessage(d.message);
      // "preview failed" and the like only restate the status.
      if (text && d.severity === "error" && !GENERIC_FAILURE.test(text)) this.errors.add(text);
      else if (text && d.severity === "warning") this.warnings.add(text);
      else if (text && d.severity === "info#err") {
        this.stderr.push(...text.split("\n").filter((l) => l.trim() !== ""));
        if (this.stderr.length > 2 * STDERR_LINES) this.stderr = this.stderr.slice(-STDERR_LINES);
      }
    }
    if (e.summaryEvent?.resourceChanges) this.engineChanges = { ...e.summaryEvent.resourceChanges };
  }

  /** Notes the release labels a step goes from and to (refresh steps read state, they change nothing). */
  private release(m: StepMetadata, op: keyof OpCounts): void {
    const before = op === "create" ? undefined : releaseLabels(m.old);
    const after = op === "delete" ? undefined : releaseLabels(m.new ?? (op === "same" ? m.old : undefined));
    for (const [side, r] of [
      ["from", before],
      ["to", after],
    ] as const) {
      if (!r) continue;
      let entry = this.releases.get(r.component);
      if (!entry) {
        entry = { from: new Set(), to: new Set(), changed: new Set() };
        this.releases.set(r.component, entry);
      }
      entry[side].add(r.version);
      if (op !== "same" && op !== "read") entry.changed.add(m.urn);
    }
  }

  private pre(m: StepMetadata): void {
    if (isDefaultProvider(m.urn)) return;
    this.seen.add(m.urn);
    if (m.op === "refresh") {
      this.refreshed.add(m.urn);
      return;
    }
    if (m.op === "create-replacement" || m.op === "delete-replaced") {
      const list = this.halves.get(m.urn) ?? [];
      list.push(m.op);
      this.halves.set(m.urn, list);
    }
    const op = countedOp(m.op);
    if (!op) return;
    const key = `${op}\u0000${m.urn}`;
    if (this.steps.has(key)) return; // the same step reported twice (e.g. preview then apply)
    this.release(m, op);
    this.steps.set(key, { type: m.type || parseUrn(m.urn).type, op, m });
    this.stepOrder.push(key);
  }

  /** Refresh reports its finding on the outputs event: the op becomes update/delete when state drifted. */
  private outputs(m: StepMetadata): void {
    if (!this.refreshed.has(m.urn)) return;
    if (m.op === "update" || m.op === "delete") {
      this.driftByUrn.set(m.urn, {
        ...refOf(m.urn, m.type),
        kind: m.op === "delete" ? "deleted" : "changed",
        properties:
          m.op === "delete"
            ? []
            : changedProperties(m).length
              ? changedProperties(m)
              : stateDiffKeys(m.old, m.new),
      });
    }
  }

  private addPolicy(p: PolicyEventData): void {
    const level = normalizeLevel(p.enforcementLevel);
    const exceptions = p.exceptions?.length ? p.exceptions : undefined;
    const text = cleanMessage(p.message);
    const nl = text.indexOf("\n");
    const description = nl > 0 ? text.slice(0, nl).trim() : undefined;
    const message = nl > 0 ? text.slice(nl + 1).trim() || text : text;
    const v: PolicyViolation = {
      pack: p.policyPackName,
      policy: p.policyName,
      level,
      blocking: level === "mandatory" && !exceptions,
      resource: p.resourceUrn ? refOf(p.resourceUrn) : undefined,
      message,
      ...(description ? { description } : {}),
      ...(p.severity ? { severity: p.severity } : {}),
      ...(exceptions ? { exceptions } : {}),
    };
    this.policy.set([v.pack, v.policy, p.resourceUrn ?? "", message].join("\u0000"), v);
  }

  summary(): OperationSummary {
    const byType: Record<string, OpCounts> = {};
    const total = emptyCounts();
    const changes: Change[] = [];
    const replacements: Replacement[] = [];
    for (const key of this.stepOrder) {
      const { type, op, m } = this.steps.get(key)!;
      (byType[type] ??= emptyCounts())[op] += 1;
      total[op] += 1;
      if (op === "replace") {
        const halves = this.halves.get(m.urn) ?? [];
        replacements.push({
          ...refOf(m.urn, type),
          reasons: replaceReasons(m),
          deleteBeforeReplace:
            halves.indexOf("delete-replaced") >= 0 &&
            (halves.indexOf("create-replacement") < 0 ||
              halves.indexOf("delete-replaced") < halves.indexOf("create-replacement")),
        });
      } else if (op !== "same" && op !== "read") {
        changes.push({ ...refOf(m.urn, type), op, properties: op === "update" ? changedProperties(m) : [] });
      }
    }
    return {
      byType,
      total,
      changes,
      replacements,
      policy: [...this.policy.values()],
      policyChecks: { ...this.checks },
      errors: [...this.errors],
      warnings: [...this.warnings],
      stderr: this.stderr.slice(-STDERR_LINES),
      failed: [...this.failed.values()],
      drift: [...this.driftByUrn.values()],
      versions: [...this.releases]
        .map(([component, r]) => ({
          component,
          from: [...r.from].sort(),
          to: [...r.to].sort(),
          changedResources: r.changed.size,
        }))
        .filter((v) => !sameJson(v.from, v.to))
        .sort((a, b) => a.component.localeCompare(b.component)),
      resourcesSeen: this.seen.size,
      ...(this.engineChanges ? { engineChanges: this.engineChanges } : {}),
    };
  }

  /** Distinct resources seen so far (for progress lines while the operation runs). */
  get resourcesSeen(): number {
    return this.seen.size;
  }
}

/** Folds a recorded event sequence. */
export function summarizeEvents(events: Iterable<EngineEventLike>): OperationSummary {
  const s = new EventSummarizer();
  for (const e of events) s.add(e);
  return s.summary();
}

/** The first "error:" line a crashed program or plugin wrote to stderr, with its message (no stack trace). */
export function stderrError(lines: string[]): string | undefined {
  const start = lines.findIndex((l) => /^\s*error:/i.test(l));
  if (start < 0) return undefined;
  const out = [lines[start].trim()];
  for (const l of lines.slice(start + 1, start + 4)) {
    if (/^\s*(at |Require stack|- \/|code:|requireStack|[{}\]])/.test(l)) break;
    out.push(l.trim());
  }
  return out.join(" · ");
}

/** The CLI's own error (its last "error:" line), else its last meaningful lines; markup stripped. */
export function cliErrorTail(text: string, lines = 3): string {
  const meaningful = cleanMessage(text)
    .split("\n")
    .map((l) => l.trim().replace(/^(stdout|stderr):\s*/, ""))
    .filter((l) => l !== "" && !/^code: ?-?\d*$/.test(l));
  const errors = meaningful.filter((l) => /^error:/i.test(l));
  if (errors.length > 0) return errors[errors.length - 1];
  return meaningful.slice(-lines).join(" · ");
}

/**
 * One line saying why an operation failed: its mandatory policy violations, else the engine's first
 * error, else what a crashed program or policy pack wrote to stderr, else the CLI's own error.
 */
export function failureReason(summary: OperationSummary, cliError: string): string {
  const blocking = summary.policy.filter((v) => v.blocking);
  if (blocking.length > 0) {
    const names = [...new Set(blocking.map((v) => v.policy))].join(", ");
    return `${blocking.length} mandatory policy violation${blocking.length === 1 ? "" : "s"} (${names})`;
  }
  const firstError = summary.errors[0];
  if (firstError) {
    return firstError
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .slice(0, 3)
      .join(" · ");
  }
  const crashed = stderrError(summary.stderr);
  if (crashed) return crashed;
  if (summary.failed.length > 0) return `operation failed on ${summary.failed.map((f) => f.name).join(", ")}`;
  return cliErrorTail(cliError) || "the pulumi CLI failed without an error message";
}
