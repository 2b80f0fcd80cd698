// Terminal progress of the ops commands: one line per stack per phase with the elapsed time, plus a
// heartbeat for long phases. Plain lines (no cursor tricks), so CI logs read the same as a terminal;
// the engines' own output is never printed (each stack's events are summarized instead).

/** `[  12.3s] local-east     preview   started` */
export function formatProgressLine(
  elapsedMs: number,
  stack: string,
  phase: string,
  detail: string,
  width: number,
): string {
  const t = `${(elapsedMs / 1000).toFixed(1)}s`.padStart(7);
  return `[${t}] ${stack.padEnd(width)}  ${phase.padEnd(8)}  ${detail}`.trimEnd();
}

export class Progress {
  private readonly start: number;
  private width = 12;

  constructor(
    private readonly write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
    private readonly clock: () => number = Date.now,
  ) {
    this.start = clock();
  }

  /** Aligns the stack column to the longest name. */
  setNames(names: string[]): void {
    this.width = Math.max(this.width, ...names.map((n) => n.length));
  }

  elapsedMs(): number {
    return this.clock() - this.start;
  }

  line(stack: string, phase: string, detail = ""): void {
    this.write(formatProgressLine(this.elapsedMs(), stack, phase, detail, this.width));
  }

  /** A free-form line (wave headers, the final summary). */
  note(text: string): void {
    this.write(text);
  }

  /** Calls `detail()` every `everyMs` while a phase runs; returns the stop function. */
  heartbeat(stack: string, phase: string, everyMs: number, detail: () => string): () => void {
    if (everyMs <= 0) return () => undefined;
    const timer = setInterval(() => this.line(stack, phase, detail()), everyMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}

/**
 * Runs `fn` over `items` with at most `limit` in flight. `shouldStart` is asked before each item starts
 * (a rollout halts on the first failure: items not started get `undefined`). Results keep input order.
 */
export async function mapPool<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
  shouldStart: () => boolean = () => true,
): Promise<(R | undefined)[]> {
  const results: (R | undefined)[] = new Array(items.length).fill(undefined);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      if (!shouldStart()) continue;
      results[i] = await fn(items[i], i);
    }
  };
  const n = Math.max(1, Math.min(Math.floor(limit) || 1, items.length));
  await Promise.all(Array.from({ length: n }, worker));
  return results;
}
