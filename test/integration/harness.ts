// Shared pieces of the integration tests: the project's environment (scripts/env.sh), the local environment
// description (local/env.sh start), and small wrappers around the real pulumi and kubectl binaries.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { LocalEnv } from "../../infra/stack-config";

export const PROJECT_DIR = path.resolve(__dirname, "../..");

/** The environment scripts/env.sh sets up, read from a real bash so the two never drift apart. */
export const ENV: NodeJS.ProcessEnv = (() => {
  const out = execFileSync("bash", ["-c", `. "${PROJECT_DIR}/scripts/env.sh" && env -0`], {
    encoding: "utf8",
  });
  return Object.fromEntries(
    out
      .split("\0")
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
})();

/** The running local environment, or a reason it cannot be used. */
export function localEnv(): LocalEnv {
  const file = path.join(ENV.PIPELINE_SERVICE_LOCAL_DIR ?? "", "env.json");
  const status = spawnSync(path.join(PROJECT_DIR, "local/env.sh"), ["status"], {
    env: ENV,
    encoding: "utf8",
  });
  if (status.status !== 0 || !fs.existsSync(file)) {
    throw new Error(
      `the local environment is not up (run local/env.sh start):\n${status.stdout}${status.stderr}`,
    );
  }
  return JSON.parse(fs.readFileSync(file, "utf8")) as LocalEnv;
}

export interface Run {
  code: number;
  /** stdout then stderr. */
  out: string;
  stdout: string;
}

/** Runs a command with the project's environment; returns exit code and combined output (never throws). */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): Run {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd ?? PROJECT_DIR,
    env: { ...ENV, ...opts.env },
    input: opts.input,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return {
    code: r.status ?? -1,
    out: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}`,
    stdout: r.stdout ?? "",
  };
}

/** pulumi with the project's environment; `--non-interactive` so nothing ever waits for a terminal. */
export function pulumi(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): Run {
  return run("pulumi", [...args, "--non-interactive"], opts);
}

/** kubectl against a kubeconfig; returns stdout (throws with the output on failure). */
export function kubectl(kubeconfig: string, args: string[]): string {
  const r = run("kubectl", ["--kubeconfig", kubeconfig, ...args]);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.out}`);
  return r.out.trim();
}

/** Like kubectl, but returns undefined where the object does not exist. */
export function kubectlGet(kubeconfig: string, args: string[]): string | undefined {
  const r = run("kubectl", ["--kubeconfig", kubeconfig, "get", ...args]);
  if (r.code !== 0) {
    if (/NotFound|not found/.test(r.out)) return undefined;
    throw new Error(`kubectl get ${args.join(" ")}: ${r.out}`);
  }
  return r.out.trim();
}

/** Fails the calling test with the command's output when it did not exit as expected. */
export function expectCode(r: Run, code: number, what: string): Run {
  if (r.code !== code) throw new Error(`${what}: exit ${r.code}, expected ${code}\n${r.out.slice(-6000)}`);
  return r;
}
