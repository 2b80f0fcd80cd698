// Small shared pieces of the benchmarks: the project's environment, timed commands, and one printed line
// per case with its ratio to the baseline measured in the same run.
import { spawn, spawnSync } from "node:child_process";
import * as path from "node:path";
import { loadProjectEnv } from "../ops/workspace";

export const PROJECT_DIR = path.resolve(__dirname, "..");
export const ENV: NodeJS.ProcessEnv = loadProjectEnv(PROJECT_DIR);

export interface Timed {
  code: number;
  seconds: number;
  out: string;
  stdout: string;
}

/** Runs a command to completion with the project's environment, timing it (never throws). */
export function timed(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string } = {},
): Timed {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd ?? PROJECT_DIR,
    env: { ...ENV, ...opts.env },
    input: opts.input,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return {
    code: r.status ?? -1,
    seconds,
    out: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}`,
    stdout: r.stdout ?? "",
  };
}

/** Like timed, but asynchronous (for commands run side by side). */
export function timedAsync(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv } = {},
): Promise<Timed> {
  const start = process.hrtime.bigint();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: PROJECT_DIR, env: { ...ENV, ...opts.env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) =>
      resolve({
        code: code ?? -1,
        seconds: Number(process.hrtime.bigint() - start) / 1e9,
        out: stdout + stderr,
        stdout,
      }),
    );
  });
}

/** Fails the benchmark with the command's output tail when it did not exit with one of `codes`. */
export function must(r: Timed, what: string, codes: number[] = [0]): Timed {
  if (!codes.includes(r.code)) throw new Error(`${what}: exit ${r.code}\n${r.out.slice(-6000)}`);
  return r;
}

/** One result line: name, time, ratio to the baseline. */
export function line(name: string, value: number, baseline: number, unit = "s"): string {
  const v = unit === "s" ? value.toFixed(1) : value.toFixed(0);
  const text = `${name.padEnd(64)} ${v.padStart(8)} ${unit.padEnd(3)} ${(value / baseline).toFixed(2).padStart(6)}x`;
  console.log(text);
  return text;
}

export function heading(text: string): void {
  console.log(`\n${text}`);
}
