// kcp (v0.32.3) finalizes a deleted Workspace whose logical cluster lives on another shard only when it next
// polls that workspace (every fifth of the workspace's age, up to 5 min); the logical cluster's own deletion
// does not requeue it. Any update of the Workspace makes kcp look again. So while a test destroys a region,
// this annotates every Workspace being deleted, in root and in root's children, every few seconds: the destroy
// then waits seconds instead of minutes per workspace level. The tests still check that the workspaces go.
//   node --import tsx test/integration/kcp-nudge.ts   (run by whileNudgingDeletedWorkspaces, killed after)
import { spawn } from "node:child_process";
import { localEnv, run } from "./harness";

const EVERY_MS = 3_000;
const DELETING = '{range .items[?(@.metadata.deletionTimestamp)]}{.metadata.name}{"\\n"}{end}';

/** One pass: the workspaces being deleted under each parent get a fresh annotation. */
export function nudgeOnce(frontProxyUrl: string, kubeconfig: string): string[] {
  const kubectl = (path: string, args: string[]) =>
    run("kubectl", ["--kubeconfig", kubeconfig, "--server", `${frontProxyUrl}/clusters/${path}`, ...args]);
  const names = (path: string, jsonpath: string) => {
    const r = kubectl(path, ["get", "workspaces", "-o", `jsonpath=${jsonpath}`]);
    return r.code === 0 ? r.stdout.split(/\s+/).filter(Boolean) : [];
  };
  const parents = ["root", ...names("root", "{.items[*].metadata.name}").map((n) => `root:${n}`)];
  const nudged: string[] = [];
  for (const parent of parents) {
    for (const ws of names(parent, DELETING)) {
      const r = kubectl(parent, [
        "annotate",
        "--overwrite",
        `workspace/${ws}`,
        `pipeline-service.dev/deletion-nudge=${Date.now()}`,
      ]);
      if (r.code === 0) nudged.push(`${parent}:${ws}`);
    }
  }
  return nudged;
}

/** Runs `f` with the nudger beside it in a process of its own (f may block the event loop), stopped after. */
export async function whileNudgingDeletedWorkspaces<T>(f: () => T | Promise<T>): Promise<T> {
  const child = spawn(process.execPath, ["--import", "tsx", __filename], { stdio: "inherit" });
  try {
    return await f();
  } finally {
    child.kill("SIGTERM");
  }
}

if (require.main === module) {
  const { kcp } = localEnv();
  const loop = () => {
    for (const w of nudgeOnce(kcp.frontProxyUrl, kcp.adminKubeconfig)) console.log(`[kcp-nudge] ${w}`);
    setTimeout(loop, EVERY_MS);
  };
  loop();
}
