// ops/recover.ts against a scripted CLI: what it drops from the state, when it clears a lock, and that a
// failing CLI call fails the recovery (the real CLI is exercised by test/faults/).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { dropPendingOperations, recoverStack } from "../../ops/recover";

const state = (pending: { type: string; urn: string }[]) => ({
  version: 3,
  deployment: {
    resources: [{ urn: "urn:a" }],
    pending_operations: pending.map((p) => ({ type: p.type, resource: { urn: p.urn, type: "t" } })),
  },
});

/** A fake `pulumi` that answers from a script and records the calls. */
function cli(answers: Record<string, { code: number; out?: string; stdout?: string }[]>) {
  const calls: string[] = [];
  const run = (args: string[]) => {
    const key = args.slice(0, 2).join(" ");
    calls.push(args.join(" "));
    const a = answers[key]?.shift() ?? { code: 0 };
    return { code: a.code, out: a.out ?? a.stdout ?? "", stdout: a.stdout ?? "" };
  };
  return { run, calls };
}

void describe("ops/recover", () => {
  void it("drops every pending operation and keeps the resources", () => {
    const { state: s, dropped } = dropPendingOperations(
      state([
        { type: "creating", urn: "urn:x" },
        { type: "deleting", urn: "urn:y" },
      ]),
    );
    assert.deepEqual(dropped, ["creating urn:x", "deleting urn:y"]);
    assert.equal(s.deployment.pending_operations, undefined);
    assert.deepEqual(s.deployment.resources, [{ urn: "urn:a" }]);
  });

  void it("imports the cleaned state only when something was pending", () => {
    const clean = cli({ "stack export": [{ code: 0, stdout: JSON.stringify(state([])) }] });
    assert.deepEqual(recoverStack("s", clean.run).dropped, []);
    assert.ok(!clean.calls.some((c) => c.startsWith("stack import")));

    const pending = cli({
      "stack export": [{ code: 0, stdout: JSON.stringify(state([{ type: "creating", urn: "urn:x" }])) }],
    });
    assert.deepEqual(recoverStack("s", pending.run).dropped, ["creating urn:x"]);
    assert.ok(pending.calls.some((c) => c.startsWith("stack import --stack s --file ")));
  });

  void it("cancels a stale lock before it exports and imports", () => {
    const locked = cli({
      "stack export": [{ code: 0, stdout: JSON.stringify(state([{ type: "creating", urn: "urn:x" }])) }],
    });
    const r = recoverStack("s", locked.run);
    assert.equal(r.lockCleared, true);
    assert.deepEqual(
      locked.calls.map((c) => c.split(" --file ")[0]),
      ["cancel --yes --stack s", "stack export --stack s", "stack import --stack s"],
    );
  });

  void it("fails with the CLI's output when the export fails", () => {
    const broken = cli({ "stack export": [{ code: 255, out: "error: no stack named 's' found" }] });
    assert.throws(() => recoverStack("s", broken.run), /stack export --stack s: error: no stack named/);
  });

  void it("fails with the CLI's output when the import fails", () => {
    const broken = cli({
      "stack export": [{ code: 0, stdout: JSON.stringify(state([{ type: "updating", urn: "urn:x" }])) }],
      "stack import": [{ code: 1, out: "error: invalid checkpoint" }],
    });
    assert.throws(() => recoverStack("s", broken.run), /stack import --stack s: error: invalid checkpoint/);
  });
});
