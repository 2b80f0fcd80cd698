// CI safety of the ops commands with the real CLI, on a scratch project (no cluster needed): a stack is
// never created implicitly; SIGTERM during `ops/rollout.ts` cancels the running `pulumi up` cleanly (the
// steps done are in the state, nothing pending, no lock left) and a rerun finishes; the stack file is
// never written. The program is a chain of dynamic resources that each take a few seconds to create.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { PROJECT_DIR } from "./harness";

const RESOURCES = 6;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ops-cancel-"));
const project = path.join(tmp, "project");
const backend = path.join(tmp, "backend");
const stackFile = path.join(project, "stacks", "Pulumi.dev.yaml");
const STACK_TEXT =
  "# edited by hand: the ops commands must never rewrite this file\nconfig:\n  opscancel:delayMs: '4000'\n";

fs.mkdirSync(path.join(project, "stacks"), { recursive: true });
fs.mkdirSync(backend);
for (const link of ["scripts", ".tools", "node_modules"])
  fs.symlinkSync(path.join(PROJECT_DIR, link), path.join(project, link));
fs.writeFileSync(
  path.join(project, "Pulumi.yaml"),
  "name: opscancel\nruntime: nodejs\nmain: index.js\nstackConfigDir: stacks\n",
);
fs.writeFileSync(stackFile, STACK_TEXT);
fs.writeFileSync(
  path.join(project, "index.js"),
  `const pulumi = require("@pulumi/pulumi");
const delayMs = Number(new pulumi.Config().require("delayMs"));
const provider = {
  async create(inputs) {
    await new Promise((r) => setTimeout(r, inputs.delayMs));
    return { id: inputs.name, outs: inputs };
  },
};
let previous = [];
for (let i = 0; i < ${RESOURCES}; i++) {
  const r = new pulumi.dynamic.Resource(provider, "slow-" + i, { name: "slow-" + i, delayMs }, { dependsOn: previous });
  previous = [r];
}
`,
);
after(() => {
  if (!process.env.KEEP_OPS_CANCEL_TMP) fs.rmSync(tmp, { recursive: true, force: true });
});

/** The environment of a user of the scratch project: its own backend and passphrase, nothing inherited. */
const env: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith("PULUMI_") && k !== "PIPELINE_SERVICE_LOCAL_DIR"),
);
Object.assign(env, { PULUMI_BACKEND_URL: `file://${backend}`, PULUMI_CONFIG_PASSPHRASE: "ops-cancel-test" });

const opsArgs = (cmd: string, args: string[]) => [
  "--import",
  "tsx",
  path.join(PROJECT_DIR, "ops", `${cmd}.ts`),
  "--project-dir",
  project,
  "--out",
  path.join(tmp, "reports"),
  "--no-policy",
  "--heartbeat-seconds",
  "0",
  ...(cmd === "rollout" ? ["--waves", "*"] : []),
  ...args,
];
const ops = (cmd: string, args: string[]) => {
  const r = spawnSync("node", opsArgs(cmd, args), {
    cwd: PROJECT_DIR,
    env,
    encoding: "utf8",
    timeout: 300_000,
  });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
};
const pulumiCli = (args: string[]) =>
  spawnSync(path.join(PROJECT_DIR, ".tools", "bin", "pulumi"), [...args, "--non-interactive"], {
    cwd: project,
    env: { ...env, PULUMI_HOME: path.join(PROJECT_DIR, ".tools", "pulumi-home") },
    encoding: "utf8",
  });
const lockFiles = () => {
  const dir = path.join(backend, ".pulumi", "locks");
  return fs.existsSync(dir)
    ? (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith(".json"))
    : [];
};
const deployed = () => {
  const r = pulumiCli(["stack", "export", "--stack", "dev"]);
  assert.equal(r.status, 0, r.stderr);
  const d = (
    JSON.parse(r.stdout) as { deployment: { resources?: { type: string }[]; pending_operations?: unknown[] } }
  ).deployment;
  return {
    slow: (d.resources ?? []).filter((x) => x.type.startsWith("pulumi-nodejs:dynamic")).length,
    pending: d.pending_operations?.length ?? 0,
  };
};

void describe("ops commands: no implicit stacks, clean cancel, stack files untouched", () => {
  void it("a stack missing from the backend: preview skips it (fails with --fail-on-skipped), rollout refuses", () => {
    const preview = ops("preview", ["--fail-on-skipped"]);
    assert.equal(preview.code, 1, preview.out);
    assert.match(
      preview.out,
      /dev: not run \(not in the backend \(--create-missing --secrets-provider P creates it\)\)/,
    );
    const rollout = ops("rollout", ["--yes"]);
    assert.equal(rollout.code, 2, rollout.out);
    assert.match(rollout.out, /cannot run here: dev \(not in the backend/);
    const noProvider = ops("rollout", ["--yes", "--create-missing"]);
    assert.equal(noProvider.code, 2);
    assert.match(noProvider.out, /--create-missing needs --secrets-provider/);
    assert.equal(pulumiCli(["stack", "ls", "--json"]).stdout.trim(), "[]");
    assert.equal(fs.readFileSync(stackFile, "utf8"), STACK_TEXT);
  });

  void it("SIGTERM mid-up: pulumi cancels after its in-flight step, state saved, no lock; a rerun completes", async () => {
    const child = spawn(
      "node",
      opsArgs("rollout", ["--yes", "--create-missing", "--secrets-provider", "passphrase"]),
      {
        cwd: PROJECT_DIR,
        env,
      },
    );
    let out = "";
    const started = Date.now();
    let sent = false;
    const code = await new Promise<number>((resolve) => {
      const onData = (d: Buffer) => {
        out += d.toString();
        // The first resource is being created about 1 s after the program starts registering.
        if (!sent && /dev\s+up\s+started/.test(out)) {
          sent = true;
          setTimeout(() => child.kill("SIGTERM"), 12_000);
        }
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.once("close", (c) => resolve(c ?? -1));
    });
    console.log(`cancelled rollout: exit ${code} after ${Math.round((Date.now() - started) / 1000)} s`);
    assert.ok(sent, out);
    assert.equal(code, 1, out);
    assert.match(out, /SIGTERM received: cancelling 1 running pulumi operation\(s\)/);
    assert.match(out, /dev\s+cancelled\s+cancelled by SIGTERM: pulumi stopped .*no lock left/);
    assert.deepEqual(lockFiles(), []);
    const partial = deployed();
    assert.equal(partial.pending, 0, "no pending operations after a graceful cancel");
    assert.ok(
      partial.slow >= 1 && partial.slow < RESOURCES,
      `${partial.slow} of ${RESOURCES} created before the cancel`,
    );
    assert.equal(fs.readFileSync(stackFile, "utf8"), STACK_TEXT, "the stack file is as the user wrote it");

    const rerun = ops("rollout", ["--yes"]);
    assert.equal(rerun.code, 0, rerun.out);
    assert.match(rerun.out, new RegExp(`\\+${RESOURCES - partial.slow} ~0`));
    assert.deepEqual(deployed(), { slow: RESOURCES, pending: 0 });
    assert.deepEqual(lockFiles(), []);
    assert.equal(fs.readFileSync(stackFile, "utf8"), STACK_TEXT);
  });

  void it("a stack file edited during a run is named in the verdict and left as the user wrote it", async () => {
    const child = spawn("node", opsArgs("preview", []), { cwd: PROJECT_DIR, env });
    let out = "";
    const edited = `${STACK_TEXT}# a later edit\n`;
    const code = await new Promise<number>((resolve) => {
      const onData = (d: Buffer) => {
        out += d.toString();
        if (/dev\s+preview\s+started/.test(out) && fs.readFileSync(stackFile, "utf8") === STACK_TEXT)
          fs.writeFileSync(stackFile, edited);
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.once("close", (c) => resolve(c ?? -1));
    });
    try {
      assert.equal(code, 1, out);
      assert.match(
        out,
        /stacks\/Pulumi.dev.yaml changed during the run \(left as it is; the run used its content from the start\)/,
      );
      assert.equal(fs.readFileSync(stackFile, "utf8"), edited);
    } finally {
      fs.writeFileSync(stackFile, STACK_TEXT);
    }
  });
});
