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

/** What a stack needs deployed before it, and why (for the plan's notes). */
export interface StackDependency {
  stack: string;
  dependsOn: string;
  why: string;
}

/**
 * Which stacks read which (pure): a stack with `kcp.homeStack` reads that stack's outputs through a
 * StackReference (the reference's last part is the stack name); a non-home local-profile stack has no
 * reference but uses the local home stack's kcp root and root:tenants (its tenants bind under them).
 * References to stacks not in `stacks` are left out (nothing to order them against).
 */
export function stackDependencies(
  stacks: { stack: string; home: boolean; homeStack?: string; profile: "local" | "cloud" }[],
): StackDependency[] {
  const names = new Set(stacks.map((s) => s.stack));
  const localHomes = stacks.filter((s) => s.profile === "local" && s.home).map((s) => s.stack);
  const deps: StackDependency[] = [];
  for (const s of stacks) {
    if (s.homeStack) {
      const target = s.homeStack.split("/").pop()!;
      if (names.has(target) && target !== s.stack)
        deps.push({
          stack: s.stack,
          dependsOn: target,
          why: `StackReference ${s.homeStack} (kcp.homeStack)`,
        });
    } else if (s.profile === "local" && !s.home) {
      for (const home of localHomes)
        deps.push({
          stack: s.stack,
          dependsOn: home,
          why: "the local home stack's kcp root and root:tenants",
        });
    }
  }
  return deps;
}

export interface RolloutPlan {
  waves: Wave[];
  /** Stacks the dependencies moved behind their configured wave, and why. */
  notes: string[];
}

/**
 * The rollout order (pure): dependencies first, then the configured waves. A stack runs in its configured
 * wave, or later when a stack it reads (`deps`, among the selected) runs in that wave or after it; such a
 * stack gets a wave of its own right after its dependency's. Stacks of one resulting wave run in parallel.
 * A dependency cycle is an error naming the stacks.
 */
export function planRollout(selected: string[], specs: WaveSpec[], deps: StackDependency[]): RolloutPlan {
  const configured = planWaves(selected, specs);
  const waveOf = new Map<string, number>();
  configured.forEach((w, i) => w.stacks.forEach((s) => waveOf.set(s, i)));
  const inSelection = deps.filter((d) => waveOf.has(d.stack) && waveOf.has(d.dependsOn));
  const needs = (s: string) => inSelection.filter((d) => d.stack === s);
  // slot = configured wave × K + depth, K > any chain: stacks of a slot share a configured wave.
  const K = selected.length + 1;
  const slot = new Map<string, number>();
  const visiting = new Set<string>();
  const place = (s: string, chain: string[]): number => {
    const known = slot.get(s);
    if (known !== undefined) return known;
    if (visiting.has(s)) throw new Error(`stacks depend on each other: ${[...chain, s].join(" → ")}`);
    visiting.add(s);
    let n = waveOf.get(s)! * K;
    for (const d of needs(s)) n = Math.max(n, place(d.dependsOn, [...chain, s]) + 1);
    visiting.delete(s);
    slot.set(s, n);
    return n;
  };
  selected.forEach((s) => place(s, []));
  const slots = [...new Set(slot.values())].sort((a, b) => a - b);
  const notes: string[] = [];
  const waves = slots.map((n) => {
    const stacks = selected.filter((s) => slot.get(s) === n);
    const base = configured[Math.floor(n / K)].name;
    const moved = stacks.filter((s) => n !== waveOf.get(s)! * K);
    for (const s of moved) {
      const after = needs(s).map((d) => `${d.dependsOn} (${d.why})`);
      notes.push(`${s} runs after ${after.join(", ")}, which it reads`);
    }
    const after = [...new Set(moved.flatMap((s) => needs(s).map((d) => d.dependsOn)))];
    return {
      name: moved.length === stacks.length && after.length ? `${base}, after ${after.join(", ")}` : base,
      stacks,
    };
  });
  return { waves, notes };
}
