// Rotation reaches pods: every workload that reads a Secret or ConfigMap we manage at start carries a
// checksum of that content on its pod template (a server-side-apply patch). Changing the content changes
// the checksum (a roll); an unrelated change leaves it alone. Under mocks, several components are built
// side by side, differing in one input each, and their patches compared.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import fc from "fast-check";
import { CONTENT_CHECKSUM_ANNOTATION, contentChecksum } from "../../components/shared/rollout";
import { Chains, CHAINS_CONTROLLER } from "../../components/tekton/chains";
import { Pipelines } from "../../components/tekton/pipelines";
import { PAC_APP_WORKLOADS, PipelinesAsCode } from "../../components/tekton/pipelines-as-code";
import { Results, type ResultsArgs } from "../../components/tekton/results";
import { recordDependencies } from "../helpers/dependencies";
import { findPlaintext } from "../helpers/plaintext";
import { type Registered, settle, setupMocks, valueOf } from "../helpers/mocks";

const PASSWORD = "db-pa55-word-rotation";
const { resources } = setupMocks();

const graph = recordDependencies();
const PATCH = "kubernetes:apps/v1:DeploymentPatch";

/** The value with every secret envelope removed (the engine lifts a secret leaf to its enclosing input). */
function reveal(v: unknown): unknown {
  if (pulumi.runtime.isRpcSecret(v)) return reveal(pulumi.runtime.unwrapRpcSecret(v));
  if (Array.isArray(v)) return v.map(reveal);
  if (v !== null && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, reveal(x)]));
  return v;
}

function annotationsOf(r: Registered): Record<string, string> {
  const spec = reveal(r.inputs.spec) as { template: { metadata: { annotations: Record<string, string> } } };
  return spec.template.metadata.annotations;
}

function checksumOf(r: Registered): string {
  return annotationsOf(r)[CONTENT_CHECKSUM_ANNOTATION];
}

/** The stringData a component's Secret was registered with (keys and certificates are made per component). */
function secretData(name: string): Record<string, string> {
  const r = resources.find((x) => x.name === name && x.type === "kubernetes:core/v1:Secret");
  assert.ok(r, name);
  return reveal(r.inputs.stringData) as Record<string, string>;
}
const tlsOf = (component: string) => secretData(`${component}-tls`);

/** component name → workload → checksum */
function checksums(prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of resources.filter((x) => x.type === PATCH && x.name.startsWith(`${prefix}-`))) {
    const meta = r.inputs.metadata as { name: string };
    out[meta.name] = checksumOf(r);
  }
  return out;
}

void describe("contentChecksum (pure)", () => {
  const contents = fc.dictionary(fc.string(), fc.dictionary(fc.string(), fc.string()));

  void it("is independent of key order", () => {
    fc.assert(
      fc.property(contents, (c) => {
        const reversed = Object.fromEntries(
          Object.entries(c)
            .reverse()
            .map(([k, v]) => [k, Object.fromEntries(Object.entries(v).reverse())]),
        );
        assert.equal(contentChecksum(reversed), contentChecksum(c));
      }),
    );
  });

  void it("changes with any value, key or name (no two contents hash alike)", () => {
    fc.assert(
      fc.property(contents, contents, (a, b) => {
        const same = JSON.stringify(sortDeep(a)) === JSON.stringify(sortDeep(b));
        assert.equal(contentChecksum(a) === contentChecksum(b), same);
      }),
    );
    // Boundaries between fields cannot be shifted.
    assert.notEqual(contentChecksum({ s: { a: "bc" } }), contentChecksum({ s: { ab: "c" } }));
    assert.notEqual(contentChecksum({ s: { a: "" }, t: {} }), contentChecksum({ s: {}, t: { a: "" } }));
  });
});

function sortDeep(c: Record<string, Record<string, string>>): [string, [string, string][]][] {
  return Object.keys(c)
    .sort()
    .map((k) => [k, Object.entries(c[k]).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))]);
}

void describe("rotation reaches pods (mocks)", () => {
  const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
  const pipelines = new Pipelines("tekton", { provider });
  const database = new k8s.core.v1.Service("db", { metadata: { name: "db" } }, { provider });
  const results = (name: string, over: Partial<ResultsArgs> = {}) =>
    new Results(name, {
      provider,
      pipelines,
      database: [database],
      dbHost: "db.example.internal",
      dbUser: "results",
      dbPassword: PASSWORD,
      logs: { kind: "s3", bucket: "logs", region: "us-east-1", accessKeyId: "AKIA1", secretAccessKey: "S1" },
      ...over,
    });
  // "base" and "same" differ only in name; their certificates then differ too (the mocks key them by
  // name), so the TLS comparison uses base vs tls, and the rest compare against base with its own TLS.
  results("base");
  results("pw", { dbPassword: "another-password" });
  results("s3key", {
    logs: { kind: "s3", bucket: "logs", region: "us-east-1", accessKeyId: "AKIA2", secretAccessKey: "S2" },
  });
  results("retention", { retentionDays: 90, retentionRunAt: "0 3 * * *" });
  results("dbhost", { dbHost: "db2.example.internal" });

  const app = (n: string) => ({ appId: "12345", privateKey: `APP KEY ${n}`, webhookSecret: "hook" });
  new PipelinesAsCode("pac1", { provider, pipelines, githubApp: app("1") });
  new PipelinesAsCode("pac2", { provider, pipelines, githubApp: app("2") });
  new PipelinesAsCode("pac3", { provider, pipelines, githubApp: app("1"), ingressHost: "pac.example.com" });
  new PipelinesAsCode("pacnone", { provider, pipelines });
  new Chains("chains1", { provider, pipelines });
  new Chains("chains2", { provider, pipelines, taskrunFormat: "slsa/v1" });

  // Results: what each workload reads (RESULTS_WORKLOAD_INPUTS), with the TLS pair named per component.
  const API = "tekton-results-api";
  const AGENT = "tekton-results-retention-policy-agent";
  const WATCHER = "tekton-results-watcher";

  void it("patches each Results workload, and only those, with a secret checksum", async () => {
    await settle();
    const base = resources.filter((r) => r.type === PATCH && r.name.startsWith("base-"));
    assert.deepEqual(base.map((r) => (r.inputs.metadata as { name: string }).name).sort(), [
      API,
      AGENT,
      WATCHER,
    ]);
    for (const r of base) {
      assert.equal((r.inputs.metadata as { namespace: string }).namespace, "tekton-pipelines");
      assert.ok(pulumi.runtime.isRpcSecret(r.inputs.spec), "derived from secrets: kept secret");
      assert.deepEqual(Object.keys(annotationsOf(r)), [CONTENT_CHECKSUM_ANNOTATION], "owns one field only");
      assert.match(checksumOf(r), /^[0-9a-f]{64}$/);
    }
    assert.deepEqual(findPlaintext(base, [PASSWORD, "S1", tlsOf("base")["tls.key"]]), []);
  });

  void it("a new database password rolls the API and the retention agent, not the watcher", async () => {
    await settle();
    const [b, pw] = [checksums("base"), checksums("pw")];
    assert.notEqual(pw[API], b[API]);
    assert.notEqual(pw[AGENT], b[AGENT]);
    // The watcher reads only the TLS pair; base and pw have their own certificates (named per component).
    assert.equal(pw[WATCHER], contentChecksum({ tls: tlsOf("pw") }));
  });

  void it("a new S3 key rolls the API only", async () => {
    await settle();
    const [b, k] = [checksums("base"), checksums("s3key")];
    assert.notEqual(k[API], b[API]);
    // The agent's checksum covers db, tls and config only: equal to what base's would be with s3key's TLS.
    assert.equal(
      k[AGENT],
      contentChecksum({
        db: { POSTGRES_USER: "results", POSTGRES_PASSWORD: PASSWORD },
        tls: tlsOf("s3key"),
        config: { config: await apiConfigText("base") },
      }),
    );
  });

  void it("a renewed certificate rolls all three", async () => {
    await settle();
    const [b, r] = [checksums("base"), checksums("retention")];
    for (const w of [API, AGENT, WATCHER]) assert.notEqual(r[w], b[w], w);
  });

  void it("an unrelated change (retention settings in a watched ConfigMap) leaves the checksums alone", async () => {
    await settle();
    // Same everything as base but the name-keyed TLS pair: recompute base's API checksum with retention's pair.
    const tls = tlsOf("retention");
    const db = { POSTGRES_USER: "results", POSTGRES_PASSWORD: PASSWORD };
    const s3 = { S3_ACCESS_KEY_ID: "AKIA1", S3_SECRET_ACCESS_KEY: "S1" };
    const config = { config: await apiConfigText("base") };
    const r = checksums("retention");
    assert.equal(r[API], contentChecksum({ db, tls, s3, config }));
    assert.equal(r[AGENT], contentChecksum({ db, tls, config }));
    // And base's own checksum is the same function of base's content.
    const b = checksums("base");
    const baseTls = tlsOf("base");
    assert.equal(b[API], contentChecksum({ db, tls: baseTls, s3, config }));
  });

  void it("a changed API config (database host) rolls the API and the agent", async () => {
    await settle();
    const d = checksums("dbhost");
    const tls = tlsOf("dbhost");
    const db = { POSTGRES_USER: "results", POSTGRES_PASSWORD: PASSWORD };
    const sameConfig = { config: await apiConfigText("base") };
    assert.notEqual(d[AGENT], contentChecksum({ db, tls, config: sameConfig }));
    assert.equal(d[WATCHER], contentChecksum({ tls }));
  });

  void it("Pipelines as Code: a new App key rolls controller and watcher; an Ingress does not", async () => {
    await settle();
    const [one, two, ingress] = [checksums("pac1"), checksums("pac2"), checksums("pac3")];
    assert.deepEqual(Object.keys(one).sort(), [...PAC_APP_WORKLOADS].sort());
    for (const w of PAC_APP_WORKLOADS) {
      assert.notEqual(two[w], one[w], w);
      assert.equal(ingress[w], one[w], w);
    }
    assert.deepEqual(checksums("pacnone"), {}, "no App, no Secret, nothing to roll");
  });

  void it("Chains: the controller rolls with its signing key, not with chains-config", async () => {
    await settle();
    const [one, two] = [checksums("chains1"), checksums("chains2")];
    assert.deepEqual(Object.keys(one), [CHAINS_CONTROLLER]);
    assert.equal(
      one[CHAINS_CONTROLLER],
      contentChecksum({ "signing-secrets": secretData("chains1-signing-secrets") }),
    );
    // chains2 has another key (named per component) and another format; only the key counts.
    assert.equal(
      two[CHAINS_CONTROLLER],
      contentChecksum({ "signing-secrets": secretData("chains2-signing-secrets") }),
    );
  });

  void it("each patch is a child of its component, on the cluster's provider, after the component's release", async () => {
    await settle();
    const patches = resources.filter((x) => x.type === PATCH);
    assert.equal(patches.length, 5 * 3 + 3 * 2 + 2);
    for (const r of patches) {
      const g = graph.get(r.name);
      assert.ok(g, r.name);
      const component = r.name.slice(0, r.name.indexOf("-"));
      assert.equal(g.parent, component, r.name);
      assert.ok(
        g.dependsOn.includes(`${component}-release`),
        `${r.name} depends on ${g.dependsOn.join(", ")}`,
      );
      assert.ok(r.provider?.includes("::cluster::"), r.name);
    }
  });
});

/** The API config text a Results component rendered (its ConfigMap's data). */
async function apiConfigText(name: string): Promise<string> {
  const cm = resources.find(
    (r) => r.name === `${name}-api-config` && r.type === "kubernetes:core/v1:ConfigMap",
  );
  assert.ok(cm, `${name}-api-config`);
  return valueOf((cm.inputs.data as { config: string }).config);
}
