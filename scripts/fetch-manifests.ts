// Downloads the pinned upstream manifests (components/manifests.lock.json) into the cache dir and verifies
// their sha256. For a connected machine; previews never fetch, they read what this put in place.
//
//   npx tsx scripts/fetch-manifests.ts [--dir DIR] [--only COMPONENT] [--pin]
//
// --dir   target dir (layout <component>/<version>/<file>). Default: $PIPELINE_SERVICE_MANIFESTS, else
//         <project>/.cache/manifests.
// --pin   for entries whose official hash is not known yet (ko-built Tekton files: the offline mirror lacks
//         the image digests, so its hash is not the official one), accept the download and record its hash
//         as officialSha256 in the lock. Review that diff like any other pin.
import * as fs from "fs";
import * as path from "path";
import {
  acceptedHashes,
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

/** Downloads every (or one component's) lock entry, verifies it and writes it atomically. */
export async function fetchManifests(o: FetchOptions): Promise<FetchResult> {
  const fetchImpl = o.fetchImpl ?? ((url: string) => fetch(url));
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
      failures.push(
        `${entry.component}/${entry.version}/${entry.file} from ${entry.url}: ${(e as Error).message}`,
      );
    }
  }
  return { lock: { ...o.lock, files }, written, failures };
}

function argValue(argv: string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(argv: string[]): Promise<number> {
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
