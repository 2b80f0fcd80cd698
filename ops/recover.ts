// Recovery after an interrupted `pulumi up` (the process killed, the machine lost): the documented steps,
// automated. A killed update leaves (1) a stale lock (file backends) and (2) pending operations in the
// state: resources the engine had started to create, update or delete when it died. Recovery
//   1. removes a stale lock (`pulumi cancel`; a file backend exports a locked stack but refuses the import);
//   2. drops the pending operations from the state (`pulumi stack export`, edit, `pulumi stack import`),
//      listing each. A pending create may or may not exist in the cluster: the Kubernetes provider applies
//      server-side, so the rerun adopts an object that was created (no orphan) and creates one that was not.
//      A pending update or delete leaves the resource in the state as it was, and the rerun redoes it.
// Then rerun `pulumi up` (ops/rollout.ts --stacks <stack> --yes): it converges.
//   node --import tsx ops/recover.ts --stack NAME
// The backend and passphrase come from the environment (scripts/env.sh, or PULUMI_BACKEND_URL as given).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { loadProjectEnv, PROJECT_DIR } from "./workspace";

export interface PendingOperation {
  type: string;
  resource: { urn: string; type: string };
}

export interface Recovery {
  stack: string;
  lockCleared: boolean;
  /** The pending operations dropped from the state, as "<op> <urn>". */
  dropped: string[];
}

interface Deployment {
  version: number;
  deployment: { pending_operations?: PendingOperation[]; [k: string]: unknown };
}

/** The state without its pending operations (pure), and what was dropped. */
export function dropPendingOperations(state: Deployment): { state: Deployment; dropped: string[] } {
  const pending = state.deployment.pending_operations ?? [];
  const deployment = { ...state.deployment };
  delete deployment.pending_operations;
  return { state: { ...state, deployment }, dropped: pending.map((p) => `${p.type} ${p.resource.urn}`) };
}

type Runner = (args: string[]) => { code: number; out: string; stdout: string };

function pulumiRunner(env: NodeJS.ProcessEnv): Runner {
  return (args) => {
    const r = spawnSync("pulumi", [...args, "--non-interactive"], {
      cwd: PROJECT_DIR,
      env,
      encoding: "utf8",
      maxBuffer: 512 * 1024 * 1024,
    });
    return { code: r.status ?? -1, out: `${r.stdout ?? ""}${r.stderr ?? ""}`, stdout: r.stdout ?? "" };
  };
}

/** Clears a stale lock and the pending operations of `stack`; throws with the CLI's output on failure. */
export function recoverStack(
  stack: string,
  pulumi: Runner = pulumiRunner({ ...process.env, ...loadProjectEnv() }),
): Recovery {
  // The stale lock first: a file backend exports a locked stack but refuses to import into it.
  const cancel = pulumi(["cancel", "--yes", "--stack", stack]);
  const lockCleared = cancel.code === 0 && !/no update|not currently|no active|nothing/i.test(cancel.out);
  const exported = pulumi(["stack", "export", "--stack", stack]);
  if (exported.code !== 0) throw new Error(`pulumi stack export --stack ${stack}: ${exported.out}`);
  const { state, dropped } = dropPendingOperations(JSON.parse(exported.stdout) as Deployment);
  if (dropped.length > 0) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "recover-"));
    try {
      const file = path.join(dir, "state.json");
      fs.writeFileSync(file, JSON.stringify(state), { mode: 0o600 });
      const i = pulumi(["stack", "import", "--stack", stack, "--file", file]);
      if (i.code !== 0) throw new Error(`pulumi stack import --stack ${stack}: ${i.out}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return { stack, lockCleared, dropped };
}

if (require.main === module) {
  const { values } = parseArgs({
    options: { stack: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help || !values.stack) {
    process.stdout.write("Usage: node --import tsx ops/recover.ts --stack NAME\n");
    process.exit(values.help ? 0 : 2);
  }
  try {
    const r = recoverStack(values.stack);
    process.stdout.write(
      `${r.stack}: ${r.lockCleared ? "stale lock cleared; " : ""}${r.dropped.length} pending operation(s) dropped\n` +
        r.dropped.map((d) => `  ${d}\n`).join("") +
        `next: node --import tsx ops/rollout.ts --stacks ${r.stack} --yes\n`,
    );
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  }
}
