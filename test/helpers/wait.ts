/** Thrown by a probe that should fail the wait at once even where errors are retried (e.g. a process exited). */
export class Fatal extends Error {}

/**
 * Polls `probe` once a second until it returns a value (not undefined or false) or `seconds` pass.
 * A probe that throws fails the wait at once, unless `retryErrors` is set: then errors count as "not yet"
 * (except Fatal) and the last one is in the timeout's message.
 */
export async function waitFor<T>(
  what: string,
  seconds: number,
  probe: () => T | undefined | false,
  { retryErrors = false }: { retryErrors?: boolean } = {},
): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  let last = "";
  for (;;) {
    try {
      const v = probe();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      if (!retryErrors || e instanceof Fatal) throw e;
      last = (e as Error).message;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${seconds} s waiting for ${what}${last ? `\n${last}` : ""}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
