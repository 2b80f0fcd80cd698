// Benchmark of what every preview pays before talking to the engine: loading the pinned upstream manifests
// (read + sha256 check + YAML parse) and rendering our settings onto them. Each case prints its time and
// its ratio to a baseline measured in the same run (a bare YAML parse of the same file), so the numbers
// compare across machines and load.
//   node --import tsx bench/manifests.bench.ts [iterations]
import * as fs from "node:fs";
import { parseAllDocuments } from "yaml";
import { defaultMirrorDir, loadManifest, lockEntry, manifestPath } from "../components/manifests";
import { pipelinesSettings, renderPipelines } from "../components/tekton/pipelines";

const iterations = Number(process.argv[2] ?? 20);

/** Median wall time of `iterations` runs of fn, in milliseconds (after two warm-up runs). */
function measure(fn: () => unknown): number {
  fn();
  fn();
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

const file = manifestPath(lockEntry("tekton-pipeline", "release.yaml"), defaultMirrorDir());
const text = fs.readFileSync(file, "utf8");
const baseline = measure(() => parseAllDocuments(text).map((d) => d.toJS()));
const upstream = loadManifest("tekton-pipeline", "release.yaml");
const settings = pipelinesSettings({
  featureFlags: { "enable-step-actions": true },
  controllerKubeApiQps: 100,
});

const cases: [string, () => unknown][] = [
  ["loadManifest (read + sha256 + parse)", () => loadManifest("tekton-pipeline", "release.yaml")],
  ["renderPipelines (settings onto parsed objects)", () => renderPipelines(upstream, settings)],
  [
    "load + render (one Pipelines component)",
    () => renderPipelines(loadManifest("tekton-pipeline", "release.yaml"), settings),
  ],
];

console.log(
  `tekton-pipeline release.yaml: ${(text.length / 1024).toFixed(0)} KiB, ${upstream.length} objects, ${iterations} runs (median)`,
);
console.log(`${"baseline: bare YAML parse".padEnd(50)} ${baseline.toFixed(2).padStart(8)} ms   1.00x`);
for (const [name, fn] of cases) {
  const t = measure(fn);
  console.log(`${name.padEnd(50)} ${t.toFixed(2).padStart(8)} ms   ${(t / baseline).toFixed(2)}x`);
}
