// The layers are visible in the folders, and imports only go down: A cloud infra (cluster/, data/) ←
// B platform (kcp/, tekton/, gitops/) ← C control-plane binding (tenancy/). Only failure-domain.ts (with
// region-config.ts, the shape it takes) composes them, and no component imports the program entry
// (infra/), the ops commands, the local environment or the policy pack.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../components/manifests";

const COMPONENTS = path.join(PROJECT_ROOT, "components");
const LAYER: Record<string, number> = { cluster: 1, data: 1, kcp: 2, tekton: 2, gitops: 2, tenancy: 3 };
const COMPOSERS = ["failure-domain.ts", "region-config.ts"];

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith(".ts") ? [p] : [];
  });
}

/** The layer of a file under components/: 0 for shared helpers, 4 for the composers. */
function layerOf(file: string): number {
  const rel = path.relative(COMPONENTS, file);
  if (COMPOSERS.includes(rel)) return 4;
  return LAYER[rel.split(path.sep)[0]] ?? 0;
}

test("components import only their own layer and the ones below; never infra/, ops/, local/ or policy/", () => {
  const problems: string[] = [];
  let edges = 0;
  for (const file of sources(COMPONENTS)) {
    const text = fs.readFileSync(file, "utf8");
    for (const m of text.matchAll(/^(?:import|export)\b[^;]*?from\s+"(\.[^"]+)"/gms)) {
      const target = path.resolve(path.dirname(file), m[1]);
      const rel = path.relative(PROJECT_ROOT, file);
      edges++;
      if (!target.startsWith(COMPONENTS + path.sep)) {
        problems.push(`${rel} imports ${path.relative(PROJECT_ROOT, target)} (outside components/)`);
        continue;
      }
      const from = layerOf(file);
      const to = layerOf(target.endsWith(".ts") ? target : `${target}.ts`);
      if (to > from && !(from === 0 && to === 0))
        problems.push(`${rel} (layer ${from}) imports ${path.relative(PROJECT_ROOT, target)} (layer ${to})`);
    }
  }
  assert.ok(edges > 100, `only ${edges} relative imports found: the scan is broken`);
  assert.deepEqual(problems, []);
});
