// Benchmark e: the fast test suite's wall time (`FAST_ONLY=1 scripts/test.sh`, what `npm run test:unit`
// runs), split into its steps by the "== step" lines the script prints, each step as a ratio to the
// type-check step measured in the same run (the floor every CI run pays).
//   node --import tsx bench/suite.bench.ts
import { spawn } from "node:child_process";
import { ENV, PROJECT_DIR, heading, line } from "./lib";

async function main(): Promise<void> {
  const started = Date.now();
  const steps: { name: string; at: number }[] = [];
  let tail = "";
  const code = await new Promise<number>((resolve) => {
    const child = spawn("bash", ["scripts/test.sh"], { cwd: PROJECT_DIR, env: { ...ENV, FAST_ONLY: "1" } });
    const onData = (d: Buffer) => {
      const text = d.toString();
      tail = (tail + text).slice(-4000);
      for (const m of text.matchAll(/^== (.+)$/gm)) steps.push({ name: m[1], at: Date.now() });
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("close", (c) => resolve(c ?? -1));
  });
  const ended = Date.now();
  const total = (ended - started) / 1000;
  const summary = /(\d+) passed, (\d+) failed/.exec(tail)?.[0] ?? "no summary";
  const durations = steps.map((s, i) => ({
    name: s.name,
    seconds: ((steps[i + 1]?.at ?? ended) - s.at) / 1000,
  }));
  const setup = steps.length ? (steps[0].at - started) / 1000 : 0;
  const tsc = durations.find((d) => /type-check/.test(d.name))?.seconds ?? total;
  heading(`e. fast test suite (FAST_ONLY=1 scripts/test.sh): ${summary}, exit ${code}`);
  line("baseline: type-check step (tsc --noEmit)", tsc, tsc);
  line("install check (npm packages present)", setup, tsc);
  for (const d of durations) if (!/type-check/.test(d.name)) line(d.name.slice(0, 64), d.seconds, tsc);
  line("fast suite wall time", total, tsc);
  if (code !== 0) process.exitCode = 1;
}

void main();
