// Benchmark d: program evaluation under mocks for 1, 5 and 20 regions (bench/evaluate.ts, one process per
// case), time and memory per region against the 1-region case measured in the same run, then a CPU profile
// (node --cpu-prof) of the 5-region case summarized by self time per module and per function.
//   node --import tsx bench/mocks.bench.ts [--counts 1,5,20] [--stack aws-eu-west-1]
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { PROJECT_DIR, heading, line, must, timed } from "./lib";
import { summarize } from "./profile";

const { values } = parseArgs({
  options: {
    counts: { type: "string", default: "1,5,20" },
    stack: { type: "string", default: "aws-eu-west-1" },
    "profile-count": { type: "string", default: "5" },
    /** Another checkout (e.g. before a change): the first case evaluated there too, in this run. */
    "compare-project": { type: "string" },
  },
});
const counts = (values.counts ?? "1,5,20").split(",").map(Number);
const stack = values.stack ?? "aws-eu-west-1";

interface Evaluation {
  n: number;
  loadMs: number;
  times: number[];
  resourcesPerRegion: number[];
  rssMiB: number;
  rssGrowthMiB: number;
  heapUsedMiB: number;
}

function evaluate(n: number, extra: string[] = [], cwd = PROJECT_DIR): { result: Evaluation; wall: number } {
  const r = must(
    timed("node", ["--expose-gc", ...extra, "--import", "tsx", "bench/evaluate.ts", String(n), stack], {
      cwd,
    }),
    `evaluate ${n} regions in ${cwd}`,
  );
  const json = r.stdout.trim().split("\n").pop() ?? "";
  return { result: JSON.parse(json) as Evaluation, wall: r.seconds };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

heading(`d. program evaluation under mocks (${stack} copies, one process per case)`);
let baseMs = 0;
let baseMiB = 0;
for (const n of counts) {
  const { result, wall } = evaluate(n);
  const perRegionMs = sum(result.times) / n;
  const perRegionMiB = result.rssGrowthMiB / n;
  if (!baseMs) {
    baseMs = perRegionMs;
    baseMiB = perRegionMiB;
  }
  console.log(
    `${n} region(s): ${result.resourcesPerRegion[0]} resources each, module load ${result.loadMs.toFixed(0)} ms, ` +
      `process wall ${wall.toFixed(1)} s, first region ${result.times[0].toFixed(0)} ms, ` +
      `RSS ${result.rssMiB.toFixed(0)} MiB, heap after GC ${result.heapUsedMiB.toFixed(0)} MiB`,
  );
  line(
    `${n} region(s): evaluation per region${n === counts[0] ? " (baseline)" : ""}`,
    perRegionMs,
    baseMs,
    "ms",
  );
  line(
    `${n} region(s): RSS growth per region${n === counts[0] ? " (baseline)" : ""}`,
    perRegionMiB,
    baseMiB,
    "MiB",
  );
}

const other = values["compare-project"];
if (other) {
  // The same evaluation script in the other checkout (copied in when it has none).
  const script = path.join(other, "bench", "evaluate.ts");
  if (!fs.existsSync(script)) fs.copyFileSync(path.join(PROJECT_DIR, "bench", "evaluate.ts"), script);
  const n = counts[0];
  const here = evaluate(n);
  const there = evaluate(n, [], path.resolve(other));
  const ms = (e: Evaluation) => sum(e.times) / n;
  heading(`the same ${n}-region evaluation in ${other} (before the change) and here`);
  line(`baseline: ${other}`, ms(there.result), ms(there.result), "ms");
  line("this checkout", ms(here.result), ms(there.result), "ms");
  line(
    `RSS growth per region, ${other}`,
    there.result.rssGrowthMiB / n,
    there.result.rssGrowthMiB / n,
    "MiB",
  );
  line(
    "RSS growth per region, this checkout",
    here.result.rssGrowthMiB / n,
    there.result.rssGrowthMiB / n,
    "MiB",
  );
}

const profDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-prof-"));
const pn = Number(values["profile-count"]);
evaluate(pn, ["--cpu-prof", `--cpu-prof-dir=${profDir}`]);
// The main thread's profile is the largest (tsx's loader thread writes its own).
const file = fs
  .readdirSync(profDir)
  .map((f) => path.join(profDir, f))
  .sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0];
const s = summarize(file, PROJECT_DIR);
heading(`profile of ${pn} regions (${(s.total / 1000).toFixed(1)} s sampled): self time by module`);
for (const m of s.modules.slice(0, 10))
  console.log(`  ${m.ms.toFixed(0).padStart(7)} ms ${(m.share * 100).toFixed(1).padStart(5)}%  ${m.name}`);
heading("self time by function (top 15)");
for (const f of s.functions.slice(0, 15))
  console.log(`  ${f.ms.toFixed(0).padStart(7)} ms ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.name}`);
fs.rmSync(profDir, { recursive: true, force: true });
