// One measurement of benchmark d: evaluates the whole program (infra/program.ts) under the fleet mocks for
// N regions in one process, one after the other, each a copy of a shipped stack with its own region name,
// and prints one JSON line: module load time, per-region evaluation times, resources, memory.
//   node --import tsx bench/evaluate.ts N [stack]
import * as pulumi from "@pulumi/pulumi";

const loadStart = process.hrtime.bigint();
/* eslint-disable @typescript-eslint/no-require-imports -- timed: the imports are part of what is measured */
const { setupFleetMocks, stackDocument, encodeConfig } =
  require("../test/helpers/fleet-mocks") as typeof import("../test/helpers/fleet-mocks");
const { program } = require("../infra/program") as typeof import("../infra/program");
/* eslint-enable @typescript-eslint/no-require-imports */
const loadMs = Number(process.hrtime.bigint() - loadStart) / 1e6;

const n = Number(process.argv[2] ?? 1);
const stack = process.argv[3] ?? "aws-eu-west-1";

async function main(): Promise<void> {
  const { resources } = setupFleetMocks();
  // The SDK's own "every registration answered" wait (internal, so not in its typings).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs: () => Promise<void> };
  const waitForRPCs = settings.waitForRPCs;
  const base = stackDocument(stack);
  const times: number[] = [];
  const counts: number[] = [];
  const rssBefore = process.memoryUsage().rss;
  for (let i = 0; i < n; i++) {
    const region = `${stack}-b${i}`;
    const before = resources.length;
    const start = process.hrtime.bigint();
    pulumi.runtime.setAllConfig(encodeConfig({ ...base, "pipeline-service:region": region }));
    await program();
    await waitForRPCs();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    counts.push(resources.length - before);
  }
  global.gc?.();
  const mem = process.memoryUsage();
  console.log(
    JSON.stringify({
      n,
      stack,
      loadMs,
      times,
      resourcesPerRegion: counts,
      rssMiB: mem.rss / 2 ** 20,
      rssGrowthMiB: (mem.rss - rssBefore) / 2 ** 20,
      heapUsedMiB: mem.heapUsed / 2 ** 20,
    }),
  );
}

void main();
