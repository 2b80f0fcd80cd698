// The ops commands' pure core: engine events → per-stack summary (recorded event logs of a real CLI and
// synthetic sequences), the fleet verdict, and the markdown report. The recordings in
// test/fixtures/ops-events/ come from pulumi 3.274.1 running a throwaway dynamic-provider program with a
// two-policy pack (one mandatory, one advisory), trimmed to the fields the summarizer reads.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as fc from "fast-check";
import {
  EventSummarizer,
  cleanMessage,
  cliErrorTail,
  failureReason,
  parseUrn,
  stateDiffKeys,
  stderrError,
  summarizeEvents,
  type EngineEventLike,
  type OperationSummary,
  type StepMetadata,
} from "../../ops/events";
import {
  DEFAULT_MAX_CHARS,
  buildFleetReport,
  formatDuration,
  mdCell,
  mdCode,
  mdFence,
  renderMarkdown,
  type FleetReport,
  type StackReport,
} from "../../ops/report";

const FIXTURES = path.join(__dirname, "../fixtures/ops-events");
const recorded = (name: string): EngineEventLike[] =>
  fs
    .readFileSync(path.join(FIXTURES, `${name}.jsonl`), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as EngineEventLike);

const THING = "pulumi-nodejs:dynamic/ops-demo:Thing:Resource";
const urn = (name: string, type = THING, stack = "local-a") =>
  `urn:pulumi:${stack}::pipeline-service::${type}::${name}`;
const pre = (op: string, name: string, extra: Partial<StepMetadata> = {}): EngineEventLike => ({
  resourcePreEvent: { metadata: { op, urn: urn(name), type: THING, ...extra } },
});

/** Our counts must agree with the engine's own summary event (which skips internal steps). */
function assertMatchesEngine(s: OperationSummary) {
  assert.ok(s.engineChanges, "the recording has a summary event");
  for (const [op, n] of Object.entries(s.engineChanges)) {
    assert.equal(s.total[op as keyof typeof s.total], n, `engine counted ${n} ${op}`);
  }
  const ours = Object.entries(s.total).filter(([, n]) => n > 0);
  for (const [op, n] of ours) assert.equal(s.engineChanges[op], n, `we counted ${n} ${op}`);
}

describe("recorded engine events", () => {
  it("preview with a mandatory violation: creates by type, the violation, a reason naming the policy", () => {
    const s = summarizeEvents(recorded("preview-mandatory-violation"));
    assertMatchesEngine(s);
    assert.equal(s.total.create, 4);
    assert.equal(s.byType[THING].create, 3);
    assert.equal(s.byType["pulumi:pulumi:Stack"].create, 1);
    assert.equal(s.byType["pulumi:providers:pulumi-nodejs"], undefined, "the default provider is internal");
    assert.equal(s.policy.length, 1);
    const [v] = s.policy;
    assert.deepEqual(
      { policy: v.policy, pack: v.pack, level: v.level, blocking: v.blocking, name: v.resource?.name },
      {
        policy: "no-forbidden-things",
        pack: "ops-demo-policy",
        level: "mandatory",
        blocking: true,
        name: "forbidden-thing",
      },
    );
    assert.equal(v.message, "label 'forbidden' | is not allowed");
    assert.equal(
      v.description,
      "Things must not be labelled forbidden.",
      "the first line is the policy's description",
    );
    assert.deepEqual(s.errors, [], "'preview failed' only restates the status");
    assert.ok(s.policyChecks.passed > 0);
    assert.equal(
      failureReason(s, "error: preview failed"),
      "1 mandatory policy violation (no-forbidden-things)",
    );
  });

  it("preview with a replacement and an update: the replace key is the reason; advisory does not block", () => {
    const s = summarizeEvents(recorded("preview-replace-update"));
    assertMatchesEngine(s);
    assert.deepEqual(
      s.replacements.map((r) => ({ name: r.name, reasons: r.reasons, dbr: r.deleteBeforeReplace })),
      [{ name: "alpha", reasons: ["size"], dbr: false }],
    );
    assert.equal(s.total.replace, 1);
    assert.equal(s.total.create, 0, "the create half of a replacement is not a create");
    assert.equal(s.total.delete, 0, "nor is its delete half a delete");
    assert.deepEqual(
      s.policy.map((v) => [v.policy, v.level, v.blocking]),
      [["small-things", "advisory", false]],
    );
  });

  it("up: each step counted once although it has a pre and an outputs event", () => {
    const s = summarizeEvents(recorded("up-replace"));
    assertMatchesEngine(s);
    assert.equal(s.replacements.length, 1);
    assert.equal(s.changes.length, 0);
  });

  it("refresh --preview-only: drift from the outputs events (deleted, and changed with its properties)", () => {
    const s = summarizeEvents(recorded("refresh-drift"));
    assert.deepEqual(s.drift.map((d) => [d.name, d.kind]).sort(), [
      ["alpha", "deleted"],
      ["beta", "changed"],
    ]);
    assert.deepEqual(s.drift.find((d) => d.name === "beta")?.properties, ["label"]);
    assert.equal(s.total.update + s.total.delete + s.total.create, 0, "refresh steps are not changes");
  });

  it("a crashed policy pack: no engine error, its stderr says why", () => {
    const s = summarizeEvents(recorded("policy-pack-crash"));
    assert.deepEqual(s.errors, []);
    assert.ok(s.stderr.length > 5);
    const reason = failureReason(s, "stderr: Command failed with exit code 1: pulumi preview …");
    assert.match(reason, /^error: \[runtime\] Running program '\/demo\/policy' failed/);
    assert.match(reason, /Cannot find module '\/demo\/policy\/package.json'/);
    assert.doesNotMatch(reason, /at Function|Require stack/, "no stack trace");
  });
});

describe("synthetic event sequences", () => {
  it("delete-before-replace is detected from the order of the replacement's halves", () => {
    const dbr = summarizeEvents([
      pre("delete-replaced", "db"),
      pre("replace", "db", { keys: ["engine"] }),
      pre("create-replacement", "db"),
    ]);
    assert.equal(dbr.replacements[0].deleteBeforeReplace, true);
    const cbd = summarizeEvents([
      pre("create-replacement", "db"),
      pre("replace", "db"),
      pre("delete-replaced", "db"),
    ]);
    assert.equal(cbd.replacements[0].deleteBeforeReplace, false);
  });

  it("replacement reasons: replace keys and *-replace detailed-diff paths, once each", () => {
    const s = summarizeEvents([
      pre("replace", "bucket", {
        keys: ["name"],
        detailedDiff: {
          name: { diffKind: "update-replace" },
          "tags.team": { diffKind: "update" },
          "spec.zones[0]": { diffKind: "add-replace" },
        },
      }),
    ]);
    assert.deepEqual(s.replacements[0].reasons, ["name", "spec.zones[0]"]);
  });

  it("updates list their changed properties; a step reported twice counts once", () => {
    const e = pre("update", "cm", {
      diffs: ["data"],
      detailedDiff: { "data.config": { diffKind: "update" } },
    });
    const s = summarizeEvents([e, e, pre("same", "other"), pre("delete", "old")]);
    assert.equal(s.total.update, 1);
    assert.deepEqual(s.changes.find((c) => c.op === "update")?.properties, ["data.config"]);
    assert.deepEqual(
      s.changes.map((c) => [c.op, c.name]),
      [
        ["update", "cm"],
        ["delete", "old"],
      ],
    );
    assert.equal(s.total.same, 1);
  });

  it("policy levels: 'warning' is advisory; an excepted mandatory violation does not block", () => {
    const policyEvent = (level: string, extra = {}): EngineEventLike => ({
      policyEvent: {
        policyName: `p-${level}`,
        policyPackName: "pack",
        enforcementLevel: level,
        message: "m",
        resourceUrn: urn("x"),
        ...extra,
      },
    });
    const s = summarizeEvents([
      policyEvent("warning"),
      policyEvent("mandatory", { policyName: "p-excepted", exceptions: [{ id: "EXC-1", reason: "legacy" }] }),
      policyEvent("mandatory"),
      policyEvent("mandatory"), // the same violation twice
    ]);
    assert.deepEqual(
      s.policy.map((v) => [v.level, v.blocking, v.exceptions?.[0].id]),
      [
        ["advisory", false, undefined],
        ["mandatory", false, "EXC-1"],
        ["mandatory", true, undefined],
      ],
    );
  });

  it("diagnostics: errors and warnings deduplicated, markup stripped, debug and ephemeral ignored", () => {
    const diag = (severity: string, message: string, ephemeral = false): EngineEventLike => ({
      diagnosticEvent: { severity, message, ephemeral },
    });
    const s = summarizeEvents([
      diag("error", "<{%reset%}>boom\u001b[31m!\u001b[0m\n"),
      diag("error", "boom!"),
      diag("error", "update failed"),
      diag("warning", "careful"),
      diag("debug", "noise"),
      diag("error", "transient", true),
    ]);
    assert.deepEqual(s.errors, ["boom!"]);
    assert.deepEqual(s.warnings, ["careful"]);
  });

  it("resOpFailed lists the resource; the reason falls back to it, then to the CLI's error line", () => {
    const s = summarizeEvents([
      { resOpFailedEvent: { metadata: { op: "create", urn: urn("db"), type: THING } } },
    ]);
    assert.equal(failureReason(s, ""), "operation failed on db");
    const empty = summarizeEvents([]);
    assert.equal(
      failureReason(empty, "code: 255\n stdout: \n stderr: error: no stack named 'x' found\n"),
      "error: no stack named 'x' found",
    );
    assert.equal(failureReason(empty, ""), "the pulumi CLI failed without an error message");
  });

  it("the summarizer keeps counting across calls (progress reads resourcesSeen while it runs)", () => {
    const acc = new EventSummarizer();
    acc.add(pre("create", "a"));
    acc.add(pre("create", "b"));
    assert.equal(acc.resourcesSeen, 2);
    acc.add(pre("create", "default", { urn: urn("default", "pulumi:providers:aws") }));
    assert.equal(acc.resourcesSeen, 2, "default providers are internal");
  });

  it("parseUrn: the last type of the parent chain and a name that may contain '::'", () => {
    const seg = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
    fc.assert(
      fc.property(
        seg,
        seg,
        fc.array(seg, { minLength: 1, maxLength: 3 }),
        fc.string({ minLength: 1 }),
        (stack, project, types, name) => {
          const typeTokens = types.map((t) => `pkg:mod:${t}`);
          const p = parseUrn(`urn:pulumi:${stack}::${project}::${typeTokens.join("$")}::${name}`);
          assert.deepEqual(p, { stack, project, type: typeTokens[typeTokens.length - 1], name });
        },
      ),
    );
  });

  it("stateDiffKeys: inputs first, outputs when inputs agree, internal keys ignored", () => {
    assert.deepEqual(stateDiffKeys({ inputs: { a: 1, b: [1] } }, { inputs: { a: 1, b: [2], c: 3 } }), [
      "b",
      "c",
    ]);
    assert.deepEqual(
      stateDiffKeys({ inputs: { a: 1 }, outputs: { o: 1 } }, { inputs: { a: 1 }, outputs: { o: 2 } }),
      ["o"],
    );
    assert.deepEqual(stateDiffKeys({ inputs: { __provider: "x" } }, { inputs: { __provider: "y" } }), []);
  });

  it("stderrError / cliErrorTail / cleanMessage", () => {
    assert.equal(
      stderrError(["noise", "error: it broke", "  because", "    at foo (x.js:1)"]),
      "error: it broke · because",
    );
    assert.equal(stderrError(["all fine"]), undefined);
    assert.equal(cliErrorTail("a\nb\nc\nd"), "b · c · d");
    assert.equal(cleanMessage("<{%fg 1%}>red<{%reset%}>  \n"), "red");
  });
});

// ---------------------------------------------------------------------------------------------------------

function stackReport(partial: Partial<StackReport> & Pick<StackReport, "stack" | "status">): StackReport {
  return { region: partial.stack, cloud: "local", home: false, ...partial };
}

function fleet(
  stacks: StackReport[],
  options: Partial<FleetReport["options"]> = {},
  operation: FleetReport["operation"] = "preview",
) {
  return buildFleetReport({
    operation,
    project: "pipeline-service",
    generatedAt: "2026-01-01T00:00:00.000Z",
    options: { policyPacks: ["policy"], ...options },
    stacks,
  });
}

describe("fleet verdict", () => {
  const violation = summarizeEvents(recorded("preview-mandatory-violation"));
  const replace = summarizeEvents(recorded("preview-replace-update"));
  const noChange = summarizeEvents([pre("same", "a")]);

  it("a mandatory violation or a failed stack fails the run; skipped stacks do not (unless asked)", () => {
    const skipped = stackReport({
      stack: "aws-x",
      status: "skipped",
      reason: "no AWS credentials",
      cloud: "aws",
    });
    const ok = fleet([stackReport({ stack: "local-a", status: "ok", summary: replace }), skipped]);
    assert.deepEqual(ok.verdict, { ok: true, exitCode: 0, problems: [] });
    assert.equal(fleet([skipped], { failOnSkipped: true }).verdict.exitCode, 1);

    const bad = fleet([
      stackReport({
        stack: "local-b",
        status: "failed",
        reason: "1 mandatory policy violation (x)",
        summary: violation,
      }),
    ]);
    assert.deepEqual(bad.verdict.problems, ["local-b: 1 mandatory policy violation (x)"]);
    assert.equal(bad.verdict.exitCode, 1);
    assert.equal(bad.totals.blockingViolations, 1);
  });

  it("--expect-no-changes fails on any change and names the stack", () => {
    const r = fleet(
      [
        stackReport({ stack: "local-a", status: "ok", summary: replace }),
        stackReport({ stack: "local-b", status: "ok", summary: noChange }),
      ],
      { expectNoChanges: true },
    );
    assert.deepEqual(r.verdict.problems, ["local-a: 1 change but --expect-no-changes"]);
  });

  it("drift fails a refresh; a halted rollout names what was not run", () => {
    const drift = summarizeEvents(recorded("refresh-drift"));
    const r = fleet([stackReport({ stack: "local-b", status: "ok", summary: drift })], {}, "refresh");
    assert.deepEqual(r.verdict.problems, ["local-b: 2 resources drifted"]);
    const halted = fleet(
      [stackReport({ stack: "local-a", status: "not-run", reason: "wave 1 failed: local-b" })],
      {},
      "update",
    );
    assert.deepEqual(halted.verdict.problems, ["local-a: not run (wave 1 failed: local-b)"]);
  });
});

describe("markdown", () => {
  const report = fleet([
    stackReport({
      stack: "aws-us-east-1",
      status: "skipped",
      reason: "no AWS credentials",
      cloud: "aws",
      cloudRegion: "us-east-1",
      home: true,
    }),
    stackReport({
      stack: "local-a",
      status: "ok",
      summary: summarizeEvents(recorded("preview-replace-update")),
      durationSeconds: 21.6,
    }),
    stackReport({
      stack: "local-b",
      status: "failed",
      reason: "1 mandatory policy violation (no-forbidden-things)",
      summary: summarizeEvents(recorded("preview-mandatory-violation")),
      durationSeconds: 13.8,
    }),
  ]);
  const md = renderMarkdown(report);

  it("has the marker, a failing headline, the fleet table with a row per stack and the skip reason", () => {
    assert.ok(md.startsWith("<!-- pipeline-service:preview -->\n## ❌ Pulumi preview"));
    assert.match(md, /\*\*1 mandatory policy violation\*\*/);
    assert.match(
      md,
      /\| `aws-us-east-1` \| aws-us-east-1 \(aws us-east-1\), home \| ⏭️ not previewed: no AWS credentials \|/,
    );
    assert.match(md, /\| `local-a` \| local-a \| ✅ previewed \| 0 \| 0 \| 1 \| 0 \| 0 \/ 1 \| 22 s \|/);
    assert.match(md, /\| `local-b` \| local-b \| ❌ failed: 1 mandatory policy violation/);
  });

  it("per stack: changes by type, replacements with their reason, violations with level and resource", () => {
    assert.match(md, /\| `alpha` \| `pulumi-nodejs:dynamic\/ops-demo:Thing:Resource` \| `size` \|/);
    assert.match(
      md,
      /\| \*\*mandatory\*\* \| `no-forbidden-things` \| `forbidden-thing` \(`[^`]+`\) \| .*label 'forbidden' \\\| is not allowed \|/,
    );
    assert.match(md, /\| advisory \| `small-things` \| `alpha`/);
    assert.doesNotMatch(md, /### `aws-us-east-1`/, "a skipped stack has its reason in the table only");
  });

  it("every table row has as many cells as its header (pipes in messages are escaped)", () => {
    const lines = md.split("\n");
    for (let i = 0; i < lines.length; i++) {
      if (!lines[i].startsWith("|---") && !lines[i].startsWith("|--")) continue;
      const cols = cells(lines[i - 1]).length;
      for (let j = i + 1; j < lines.length && lines[j].startsWith("|"); j++) {
        assert.equal(cells(lines[j]).length, cols, `row ${j}: ${lines[j]}`);
      }
    }
  });

  it("stays under the comment limit however long the lists are (the JSON keeps everything)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 1, max: 4000 }), (n, len) => {
        const events: EngineEventLike[] = [];
        for (let i = 0; i < n; i++) {
          events.push(pre("replace", `r${i}`, { keys: [`k${i}`] }));
          events.push({
            policyEvent: {
              policyName: "p",
              policyPackName: "pack",
              enforcementLevel: i % 2 ? "mandatory" : "advisory",
              message: `m${i} ${"x".repeat(len)}`,
              resourceUrn: urn(`r${i}`),
            },
          });
        }
        const big = fleet([stackReport({ stack: "s", status: "ok", summary: summarizeEvents(events) })]);
        const text = renderMarkdown(big, DEFAULT_MAX_CHARS);
        assert.ok(text.length <= DEFAULT_MAX_CHARS, `${text.length}`);
        assert.ok(text.includes("| `s` |"), "the fleet table survives");
      }),
      { numRuns: 15 },
    );
    assert.ok(renderMarkdown(report, 10).length <= 10);
  });

  it("mdCell / mdCode: one line, no unescaped pipe, no raw HTML", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        for (const out of [mdCell(s), mdCode(s)]) {
          assert.ok(!/[\r\n]/.test(out));
          assert.equal(cells(`| ${out} | x |`).length, 2, out);
        }
        assert.ok(!/[<>]/.test(mdCell(s).replace(/<br>/g, "")));
      }),
    );
    assert.equal(mdCode("a`b"), "`` a`b ``");
    assert.equal(mdFence("x ``` y"), "````\nx ``` y\n````");
    assert.equal(formatDuration(125), "2 min 5 s");
    assert.equal(formatDuration(3.25), "3.3 s");
  });
});

/** GFM table cells of a row: split on pipes not escaped by a backslash. */
function cells(row: string): string[] {
  const inner = row.trim().replace(/^\|/, "").replace(/\|$/, "");
  const out: string[] = [];
  let cur = "";
  for (let i = 0; i < inner.length; i++) {
    if (inner[i] === "\\") {
      cur += inner[i] + (inner[i + 1] ?? "");
      i++;
    } else if (inner[i] === "|") {
      out.push(cur);
      cur = "";
    } else cur += inner[i];
  }
  out.push(cur);
  return out;
}
