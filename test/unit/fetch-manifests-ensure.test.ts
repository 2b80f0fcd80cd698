// scripts/fetch-manifests.ts --ensure (what scripts/install.sh runs): verify what is in place, download only what
// is missing or corrupt, and when that fails name every missing manifest and the command that fetches it.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { ManifestLock } from "../../components/manifests";
import { manifestPath, sha256Hex } from "../../components/manifests";
import { ensureManifests, missingManifestsMessage, unverifiedEntries } from "../../scripts/fetch-manifests";

const CONTENT: Record<string, string> = {
  "https://example.test/a.yaml": "kind: A\n",
  "https://example.test/b.yaml": "kind: B\n",
};
const LOCK: ManifestLock = {
  files: [
    { component: "one", version: "v1", file: "a.yaml", url: "https://example.test/a.yaml" },
    { component: "two", version: "v2", file: "sub/b.yaml", url: "https://example.test/b.yaml" },
  ].map((e) => ({
    ...e,
    sha256: sha256Hex(CONTENT[e.url]),
    officialSha256: null,
    differsFromOfficial: false,
    docs: 1,
  })),
} as ManifestLock;

/** A fetch that serves CONTENT and records what was asked for. */
function server() {
  const asked: string[] = [];
  const fetchImpl = async (url: string) => {
    asked.push(url);
    const body = CONTENT[url];
    return {
      ok: body !== undefined,
      status: body === undefined ? 404 : 200,
      arrayBuffer: async () => new TextEncoder().encode(body ?? "").buffer as ArrayBuffer,
    };
  };
  return { asked, fetchImpl };
}

/** What fetch() throws without a network: TypeError("fetch failed") caused by a DNS error. */
const offline = async (): Promise<never> => {
  throw new TypeError("fetch failed", {
    cause: Object.assign(new Error("getaddrinfo"), { code: "ENOTFOUND" }),
  });
};

describe("fetch-manifests --ensure", () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "manifests-ensure-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("downloads only what is missing, then verifies everything without a download", async () => {
    const a = manifestPath(LOCK.files[0], dir);
    fs.mkdirSync(path.dirname(a), { recursive: true });
    fs.writeFileSync(a, CONTENT[LOCK.files[0].url]);
    const s = server();
    const first = await ensureManifests({ dir, lock: LOCK, fetchImpl: s.fetchImpl });
    assert.deepEqual([first.ok, first.verified, first.fetched.length], [true, 1, 1]);
    assert.deepEqual(s.asked, ["https://example.test/b.yaml"]);
    assert.equal(fs.readFileSync(manifestPath(LOCK.files[1], dir), "utf8"), "kind: B\n");

    const again = await ensureManifests({ dir, lock: LOCK, fetchImpl: offline });
    assert.deepEqual(
      [again.ok, again.verified, again.fetched],
      [true, 2, []],
      "no network needed once in place",
    );
  });

  it("treats a file with another hash as missing and replaces it", async () => {
    fs.writeFileSync(manifestPath(LOCK.files[0], dir), "kind: Tampered\n");
    assert.deepEqual(
      unverifiedEntries(LOCK, dir).map((e) => e.file),
      ["a.yaml"],
    );
    const s = server();
    const r = await ensureManifests({ dir, lock: LOCK, fetchImpl: s.fetchImpl });
    assert.ok(r.ok);
    assert.equal(fs.readFileSync(manifestPath(LOCK.files[0], dir), "utf8"), "kind: A\n");
  });

  it("without mirror and network, names every missing manifest, why, and the command to fetch them", async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "manifests-empty-"));
    try {
      const r = await ensureManifests({ dir: empty, lock: LOCK, fetchImpl: offline });
      assert.equal(r.ok, false);
      assert.equal(fs.readdirSync(empty).length, 0, "nothing half-written");
      const msg = missingManifestsMessage(r);
      assert.match(
        msg,
        new RegExp(`^2 pinned upstream manifest\\(s\\) .* are not in ${empty} and could not be downloaded:`),
      );
      assert.match(
        msg,
        /- one\/v1\/a\.yaml from https:\/\/example\.test\/a\.yaml: fetch failed \(ENOTFOUND\)/,
      );
      assert.match(
        msg,
        /- two\/v2\/sub\/b\.yaml from https:\/\/example\.test\/b\.yaml: fetch failed \(ENOTFOUND\)/,
      );
      assert.match(msg, new RegExp(`node --import tsx scripts/fetch-manifests\\.ts --dir ${empty}`));
      assert.match(msg, /PIPELINE_SERVICE_MANIFESTS/);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
