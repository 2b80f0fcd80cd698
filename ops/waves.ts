// Rollout waves: which stacks go in which wave (pure), from ops/waves.json or the --waves flag.
import * as fs from "node:fs";
import { globToRegExp } from "./workspace";

export interface WaveSpec {
  name: string;
  /** Stack names or * globs. */
  stacks: string[];
}

export interface Wave {
  name: string;
  stacks: string[];
}

/** Reads and checks a waves file: `{ "waves": [{ "name": "...", "stacks": ["..."] }] }`. */
export function parseWavesFile(text: string, file: string): WaveSpec[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not JSON (${(e as Error).message})`);
  }
  const waves = (doc as { waves?: unknown }).waves;
  if (!Array.isArray(waves) || waves.length === 0)
    throw new Error(`${file}: "waves" must be a non-empty array`);
  return waves.map((w: unknown, i) => {
    const { name, stacks } = (w ?? {}) as { name?: unknown; stacks?: unknown };
    if (
      !Array.isArray(stacks) ||
      stacks.length === 0 ||
      !stacks.every((s) => typeof s === "string" && s !== "")
    ) {
      throw new Error(`${file}: waves[${i}].stacks must be a non-empty array of stack names or globs`);
    }
    return { name: typeof name === "string" && name ? name : `wave ${i + 1}`, stacks: stacks as string[] };
  });
}

export function readWavesFile(file: string): WaveSpec[] {
  return parseWavesFile(fs.readFileSync(file, "utf8"), file);
}

/** `--waves "local-west;local-*"`: waves separated by ";", patterns within a wave by ",". */
export function parseWavesFlag(flag: string): WaveSpec[] {
  const waves = flag
    .split(";")
    .map((w) =>
      w
        .split(",")
        .map((p) => p.trim())
        .filter(Boolean),
    )
    .filter((w) => w.length > 0);
  if (waves.length === 0) throw new Error(`--waves ${JSON.stringify(flag)} names no stack`);
  return waves.map((stacks, i) => ({ name: `wave ${i + 1}`, stacks }));
}

/**
 * Assigns the selected stacks (in order) to waves: each wave takes the stacks matching its patterns that no
 * earlier wave took; waves left empty are dropped. A selected stack in no wave is an error (a rollout must
 * not silently leave a region out).
 */
export function planWaves(selected: string[], specs: WaveSpec[]): Wave[] {
  const taken = new Set<string>();
  const waves: Wave[] = [];
  for (const spec of specs) {
    const res = spec.stacks.map(globToRegExp);
    const stacks = selected.filter((s) => !taken.has(s) && res.some((r) => r.test(s)));
    stacks.forEach((s) => taken.add(s));
    if (stacks.length) waves.push({ name: spec.name, stacks });
  }
  const left = selected.filter((s) => !taken.has(s));
  if (left.length)
    throw new Error(`stacks in no wave: ${left.join(", ")} (add them to a wave, or a "*" wave last)`);
  return waves;
}
