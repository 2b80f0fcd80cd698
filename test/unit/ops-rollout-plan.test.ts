// The pure parts of the ops commands' rollout order, CI safety and reports: dependencies from the stack
// files (StackReferences, the local home), waves applied after them, --create-missing/--secrets-provider,
// the example workflow's flags, lock files of a file backend, the stack-file guard, release changes.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import * as fc from "fast-check";
import { parse } from "yaml";
import { fileBackendDir, isStale, stackLocks } from "../../ops/cancel";
import { COMMON_OPTIONS, CREATE_OPTIONS, creation, parse as parseFlags, UsageError } from "../../ops/cli";
import { summarizeEvents, type EngineEventLike } from "../../ops/events";
import { buildFleetReport, renderMarkdown, type StackReport } from "../../ops/report";
import { enrollmentWaves } from "../../ops/rollout";
import { changeLines } from "../../ops/run";
import {
  planRollout,
  planWaves,
  readWavesFile,
  stackDependencies,
  type StackDependency,
} from "../../ops/waves";
import { discoverStacks, onlyCliRewrite, StackFileGuard } from "../../ops/workspace";

const PROJECT_DIR = path.resolve(__dirname, "../..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ops-plan-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const WAVES = readWavesFile(path.join(PROJECT_DIR, "ops", "waves.json"));

void describe("dependencies from the stack files", () => {
  void it("the project's stacks: each non-home region reads its home stack", () => {
    const deps = stackDependencies(discoverStacks(PROJECT_DIR));
    const pairs = deps.map((d) => `${d.stack} → ${d.dependsOn}`).sort();
    assert.deepEqual(pairs, [
      "aws-eu-west-1 → aws-us-east-1",
      "azure-westeurope → aws-us-east-1",
      "local-west → local-east",
    ]);
    assert.match(
      deps.find((d) => d.stack === "aws-eu-west-1")!.why,
      /StackReference organization\/pipeline-service\/aws-us-east-1/,
    );
  });

  void it("the shipped plan: home regions, then the regions that read them, then the rest", () => {
    const stacks = discoverStacks(PROJECT_DIR);
    const plan = planRollout(
      stacks.map((s) => s.stack),
      WAVES,
      stackDependencies(stacks),
    );
    assert.deepEqual(
      plan.waves.map((w) => [w.name, w.stacks]),
      [
        ["home", ["aws-us-east-1", "local-east"]],
        ["canary", ["aws-eu-west-1", "local-west"]],
        ["rest", ["azure-westeurope"]],
      ],
    );
    assert.deepEqual(plan.notes, []);
  });

  void it("a dependent configured before its home runs after it, with a note saying why", () => {
    const deps = stackDependencies([
      { stack: "local-east", home: true, profile: "local" },
      { stack: "local-west", home: false, profile: "local" },
    ]);
    const plan = planRollout(
      ["local-east", "local-west"],
      [
        { name: "canary", stacks: ["local-west"] },
        { name: "rest", stacks: ["*"] },
      ],
      deps,
    );
    assert.deepEqual(
      plan.waves.map((w) => w.stacks),
      [["local-east"], ["local-west"]],
    );
    assert.equal(plan.waves[1].name, "rest, after local-east");
    assert.match(
      plan.notes[0],
      /local-west runs after local-east \(the local home stack's kcp root and root:tenants\)/,
    );
  });

  void it("one configured wave holding a home and its dependent is split in two", () => {
    const deps: StackDependency[] = [{ stack: "b", dependsOn: "a", why: "ref" }];
    const plan = planRollout(["a", "b", "c"], [{ name: "all", stacks: ["*"] }], deps);
    assert.deepEqual(
      plan.waves.map((w) => [w.name, w.stacks]),
      [
        ["all", ["a", "c"]],
        ["all, after a", ["b"]],
      ],
    );
  });

  void it("a cycle is refused, naming the stacks", () => {
    const deps: StackDependency[] = [
      { stack: "a", dependsOn: "b", why: "ref" },
      { stack: "b", dependsOn: "a", why: "ref" },
    ];
    assert.throws(
      () => planRollout(["a", "b"], [{ name: "w", stacks: ["*"] }], deps),
      /depend on each other: a → b → a/,
    );
  });

  void it("property: every stack runs once, after everything it reads, and never before its configured wave", () => {
    const arb = fc.integer({ min: 1, max: 8 }).chain((n) =>
      fc.record({
        n: fc.constant(n),
        // Edges only from a later stack to an earlier one: acyclic by construction.
        edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 12 }),
        waveOf: fc.array(fc.nat(2), { minLength: n, maxLength: n }),
      }),
    );
    fc.assert(
      fc.property(arb, ({ n, edges, waveOf }) => {
        const names = Array.from({ length: n }, (_, i) => `s${i}`);
        const deps = edges
          .filter(([a, b]) => a > b)
          .map(([a, b]) => ({ stack: names[a], dependsOn: names[b], why: "ref" }));
        const specs = [0, 1, 2].map((w) => ({
          name: `w${w}`,
          stacks: names.filter((_, i) => waveOf[i] === w).concat(w === 2 ? ["*"] : []),
        }));
        const specsNonEmpty = specs.filter((s) => s.stacks.length > 0);
        const plan = planRollout(names, specsNonEmpty, deps);
        const position = new Map<string, number>();
        plan.waves.forEach((w, i) => w.stacks.forEach((s) => position.set(s, i)));
        assert.deepEqual([...position.keys()].sort(), [...names].sort());
        assert.equal(plan.waves.flatMap((w) => w.stacks).length, n);
        for (const d of deps) assert.ok(position.get(d.dependsOn)! < position.get(d.stack)!);
        // Configured order is kept: a stack that reads nothing runs before every stack of a later
        // configured wave (dependencies only ever move a stack later, never earlier).
        const configured = planWaves(names, specsNonEmpty);
        const cfg = new Map<string, number>();
        configured.forEach((w, i) => w.stacks.forEach((s) => cfg.set(s, i)));
        for (const a of names.filter((s) => !deps.some((d) => d.stack === s)))
          for (const b of names)
            if (cfg.get(a)! < cfg.get(b)!) assert.ok(position.get(a)! < position.get(b)!, `${a} before ${b}`);
      }),
      { numRuns: 200 },
    );
  });
});

void describe("CI safety: flags", () => {
  void it("--create-missing needs --secrets-provider, and the provider needs the flag", () => {
    assert.deepEqual(creation({}), undefined);
    assert.deepEqual(creation({ "create-missing": true, "secrets-provider": "passphrase" }), {
      secretsProvider: "passphrase",
    });
    assert.throws(
      () => creation({ "create-missing": true }),
      (e: Error) => e instanceof UsageError && /needs --secrets-provider/.test(e.message),
    );
    assert.throws(
      () => creation({ "secrets-provider": "awskms://alias/x" }),
      /only applies with --create-missing/,
    );
  });

  void it("the example workflow runs ops/preview.ts with --fail-on-skipped, no stack creation, and only known flags", () => {
    const wf = parse(
      fs.readFileSync(path.join(PROJECT_DIR, ".github", "workflows", "preview.yml"), "utf8"),
    ) as {
      jobs: Record<string, { steps: { run?: string }[] }>;
    };
    const lines = Object.values(wf.jobs)
      .flatMap((j) => j.steps.map((s) => s.run ?? ""))
      .flatMap((r) => r.split("\n"))
      .filter((l) => /^\s*node\b.*ops\/preview\.ts/.test(l));
    assert.ok(lines.length > 0, "the workflow runs ops/preview.ts");
    for (const line of lines) {
      const argv = line
        .trim()
        .split(/\s+/)
        .slice(line.trim().split(/\s+/).indexOf("ops/preview.ts") + 1);
      const unquoted = argv.map((a) => a.replace(/^'|'$/g, ""));
      assert.ok(unquoted.includes("--fail-on-skipped"), line);
      assert.ok(!unquoted.includes("--create-missing"), line);
      // The command's own parser accepts every flag (a typo would fail the job for the wrong reason).
      parseFlags(unquoted, {
        ...CREATE_OPTIONS,
        "expect-no-changes": { type: "boolean" },
        "no-policy": { type: "boolean" },
      });
    }
    assert.ok("fail-on-skipped" in COMMON_OPTIONS);
  });

  void it("--fail-on-skipped turns a skipped stack into a failure naming it; without it the run passes", () => {
    const skipped: StackReport = {
      stack: "aws-us-east-1",
      region: "aws-us-east-1",
      cloud: "aws",
      home: true,
      status: "skipped",
      reason: "not in the backend (--create-missing --secrets-provider P creates it)",
    };
    const make = (failOnSkipped: boolean) =>
      buildFleetReport({
        operation: "preview",
        project: "p",
        generatedAt: "t",
        options: { policyPacks: [], failOnSkipped },
        stacks: [skipped],
      });
    assert.equal(make(false).verdict.exitCode, 0);
    const failing = make(true);
    assert.equal(failing.verdict.exitCode, 1);
    assert.match(failing.verdict.problems[0], /aws-us-east-1: not run \(not in the backend/);
  });
});

void describe("locks and stack files", () => {
  void it("fileBackendDir: file:// URLs only", () => {
    assert.equal(fileBackendDir("file:///x/y"), "/x/y");
    assert.equal(fileBackendDir("s3://bucket"), undefined);
    assert.equal(fileBackendDir(undefined), undefined);
  });

  void it("stackLocks finds a stack's lock files; a lock of a dead pid on this host is stale", () => {
    const dir = path.join(tmp, "backend");
    const lockDir = path.join(dir, ".pulumi", "locks", "organization", "proj", "local-east");
    fs.mkdirSync(lockDir, { recursive: true });
    fs.mkdirSync(path.join(dir, ".pulumi", "locks", "organization", "proj", "local-west"), {
      recursive: true,
    });
    fs.writeFileSync(path.join(lockDir, "abc.json"), JSON.stringify({ pid: 4242, hostname: os.hostname() }));
    fs.writeFileSync(
      path.join(dir, ".pulumi", "locks", "organization", "proj", "local-west", "x.json"),
      "{}",
    );
    const locks = stackLocks(dir, "proj", "local-east");
    assert.deepEqual(
      locks.map((l) => [path.basename(l.file), l.pid]),
      [["abc.json", 4242]],
    );
    assert.equal(
      isStale(locks[0], os.hostname(), () => false),
      true,
    );
    assert.equal(
      isStale(locks[0], os.hostname(), () => true),
      false,
    );
    assert.equal(
      isStale(locks[0], "another-host", () => false),
      false,
    );
    assert.deepEqual(stackLocks(dir, "proj", "none"), []);
  });

  void it("StackFileGuard: the content from the start is what operations read; a changed file is named, not rewritten", () => {
    const file = path.join(tmp, "Pulumi.s.yaml");
    fs.writeFileSync(file, "config:\n  p:a: 1\n");
    const guard = new StackFileGuard([file]);
    assert.deepEqual(guard.changed(), []);
    fs.writeFileSync(file, "config:\n  p:a: 2 # the user's edit\n");
    assert.deepEqual(guard.changed(), [file]);
    assert.equal(guard.text(file), "config:\n  p:a: 1\n");
    assert.equal(fs.readFileSync(file, "utf8"), "config:\n  p:a: 2 # the user's edit\n");
  });

  void it("the CLI's own rewrite (salt added, booleans re-quoted) is put back; anything else is left", () => {
    const committed = "# region\nconfig:\n  p:home: true\n  p:zones: [a, b]\n";
    const byCli = '# region\nconfig:\n  p:home: "true"\n  p:zones: [a, b]\nencryptionsalt: v1:abc\n';
    assert.equal(onlyCliRewrite(committed, byCli), true);
    assert.equal(onlyCliRewrite(committed, byCli.replace("[a, b]", "[a, c]")), false);
    assert.equal(onlyCliRewrite(committed, `# my note\n${byCli}`), false);
    assert.equal(onlyCliRewrite(committed, "config: ["), false);
    const file = path.join(tmp, "Pulumi.cli.yaml");
    fs.writeFileSync(file, committed);
    const guard = new StackFileGuard([file]);
    fs.writeFileSync(file, byCli);
    assert.equal(guard.settle(file), "restored");
    assert.equal(fs.readFileSync(file, "utf8"), committed);
    assert.equal(guard.settle(file), "unchanged");
  });
});

void describe("release changes and changed resources by name", () => {
  const deployment = (version: string) => ({
    inputs: {
      metadata: {
        name: "tekton-pipelines-controller",
        labels: { "app.kubernetes.io/part-of": "tekton-pipelines", "app.kubernetes.io/version": version },
      },
    },
  });
  const urn = (name: string, type: string) => `urn:pulumi:local-east::pipeline-service::${type}::${name}`;
  const step = (op: string, name: string, type: string, oldV?: string, newV?: string): EngineEventLike => ({
    resourcePreEvent: {
      metadata: {
        op,
        urn: urn(name, type),
        type,
        diffs: op === "update" ? ["spec"] : [],
        old: oldV ? deployment(oldV) : null,
        new: newV ? deployment(newV) : null,
      },
    },
  });

  void it("a bump shows the component's old and new version and how many of its resources change", () => {
    const s = summarizeEvents([
      step(
        "update",
        "tekton-pipelines/tekton-pipelines-controller",
        "kubernetes:apps/v1:Deployment",
        "v1.14.1",
        "v1.15.0",
      ),
      step("update", "tekton-pipelines/feature-flags", "kubernetes:core/v1:ConfigMap", "v1.14.1", "v1.15.0"),
      step("same", "tekton-pipelines/tekton-pipelines", "kubernetes:core/v1:Namespace", "v1.14.1", "v1.14.1"),
      step("same", "argocd/argocd-server", "kubernetes:apps/v1:Deployment"),
    ]);
    assert.deepEqual(s.versions, [
      { component: "tekton-pipelines", from: ["v1.14.1"], to: ["v1.14.1", "v1.15.0"], changedResources: 2 },
    ]);
    const lines = changeLines(s);
    assert.match(
      lines[0],
      /version tekton-pipelines: v1.14.1 → v1.14.1, v1.15.0 \(2 of its version-labelled resources change\)/,
    );
    assert.ok(
      lines.includes("~ tekton-pipelines/tekton-pipelines-controller (kubernetes:apps/v1:Deployment): spec"),
    );
    const report = buildFleetReport({
      operation: "preview",
      project: "p",
      generatedAt: "t",
      options: { policyPacks: [] },
      stacks: [
        { stack: "local-east", region: "local-east", cloud: "local", home: true, status: "ok", summary: s },
      ],
    });
    const md = renderMarkdown(report);
    assert.match(
      md,
      /Version changes by region:\*\*\n- `local-east`: `tekton-pipelines` v1.14.1 → v1.14.1, v1.15.0/,
    );
    assert.match(
      md,
      /\| update \| `tekton-pipelines\/feature-flags` \| `kubernetes:core\/v1:ConfigMap` \| `spec` \|/,
    );
  });

  void it("no change of labels, no version change; a new install is — → version", () => {
    const same = summarizeEvents([step("same", "a", "kubernetes:apps/v1:Deployment", "v1.15.0", "v1.15.0")]);
    assert.deepEqual(same.versions, []);
    const fresh = summarizeEvents([
      step("create", "a", "kubernetes:apps/v1:Deployment", undefined, "v1.15.0"),
    ]);
    assert.deepEqual(fresh.versions, [
      { component: "tekton-pipelines", from: [], to: ["v1.15.0"], changedResources: 1 },
    ]);
  });
});

void describe("enrollmentWaves: regions whose kcp shard awaits the home stack", () => {
  const runnable = [
    { stack: "home", home: true, profile: "cloud" },
    { stack: "eu", home: false, profile: "cloud" },
    { stack: "we", home: false, profile: "cloud" },
  ];
  const report = (stack: string, awaiting: boolean) =>
    [stack, { stack, status: "ok", ...(awaiting ? { kcpAwaitingHome: true } : {}) } as StackReport] as const;
  it("the home stack signs, then the awaiting regions start their shards", () => {
    const results = new Map([report("home", false), report("eu", true), report("we", false)]);
    assert.deepEqual(
      enrollmentWaves(results, runnable).map((w) => w.stacks),
      [["home"], ["eu"]],
    );
  });
  it("nothing when no region awaits, or when the home stack is not rolled out", () => {
    assert.deepEqual(enrollmentWaves(new Map([report("eu", false)]), runnable), []);
    assert.deepEqual(enrollmentWaves(new Map([report("eu", true)]), runnable.slice(1)), []);
  });
});
