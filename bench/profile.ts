// Summarizes a V8 CPU profile (node --cpu-prof): self time per function and per module (an npm package, or
// the project's own directory), so a benchmark can say where its time goes.
import * as fs from "node:fs";
import * as path from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTime {
  name: string;
  ms: number;
  share: number;
}

/** The module a script URL belongs to: an npm package, a project directory, or a node-internal group. */
export function moduleOf(url: string, projectDir: string): string {
  if (!url) return "(native/v8)";
  if (url.startsWith("node:")) return "node:internal";
  const file = url.replace(/^file:\/\//, "");
  const nm = file.lastIndexOf("/node_modules/");
  if (nm >= 0) {
    const rest = file.slice(nm + "/node_modules/".length).split("/");
    return rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (file.startsWith(projectDir)) {
    const rel = path.relative(projectDir, file).split(path.sep);
    return rel.length > 1 ? `${rel[0]}/${rel.length > 2 ? `${rel[1]}/` : rel[1]}` : rel[0];
  }
  return "node:internal";
}

/** Self time per function ("name module:line") and per module, largest first. */
export function summarize(
  file: string,
  projectDir: string,
): { total: number; functions: SelfTime[]; modules: SelfTime[] } {
  const p = JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  p.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const total = (p.endTime - p.startTime) / 1000;
  const fn = new Map<string, number>();
  const mod = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    const m = moduleOf(n.callFrame.url, projectDir);
    const name = `${n.callFrame.functionName || "(anonymous)"} ${m}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ""}`;
    fn.set(name, (fn.get(name) ?? 0) + us / 1000);
    mod.set(m, (mod.get(m) ?? 0) + us / 1000);
  }
  const sorted = (m: Map<string, number>) =>
    [...m.entries()].map(([name, ms]) => ({ name, ms, share: ms / total })).sort((a, b) => b.ms - a.ms);
  return { total, functions: sorted(fn), modules: sorted(mod) };
}
