// The pinned-manifest loader: lock ↔ mirror INDEX.md, hash verification, multi-document parsing, the mirror
// dir choice, the object edit helpers and the fetch script (with a fake fetch: no network).
import { after, test, describe } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import * as YAML from "yaml";
import {
  CLUSTER_SCOPED_KINDS,
  LOCK,
  ManifestHashError,
  PROJECT_ROOT,
  defaultMirrorDir,
  dropObject,
  editObject,
  type K8sObject,
  loadManifest,
  lockEntry,
  manifestPath,
  normalizeNamespaces,
  parseManifest,
  sha256Hex,
  splitNamespaces,
} from "../../components/manifests";
import { fetchManifests } from "../../scripts/fetch-manifests";

const MIRROR = defaultMirrorDir();

/** INDEX.md's table rows: file (under the mirror) → { sha256, docs, url }. */
function indexRows(): Map<string, { sha256: string; docs: number }> {
  const rows = new Map<string, { sha256: string; docs: number }>();
  for (const line of fs.readFileSync(path.join(MIRROR, "INDEX.md"), "utf8").split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    const file = /^`([^`]+)`$/.exec(cells[5] ?? "")?.[1];
    const sha = /^`([0-9a-f]{64})`$/.exec(cells[7] ?? "")?.[1];
    if (file && sha) rows.set(file, { sha256: sha, docs: Number(cells[8]) });
  }
  return rows;
}

const tmpDirs: string[] = [];
function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "manifests-test-"));
  tmpDirs.push(dir);
  return dir;
}
after(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

/** Copies one lock entry's mirror file into a fresh mirror dir, optionally altered. */
function copyEntry(component: string, file: string, alter?: (text: string) => string): string {
  const dir = tmpDir();
  const entry = lockEntry(component, file);
  const target = manifestPath(entry, dir);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const text = fs.readFileSync(manifestPath(entry, MIRROR), "utf8");
  fs.writeFileSync(target, alter ? alter(text) : text);
  return dir;
}

void describe("lock", () => {
  void test("every lock entry matches the mirror's INDEX.md (sha256 and document count)", () => {
    const rows = indexRows();
    assert.ok(rows.size >= LOCK.files.length, "INDEX.md parsed");
    for (const e of LOCK.files) {
      const row = rows.get(`${e.component}/${e.version}/${e.file}`);
      assert.ok(row, `${e.component}/${e.file} is in INDEX.md`);
      assert.equal(e.sha256, row.sha256, `${e.component}/${e.file} sha256`);
      assert.equal(e.docs, row.docs, `${e.component}/${e.file} docs`);
      assert.match(e.url, /^https:\/\//);
      // Only the ko-built Tekton files differ from the official artifacts (INDEX.md "Differences").
      assert.equal(e.differsFromOfficial, e.component.startsWith("tekton-"), e.component);
      if (!e.differsFromOfficial) assert.equal(e.officialSha256, e.sha256);
    }
  });

  void test("the pinned versions are the ones the design names", () => {
    const versions = Object.fromEntries(LOCK.files.map((e) => [e.component, e.version]));
    assert.deepEqual(versions, {
      "tekton-pipeline": "v1.15.0",
      "tekton-triggers": "v0.37.0",
      "tekton-chains": "v0.28.1",
      "tekton-results": "v0.20.0",
      "pipelines-as-code": "v0.50.0",
      "argo-cd": "v3.5.1",
      "kcp-api-syncagent": "v0.7.0",
    });
  });

  void test("an unknown file is refused, listing the known ones", () => {
    assert.throws(
      () => lockEntry("tekton-results", "release.yaml"),
      /not in the lock \(known: .*tekton-results\/release_base.yaml/,
    );
  });
});

void describe("loadManifest", () => {
  for (const e of LOCK.files) {
    void test(`${e.component}/${e.file}: verified and parsed into ${e.docs} objects (INDEX.md's Docs)`, () => {
      const objs = loadManifest(e.component, e.file, { mirrorDir: MIRROR });
      assert.equal(objs.length, e.docs);
      for (const o of objs) assert.ok(o.apiVersion && o.kind && o.metadata.name);
    });
  }

  void test("a changed file fails with its path, the expected hash and the actual hash", () => {
    const dir = copyEntry("tekton-chains", "release.yaml", (t) => t.replace("v0.28.1", "v0.28.2"));
    const entry = lockEntry("tekton-chains", "release.yaml");
    const where = manifestPath(entry, dir);
    const actual = sha256Hex(fs.readFileSync(where));
    assert.throws(
      () => loadManifest("tekton-chains", "release.yaml", { mirrorDir: dir }),
      (e: unknown) => {
        assert.ok(e instanceof ManifestHashError);
        assert.equal(e.file, where);
        assert.deepEqual(e.expected, [entry.sha256]);
        assert.equal(e.actual, actual);
        assert.ok(
          e.message.includes(where) && e.message.includes(entry.sha256) && e.message.includes(actual),
        );
        return true;
      },
    );
  });

  void test("a pinned official hash is accepted as well as the mirror's", () => {
    const dir = copyEntry("tekton-chains", "release.yaml", (t) => `${t}\n# official bytes\n`);
    const entry = lockEntry("tekton-chains", "release.yaml");
    const official = sha256Hex(fs.readFileSync(manifestPath(entry, dir)));
    const lock = { files: LOCK.files.map((e) => (e === entry ? { ...e, officialSha256: official } : e)) };
    assert.equal(loadManifest("tekton-chains", "release.yaml", { mirrorDir: dir, lock }).length, 18);
  });

  void test("a missing file names the path and how to get it", () => {
    assert.throws(
      () => loadManifest("argo-cd", "install.yaml", { mirrorDir: tmpDir() }),
      /argo-cd\/v3\.5\.1\/install\.yaml not found at .*fetch-manifests/,
    );
  });

  void test("each call returns a fresh copy (callers may edit)", () => {
    const a = loadManifest("tekton-chains", "release.yaml", { mirrorDir: MIRROR });
    a[0].metadata.name = "edited";
    assert.equal(
      loadManifest("tekton-chains", "release.yaml", { mirrorDir: MIRROR })[0].metadata.name,
      "tekton-chains",
    );
  });
});

void describe("parseManifest", () => {
  const obj = fc.record({
    apiVersion: fc.constantFrom("v1", "apps/v1", "tekton.dev/v1"),
    kind: fc.constantFrom("ConfigMap", "Deployment", "Task"),
    metadata: fc.record({ name: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/) }),
    data: fc.dictionary(fc.stringMatching(/^[a-z.-]{1,10}$/), fc.string()),
  });

  void test("multi-document YAML round-trips; empty and comment-only documents are dropped", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(obj, fc.constantFrom("", "# comment\n", null))), (items) => {
        const parts: string[] = [];
        for (const [o, filler] of items) {
          if (filler !== null) parts.push(filler);
          parts.push(YAML.stringify(o));
        }
        const parsed = parseManifest(parts.join("---\n"), "gen.yaml");
        // fast-check builds null-prototype objects: compare as JSON.
        assert.deepEqual(parsed, JSON.parse(JSON.stringify(items.map(([o]) => o))));
      }),
      { numRuns: 100 },
    );
  });

  void test("broken YAML and non-objects name the source and the document", () => {
    assert.throws(
      () => parseManifest("apiVersion: v1\nkind: A\nmetadata: {name: a}\n---\nkey: [unclosed\n", "x.yaml"),
      /x\.yaml: YAML document 2/,
    );
    assert.throws(
      () => parseManifest("apiVersion: v1\nkind: ConfigMap\n", "y.yaml"),
      /y\.yaml: YAML document 1 is not a Kubernetes object/,
    );
  });
});

void describe("defaultMirrorDir", () => {
  void test("$PIPELINE_SERVICE_MANIFESTS, else ../shared/manifests when present, else .cache/manifests", () => {
    assert.equal(
      defaultMirrorDir({ PIPELINE_SERVICE_MANIFESTS: "/m" }, () => true),
      "/m",
    );
    assert.equal(
      defaultMirrorDir({}, () => true),
      path.resolve(PROJECT_ROOT, "..", "shared", "manifests"),
    );
    assert.equal(
      defaultMirrorDir({}, () => false),
      path.join(PROJECT_ROOT, ".cache", "manifests"),
    );
  });
});

void describe("object edits", () => {
  const objs = (): K8sObject[] => [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "ns" } },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm", namespace: "ns" }, data: { a: "1" } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "cr", namespace: "ns" },
    },
    { apiVersion: "v1", kind: "Secret", metadata: { name: "s" } },
  ];

  void test("editObject replaces exactly one object and leaves the input alone", () => {
    const input = objs();
    const before = structuredClone(input);
    const out = editObject(input, "ConfigMap", "cm", "test", (o) => ({ ...o, data: { a: "2" } }));
    assert.deepEqual(input, before);
    assert.deepEqual(
      out.filter((o, i) => o !== input[i]).map((o) => o.metadata.name),
      ["cm"],
    );
  });

  void test("dropObject removes one object and fails loudly when upstream no longer has it", () => {
    assert.deepEqual(
      dropObject(objs(), "Secret", "s", "owner").map((o) => o.kind),
      ["Namespace", "ConfigMap", "ClusterRole"],
    );
    assert.throws(
      () => dropObject(objs(), "Secret", "gone", "owner"),
      /owner: expected exactly one Secret gone .* found 0/,
    );
  });

  void test("normalizeNamespaces strips cluster-scoped namespaces and fills in the default", () => {
    const out = normalizeNamespaces(objs(), "argocd");
    assert.equal(out[2].metadata.namespace, undefined);
    assert.equal(out[3].metadata.namespace, "argocd");
    assert.equal(out[1].metadata.namespace, "ns");
    assert.equal(out[0].metadata.namespace, undefined);
    assert.ok(CLUSTER_SCOPED_KINDS.has("CustomResourceDefinition"));
  });

  void test("splitNamespaces keeps order within each part", () => {
    const { namespaces, rest } = splitNamespaces(objs());
    assert.deepEqual(
      namespaces.map((o) => o.metadata.name),
      ["ns"],
    );
    assert.deepEqual(
      rest.map((o) => o.metadata.name),
      ["cm", "cr", "s"],
    );
  });
});

void describe("scripts/fetch-manifests", () => {
  const only = "kcp-api-syncagent";
  const entry = LOCK.files.find((e) => e.component === only)!;
  const good = fs.readFileSync(manifestPath(entry, MIRROR));
  const respond = (body: Buffer) => async () => ({
    ok: true,
    status: 200,
    arrayBuffer: async () =>
      body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer,
  });

  void test("writes verified downloads in the mirror layout, which the loader then reads", async () => {
    const dir = tmpDir();
    const urls: string[] = [];
    const r = await fetchManifests({
      dir,
      lock: LOCK,
      only,
      fetchImpl: async (url) => {
        urls.push(url);
        return respond(good)();
      },
    });
    assert.deepEqual(urls, [entry.url]);
    assert.deepEqual(r.failures, []);
    assert.deepEqual(r.written, [manifestPath(entry, dir)]);
    assert.equal(loadManifest(only, entry.file, { mirrorDir: dir }).length, 1);
  });

  void test("a download with another hash is refused and not written", async () => {
    const dir = tmpDir();
    const r = await fetchManifests({ dir, lock: LOCK, only, fetchImpl: respond(Buffer.from("tampered")) });
    assert.equal(r.written.length, 0);
    assert.match(r.failures[0], /sha256 mismatch: expected [0-9a-f]{64}, got [0-9a-f]{64}/);
    assert.equal(fs.existsSync(manifestPath(entry, dir)), false);
  });

  void test("--pin records the official hash of a Tekton file whose official hash is unknown", async () => {
    const tekton = lockEntry("tekton-chains", "release.yaml");
    const official = Buffer.from("official bytes with image digests");
    const dir = tmpDir();
    const refused = await fetchManifests({
      dir,
      lock: LOCK,
      only: "tekton-chains",
      fetchImpl: respond(official),
    });
    assert.match(refused.failures[0], /rerun with --pin/);
    const pinned = await fetchManifests({
      dir,
      lock: LOCK,
      only: "tekton-chains",
      pin: true,
      fetchImpl: respond(official),
    });
    assert.deepEqual(pinned.failures, []);
    const after = pinned.lock.files.find((e) => e.component === "tekton-chains")!;
    assert.equal(after.officialSha256, sha256Hex(official));
    assert.equal(after.sha256, tekton.sha256, "the mirror hash stays");
    assert.equal(tekton.officialSha256, null, "the input lock is not mutated");
  });
});
