// Downloads the pinned upstream manifests (components/manifests.lock.json) into the cache dir and verifies
// their sha256. For a connected machine; previews never fetch, they read what this put in place.
//
//   node --import tsx scripts/fetch-manifests.ts [--dir DIR] [--only COMPONENT] [--pin]
//   node --import tsx scripts/fetch-manifests.ts --ensure     (scripts/install.sh)
//
// --dir   target dir (layout <component>/<version>/<file>). Default: $PIPELINE_SERVICE_MANIFESTS, else
//         <project>/.cache/manifests.
// --ensure  verify every pinned manifest where the loader reads them (defaultMirrorDir: also a mirror
//         beside the repository); download only those missing or corrupt; fail naming them when that fails.
// --pin   for entries whose official hash is not known yet (ko-built Tekton files: the offline mirror lacks
//         the image digests, so its hash is not the official one), accept the download and record its hash
//         as officialSha256 in the lock. Review that diff like any other pin.
import * as fs from "fs";
import * as path from "path";
import {
  acceptedHashes,
  defaultMirrorDir,
  type LockEntry,
  type ManifestLock,
  manifestPath,
  MIRROR_ENV,
  PROJECT_ROOT,
  sha256Hex,
} from "../components/manifests";

export const LOCK_FILE = path.join(PROJECT_ROOT, "components", "manifests.lock.json");

export interface FetchOptions {
  dir: string;
  lock: ManifestLock;
  only?: string;
  pin?: boolean;
  /** @default global fetch */
  fetchImpl?: (url: string) => Promise<{ ok: boolean; status: number; arrayBuffer(): Promise<ArrayBuffer> }>;
  log?: (line: string) => void;
}

export interface FetchResult {
  /** The lock, with officialSha256 filled in for entries pinned by --pin. */
  lock: ManifestLock;
  written: string[];
  failures: string[];
}

/** A download gives up after this long, so an unreachable network fails install.sh promptly. */
const FETCH_TIMEOUT_MS = 60_000;

/** Downloads every (or one component's) lock entry, verifies it and writes it atomically. */
export async function fetchManifests(o: FetchOptions): Promise<FetchResult> {
  const fetchImpl =
    o.fetchImpl ?? ((url: string) => fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) }));
  const log = o.log ?? (() => undefined);
  const files: LockEntry[] = o.lock.files.map((e) => ({ ...e }));
  const written: string[] = [];
  const failures: string[] = [];
  for (const entry of files) {
    if (o.only && entry.component !== o.only) continue;
    const target = manifestPath(entry, o.dir);
    try {
      const res = await fetchImpl(entry.url);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const data = new Uint8Array(await res.arrayBuffer());
      const actual = sha256Hex(data);
      if (!acceptedHashes(entry).includes(actual)) {
        if (o.pin && entry.officialSha256 === null) {
          entry.officialSha256 = actual;
          log(`pinned ${entry.component}/${entry.version}/${entry.file}: officialSha256 ${actual}`);
        } else {
          const hint =
            entry.officialSha256 === null ? " (official hash not pinned yet: rerun with --pin)" : "";
          throw new Error(
            `sha256 mismatch: expected ${acceptedHashes(entry).join(" or ")}, got ${actual}${hint}`,
          );
        }
      }
      fs.mkdirSync(path.dirname(target), { recursive: true });
      const tmp = `${target}.tmp-${process.pid}`;
      fs.writeFileSync(tmp, data);
      fs.renameSync(tmp, target);
      written.push(target);
      log(`ok ${entry.component}/${entry.version}/${entry.file}`);
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      // fetch() reports network trouble as "fetch failed"; the cause says which (DNS, refused, timeout).
      const why = err.cause?.code ?? err.cause?.message;
      failures.push(
        `${entry.component}/${entry.version}/${entry.file} from ${entry.url}: ${err.message}${why ? ` (${why})` : ""}`,
      );
    }
  }
  return { lock: { ...o.lock, files }, written, failures };
}

/** The lock entries that are not present with a pinned hash under `dir` (missing or corrupt). */
export function unverifiedEntries(
  lock: ManifestLock,
  dir: string,
  read: (file: string) => Buffer | undefined = (f) => (fs.existsSync(f) ? fs.readFileSync(f) : undefined),
): LockEntry[] {
  return lock.files.filter((e) => {
    const data = read(manifestPath(e, dir));
    return !data || !acceptedHashes(e).includes(sha256Hex(data));
  });
}

export interface EnsureResult {
  ok: boolean;
  dir: string;
  /** Entries that were present and verified before any download. */
  verified: number;
  fetched: string[];
  /** What is still missing, with why its download failed. */
  failures: string[];
}

/** Makes sure every pinned manifest is in `dir` and verified, downloading only what is not. */
export async function ensureManifests(o: Omit<FetchOptions, "only" | "pin">): Promise<EnsureResult> {
  const todo = unverifiedEntries(o.lock, o.dir);
  const verified = o.lock.files.length - todo.length;
  if (todo.length === 0) return { ok: true, dir: o.dir, verified, fetched: [], failures: [] };
  const res = await fetchManifests({ ...o, lock: { ...o.lock, files: todo } });
  return {
    ok: res.failures.length === 0,
    dir: o.dir,
    verified,
    fetched: res.written,
    failures: res.failures,
  };
}

/** What install.sh prints when manifests are neither mirrored nor downloadable: which ones, and what to run. */
export function missingManifestsMessage(r: EnsureResult): string {
  return [
    `${r.failures.length} pinned upstream manifest(s) (components/manifests.lock.json) are not in ${r.dir} and could not be downloaded:`,
    ...r.failures.map((f) => `  - ${f}`),
    `The manifests are read from $${MIRROR_ENV}, else a mirror at ../shared/manifests beside the repository, else .cache/manifests.`,
    `On a machine with network access, run:`,
    `  node --import tsx scripts/fetch-manifests.ts${r.dir === path.join(PROJECT_ROOT, ".cache", "manifests") ? "" : ` --dir ${r.dir}`}`,
    `or copy a mirror there (layout <component>/<version>/<file>) or point ${MIRROR_ENV} at one, then run scripts/install.sh again.`,
  ].join("\n");
}

function argValue(argv: string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes("--ensure")) {
    const raw = JSON.parse(fs.readFileSync(LOCK_FILE, "utf8")) as ManifestLock;
    const dir = argValue(argv, "--dir") ? path.resolve(argValue(argv, "--dir")!) : defaultMirrorDir();
    const r = await ensureManifests({ dir, lock: raw, log: (l) => console.error(`[manifests] ${l}`) });
    if (!r.ok) {
      console.error(missingManifestsMessage(r));
      return 1;
    }
    console.error(
      `[manifests] ${raw.files.length} pinned manifests verified in ${dir}` +
        (r.fetched.length ? ` (${r.fetched.length} downloaded)` : ""),
    );
    return 0;
  }
  const dir = path.resolve(
    argValue(argv, "--dir") ?? process.env[MIRROR_ENV] ?? path.join(PROJECT_ROOT, ".cache", "manifests"),
  );
  const raw = JSON.parse(fs.readFileSync(LOCK_FILE, "utf8")) as ManifestLock & Record<string, unknown>;
  const pin = argv.includes("--pin");
  const result = await fetchManifests({
    dir,
    lock: raw,
    only: argValue(argv, "--only"),
    pin,
    log: (l) => console.log(l),
  });
  if (pin) fs.writeFileSync(LOCK_FILE, `${JSON.stringify(result.lock, null, 2)}\n`);
  for (const f of result.failures) console.error(`FAILED ${f}`);
  console.log(`${result.written.length} file(s) in ${dir}, ${result.failures.length} failure(s)`);
  return result.failures.length === 0 ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
