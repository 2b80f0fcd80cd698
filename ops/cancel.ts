// Clean cancellation of the ops commands (SIGINT, SIGTERM). Every pulumi the Automation API starts runs in
// a process group of its own, so a terminal's Ctrl-C reaches only this process, which then sends each
// pulumi exactly one SIGINT: pulumi's own graceful cancel (finish the steps in flight, save the state,
// release the stack's lock). A second signal sends the second SIGINT (pulumi stops at once: pending
// operations may remain), a third exits. Afterwards a file backend is checked for locks left behind.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as auto from "@pulumi/pulumi/automation";

/** The Automation API's command result (its class is internal upstream: not in the type declarations). */
interface CommandResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** What the CLI run method of the Automation API gets (PulumiCommand.run, @internal upstream). */
type RunFn = (
  args: string[],
  cwd: string,
  additionalEnv: Record<string, string>,
  onOutput?: (data: string) => void,
  onError?: (data: string) => void,
  signal?: AbortSignal,
) => Promise<CommandResult>;

/**
 * Upstream's result class and error factory, so callers see the CommandError subclasses they expect
 * (StackAlreadyExistsError, ConcurrentUpdateError, …).
 */
async function internals(): Promise<{
  CommandResult: new (stdout: string, stderr: string, code: number) => CommandResult;
  createCommandError: (r: CommandResult) => Error;
}> {
  const cmd = (await import("@pulumi/pulumi/automation/cmd")) as unknown as { CommandResult: never };
  const errors = (await import("@pulumi/pulumi/automation/errors")) as unknown as {
    createCommandError: never;
  };
  return { CommandResult: cmd.CommandResult, createCommandError: errors.createCommandError };
}

/** The pulumi processes this command started and has not seen exit. */
export class PulumiProcesses {
  readonly live = new Set<ChildProcess>();

  /**
   * Makes `cmd` start its processes through `run` below (same arguments and environment as upstream's
   * exec, plus the process group of their own). Returns `cmd`.
   */
  adopt(cmd: auto.PulumiCommand): auto.PulumiCommand {
    (cmd as unknown as { run: RunFn }).run = (args, cwd, additionalEnv, onOutput, onError, signal) =>
      this.run(cmd.command, args, cwd, additionalEnv, onOutput, onError, signal);
    return cmd;
  }

  async run(
    command: string,
    args: string[],
    cwd: string,
    additionalEnv: Record<string, string>,
    onOutput?: (data: string) => void,
    onError?: (data: string) => void,
    signal?: AbortSignal,
  ): Promise<CommandResult> {
    const { CommandResult, createCommandError } = await internals();
    const argv = args.includes("--non-interactive") ? args : [...args, "--non-interactive"];
    const env: NodeJS.ProcessEnv = { ...process.env, ...additionalEnv, PULUMI_AUTOMATION_API: "true" };
    if (path.isAbsolute(command))
      env.PATH = `${path.dirname(command)}${path.delimiter}${additionalEnv.PATH ?? process.env.PATH ?? ""}`;
    if (signal?.aborted) throw createCommandError(new CommandResult("", "cancelled before it started", -2));
    const child = spawn(command, argv, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    this.live.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      const text = d.toString();
      stdout += text;
      onOutput?.(text);
    });
    child.stderr.on("data", (d: Buffer) => {
      const text = d.toString();
      stderr += text;
      onError?.(text);
    });
    const onAbort = () => child.kill("SIGINT");
    signal?.addEventListener("abort", onAbort, { once: true });
    const code = await new Promise<number>((resolve) => {
      child.once("error", (e) => {
        stderr += String(e);
        resolve(-2);
      });
      child.once("close", (c, sig) => resolve(c ?? (sig ? 128 + (os.constants.signals[sig] ?? 0) : -2)));
    });
    signal?.removeEventListener("abort", onAbort);
    this.live.delete(child);
    const result = new CommandResult(stdout, stderr, code);
    if (code !== 0) throw createCommandError(result);
    return result;
  }

  /** The second signal: pulumi's second SIGINT (stop now); SIGKILL to the group of one still alive after 10 s. */
  terminate(): void {
    for (const child of this.live) {
      child.kill("SIGINT");
      const timer = setTimeout(() => {
        if (child.exitCode === null && child.pid) {
          try {
            process.kill(-child.pid, "SIGKILL");
          } catch {
            // already gone
          }
        }
      }, 10_000);
      timer.unref();
    }
  }
}

export interface Cancellation {
  signal: AbortSignal;
  /** The signal that cancelled the run (undefined: not cancelled). */
  reason(): NodeJS.Signals | undefined;
  /** Whether a second signal forced the running operations to stop at once. */
  forced(): boolean;
}

/**
 * Installs the SIGINT/SIGTERM handlers: 1st cancels gracefully (no further stack starts), 2nd terminates the
 * running pulumi processes, 3rd exits with 130.
 */
export function onTermination(processes: PulumiProcesses, note: (line: string) => void): Cancellation {
  const controller = new AbortController();
  let first: NodeJS.Signals | undefined;
  let count = 0;
  const handler = (sig: NodeJS.Signals) => {
    count++;
    if (count === 1) {
      first = sig;
      note(
        `${sig} received: cancelling ${processes.live.size} running pulumi operation(s); each stops after the ` +
          `steps in flight, saves its state and releases its lock; no further stack starts ` +
          `(${sig} again: stop them at once)`,
      );
      controller.abort();
    } else if (count === 2) {
      note(
        `${sig} received again: stopping ${processes.live.size} pulumi operation(s) at once; pending operations ` +
          `may remain in their state (a rerun lists them; pulumi refresh clears them)`,
      );
      processes.terminate();
    } else {
      note(`${sig} received a third time: exiting now`);
      process.exit(130);
    }
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return { signal: controller.signal, reason: () => first, forced: () => count >= 2 };
}

/** The local directory of a file:// backend URL (undefined for any other backend). */
export function fileBackendDir(url: string | undefined): string | undefined {
  if (!url?.startsWith("file://")) return undefined;
  const rest = url.slice("file://".length).replace(/\?.*$/, "");
  return rest.startsWith("~") ? path.join(os.homedir(), rest.slice(1)) : path.resolve(rest);
}

export interface LockFile {
  file: string;
  pid?: number;
  hostname?: string;
}

/** Lock files of a stack in a file backend (`.pulumi/locks/<org>/<project>/<stack>/*.json`). */
export function stackLocks(backendDir: string, project: string, stack: string): LockFile[] {
  const root = path.join(backendDir, ".pulumi", "locks");
  const out: LockFile[] = [];
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (
        e.name.endsWith(".json") &&
        path.basename(dir) === stack &&
        [project, "locks"].includes(path.basename(path.dirname(dir)))
      ) {
        let info: { pid?: unknown; hostname?: unknown } = {};
        try {
          info = JSON.parse(fs.readFileSync(full, "utf8")) as typeof info;
        } catch {
          // unreadable: still a lock
        }
        out.push({
          file: full,
          pid: typeof info.pid === "number" ? info.pid : undefined,
          hostname: typeof info.hostname === "string" ? info.hostname : undefined,
        });
      }
    }
  };
  walk(root);
  return out;
}

/** A lock whose process is gone (same host, pid not running): left behind by a pulumi that was stopped. */
export function isStale(lock: LockFile, host = os.hostname(), alive = pidAlive): boolean {
  return lock.hostname === host && lock.pid !== undefined && !alive(lock.pid);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
