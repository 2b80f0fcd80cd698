// Tekton Results: the API config rendering (pure), the release edits (S3 keys as env, the logs volume,
// retention), and the component under mocks: secrets stay secrets, ordering after Pipelines and the database.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import fc from "fast-check";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { setupMocks, settle, valueOf } from "../helpers/mocks";
import { recordDependencies } from "../helpers/dependencies";
import { changedObjects } from "../helpers/objects";
import { findPlaintext, hasSecretEnvelope } from "../helpers/plaintext";
import { mockCa } from "../helpers/provider-mocks";
import { unwrap } from "../helpers/secrets";
import { findObject, type K8sObject, loadManifest, podContainers } from "../../components/manifests";
import { Pipelines } from "../../components/tekton/pipelines";
import {
  RESULTS_TYPE,
  Results,
  type ResultsApiConfig,
  renderResults,
  renderResultsApiConfig,
  resultsSettings,
  upstreamApiConfig,
} from "../../components/tekton/results";

const DB_PASSWORD = "db-pa55-word-XYZ";
const S3_SECRET = "s3-secret-access-key-QRS";
const S3_KEY_ID = "AKIAEXAMPLEKEYID";

// Keys and certificates are generated for real by the mocks (what the tls plugin returns).
const generatedSecrets: string[] = [];
const { resources } = setupMocks({ onSecret: (v) => generatedSecrets.push(v) });
const graph = recordDependencies();
const upstream = loadManifest("tekton-results", "release_base.yaml");
const upstreamConfig = upstreamApiConfig(upstream);
const envOf = (text: string) =>
  Object.fromEntries(
    text
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );

const cfg: ResultsApiConfig = {
  dbHost: "results.abc.us-east-1.rds.amazonaws.com",
  dbPort: 5432,
  dbName: "tekton_results",
  dbSslMode: "require",
  logs: { type: "S3", bucket: "logs-bucket", region: "us-east-1", endpoint: "" },
};

void describe("renderResultsApiConfig", () => {
  void test("sets the database and log keys, keeps every other upstream line as is", () => {
    const out = renderResultsApiConfig(upstreamConfig, cfg);
    const env = envOf(out);
    assert.equal(env.DB_HOST, cfg.dbHost);
    assert.equal(env.DB_PORT, "5432");
    assert.equal(env.DB_NAME, "tekton_results");
    assert.equal(env.DB_SSLMODE, "require");
    assert.equal(env.LOGS_API, "true");
    assert.equal(env.LOGS_TYPE, "S3");
    assert.equal(env.S3_BUCKET_NAME, "logs-bucket");
    assert.equal(env.S3_REGION, "us-east-1");
    const changed = new Set([
      "DB_HOST",
      "DB_PORT",
      "DB_NAME",
      "DB_SSLMODE",
      "LOGS_API",
      "LOGS_TYPE",
      "S3_BUCKET_NAME",
      "S3_REGION",
    ]);
    const before = upstreamConfig.split("\n");
    const after = out.split("\n");
    assert.equal(after.length, before.length);
    after.forEach((line, i) => {
      if (!changed.has(line.split("=")[0])) assert.equal(line, before[i]);
    });
  });

  void test("credentials are never in the file: they come from Secrets as env", () => {
    const env = envOf(renderResultsApiConfig(upstreamConfig, cfg));
    for (const k of ["DB_USER", "DB_PASSWORD", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"])
      assert.equal(env[k], "", k);
  });

  void test("File logs point LOGS_PATH at the mounted volume and clear the S3 keys", () => {
    const env = envOf(
      renderResultsApiConfig(upstreamConfig, { ...cfg, logs: { type: "File", path: "/logs" } }),
    );
    assert.equal(env.LOGS_TYPE, "File");
    assert.equal(env.LOGS_PATH, "/logs");
    assert.equal(env.S3_BUCKET_NAME, "");
  });

  void test("values that would break the env file are refused, naming the key", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }).filter((s) => /[\s'"`$\\#]/.test(s)),
        (host) => {
          assert.throws(
            () => renderResultsApiConfig(upstreamConfig, { ...cfg, dbHost: host }),
            new RegExp(`${RESULTS_TYPE}: api config: .*DB_HOST`),
          );
        },
      ),
    );
    assert.throws(() => renderResultsApiConfig(upstreamConfig, { ...cfg, dbPort: 70000 }), /dbPort 70000/);
    assert.throws(() => renderResultsApiConfig("DB_HOST=\n", cfg), /upstream config has no DB_PORT/);
  });
});

void describe("renderResults", () => {
  const s3 = resultsSettings({
    logs: { kind: "s3", bucket: "b", region: "r", accessKeyId: "a", secretAccessKey: "s" },
  });
  const api = (objs: K8sObject[]) => findObject(objs, "Deployment", "tekton-results-api", "test");

  void test("drops the API ConfigMap (ours replaces it) and no bundled database is present", () => {
    const out = renderResults(upstream, s3);
    assert.equal(out.length, upstream.length - 1);
    assert.ok(!out.some((o) => o.metadata.name === "tekton-results-api-config"));
    assert.ok(!out.some((o) => o.kind === "StatefulSet" || o.metadata.name.includes("postgres")));
  });

  void test("S3: the keys reach the API container as env from the S3 Secret", () => {
    const env = podContainers(api(renderResults(upstream, s3)))[0].env as {
      name: string;
      valueFrom?: { secretKeyRef?: { name: string; key: string } };
    }[];
    for (const k of ["S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"])
      assert.deepEqual(env.find((e) => e.name === k)?.valueFrom?.secretKeyRef, {
        name: "tekton-results-s3",
        key: k,
      });
  });

  void test("PVC: the claim is mounted at /logs on the API container", () => {
    const out = renderResults(
      upstream,
      resultsSettings({ logs: { kind: "pvc", claimName: "results-logs" } }),
    );
    const pod = (api(out).spec as { template: { spec: { volumes: { name: string }[] } } }).template.spec;
    assert.deepEqual(
      pod.volumes.find((v) => v.name === "logs"),
      { name: "logs", persistentVolumeClaim: { claimName: "results-logs" } },
    );
    assert.deepEqual((podContainers(api(out))[0].volumeMounts as object[]).at(-1), {
      name: "logs",
      mountPath: "/logs",
    });
  });

  void test("retention: only the retention ConfigMap changes with the days", () => {
    const a = renderResults(
      upstream,
      resultsSettings({ retentionDays: 30, logs: { kind: "pvc", claimName: "l" } }),
    );
    const b = renderResults(
      upstream,
      resultsSettings({ retentionDays: 7, logs: { kind: "pvc", claimName: "l" } }),
    );
    assert.deepEqual(changedObjects(a, b), [
      "/ConfigMap/tekton-pipelines/tekton-results-config-results-retention-policy",
    ]);
    assert.equal(
      (
        findObject(b, "ConfigMap", "tekton-results-config-results-retention-policy", "t").data as Record<
          string,
          string
        >
      ).defaultRetention,
      "7",
    );
  });

  void test("bad settings are refused, naming the component", () => {
    assert.throws(
      () => resultsSettings({ retentionDays: 0, logs: { kind: "pvc", claimName: "l" } }),
      /tekton:Results: retentionDays = 0/,
    );
    assert.throws(
      () => resultsSettings({ retentionRunAt: "daily", logs: { kind: "pvc", claimName: "l" } }),
      /5-field cron/,
    );
    assert.throws(() => resultsSettings({ logs: { kind: "pvc", claimName: "Bad_Name" } }), /claimName/);
  });
});

void describe("Results component (mocks)", () => {
  const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
  const pipelines = new Pipelines("tekton", { provider });
  const database = new k8s.core.v1.Service("rds-instance", { metadata: { name: "db" } }, { provider });
  const results = new Results("results", {
    provider,
    pipelines,
    database: [database],
    dbHost: "db.example.internal",
    dbUser: "results",
    dbPassword: DB_PASSWORD,
    logs: {
      kind: "s3",
      bucket: "logs",
      region: "us-east-1",
      accessKeyId: S3_KEY_ID,
      secretAccessKey: S3_SECRET,
    },
  });

  void test("no password or key in plaintext anywhere in the registered inputs", async () => {
    await settle();
    await valueOf(results.caCertPem);
    assert.ok(generatedSecrets.length > 0, "the mocks generated the TLS key");
    assert.deepEqual(findPlaintext(resources, [DB_PASSWORD, S3_SECRET, S3_KEY_ID, ...generatedSecrets]), []);
    for (const n of ["results-db", "results-s3", "results-tls"]) {
      const r = resources.find((x) => x.name === n && x.type === "kubernetes:core/v1:Secret");
      assert.ok(r && hasSecretEnvelope(r), `${n} carries secret values`);
    }
  });

  void test("the Secrets and the API ConfigMap have upstream's names in tekton-pipelines", async () => {
    await settle();
    const meta = (n: string) =>
      resources.find((r) => r.name === n && r.type.startsWith("kubernetes:core"))?.inputs.metadata as {
        name: string;
        namespace: string;
      };
    assert.deepEqual(meta("results-db"), {
      name: "tekton-results-postgres",
      namespace: "tekton-pipelines",
      labels: { "app.kubernetes.io/part-of": "tekton-results" },
    });
    assert.equal(meta("results-tls").name, "tekton-results-tls");
    assert.equal(meta("results-s3").name, "tekton-results-s3");
    const cm = resources.find((r) => r.name === "results-api-config");
    assert.equal(meta("results-api-config").name, "tekton-results-api-config");
    const env = envOf((cm?.inputs.data as { config: string }).config);
    assert.equal(env.DB_HOST, "db.example.internal");
    assert.equal(env.DB_SSLMODE, "require");
    assert.equal(env.DB_NAME, "tekton-results");
    assert.equal(resources.find((r) => r.name === "results-tls")?.inputs.type, "kubernetes.io/tls");
  });

  void test("ordering: the release waits for Pipelines, the database, both Secrets and the config", async () => {
    await settle();
    const release = graph.get("results-release");
    assert.ok(release);
    for (const dep of [
      "tekton-release",
      "rds-instance",
      "results-db",
      "results-tls",
      "results-s3",
      "results-api-config",
    ])
      assert.ok(release.dependsOn.includes(dep), `results-release depends on ${dep}`);
    for (const child of ["results-db", "results-tls", "results-s3", "results-api-config"])
      assert.ok(
        graph.get(child)?.dependsOn.includes("tekton-release"),
        `${child} after Pipelines (its namespace)`,
      );
  });

  void test("exports the API endpoint and the certificate clients trust", async () => {
    assert.equal(
      results.apiEndpoint,
      "https://tekton-results-api-service.tekton-pipelines.svc.cluster.local:8080",
    );
    const tls = tlsSecret("results-tls");
    assert.equal(await valueOf(results.caCertPem), tls["tls.crt"]);
    assert.equal(results.namespace, "tekton-pipelines");
  });

  /** The tls.crt and tls.key of a kubernetes.io/tls Secret as registered. */
  const tlsSecret = (name: string) => {
    const r = resources.find((x) => x.name === name && x.type === "kubernetes:core/v1:Secret");
    return (unwrap(r?.inputs.stringData).value ?? {}) as Record<string, string>;
  };
  const SANS = [
    "DNS:tekton-results-api-service",
    "DNS:tekton-results-api-service.tekton-pipelines",
    "DNS:tekton-results-api-service.tekton-pipelines.svc",
    "DNS:tekton-results-api-service.tekton-pipelines.svc.cluster.local",
    "DNS:localhost",
  ].join(", ");

  void test("without a CA: a self-signed server certificate for the API's names, renewed 30 days early", async () => {
    await settle();
    const cert = resources.find((r) => r.name === "results-tls-cert");
    assert.equal(cert?.type, "tls:index/selfSignedCert:SelfSignedCert");
    assert.equal(cert.inputs.validityPeriodHours, 8760);
    assert.equal(cert.inputs.earlyRenewalHours, 720);
    assert.deepEqual(cert.inputs.allowedUses, ["digital_signature", "key_encipherment", "server_auth"]);
    assert.equal(cert.inputs.isCaCertificate, undefined);
    const pair = tlsSecret("results-tls");
    assert.match(pair["tls.key"], /^-----BEGIN PRIVATE KEY-----\n/);
    const x = new crypto.X509Certificate(pair["tls.crt"]);
    assert.ok(x.checkPrivateKey(crypto.createPrivateKey(pair["tls.key"])), "tls.key is tls.crt's key");
    assert.equal(x.ca, false);
    assert.equal(x.subjectAltName, SANS);
    assert.match(x.subject, /CN=tekton-results-api-service\.tekton-pipelines\.svc\.cluster\.local/);
  });

  void test("with a CA: a key, a CSR and a certificate the CA signed", async () => {
    const ca = await mockCa("results-test-ca");
    new Results("signed", {
      provider,
      pipelines,
      database: [database],
      dbHost: "db.example.internal",
      dbUser: "results",
      dbPassword: DB_PASSWORD,
      logs: { kind: "pvc", claimName: "logs" },
      tlsCa: { certPem: ca.certPem, privateKeyPem: pulumi.secret(ca.keyPem) },
      tlsValidityHours: 48,
    });
    await settle();
    await new Promise((r) => setTimeout(r, 200));
    await settle();
    const types = ["key", "csr", "cert"].map(
      (k) => resources.find((r) => r.name === `signed-tls-${k}`)?.type,
    );
    assert.deepEqual(types, [
      "tls:index/privateKey:PrivateKey",
      "tls:index/certRequest:CertRequest",
      "tls:index/locallySignedCert:LocallySignedCert",
    ]);
    const cert = resources.find((r) => r.name === "signed-tls-cert");
    assert.equal(cert?.inputs.earlyRenewalHours, 12, "a quarter of a short validity, not 30 days");
    assert.equal(unwrap(cert?.inputs.caPrivateKeyPem).secret, true);
    const pair = tlsSecret("signed-tls");
    const x = new crypto.X509Certificate(pair["tls.crt"]);
    assert.ok(x.verify(new crypto.X509Certificate(ca.certPem).publicKey), "signed by the CA");
    assert.ok(x.checkPrivateKey(crypto.createPrivateKey(pair["tls.key"])));
    assert.equal(x.subjectAltName, SANS);
  });

  void test("bad settings fail as a ResourceError naming the component", () => {
    assert.throws(
      () =>
        new Results("bad", {
          provider,
          pipelines,
          database: [],
          dbHost: "h",
          dbUser: "u",
          dbPassword: "p",
          retentionDays: 9999,
          logs: { kind: "pvc", claimName: "l" },
        }),
      (e: unknown) =>
        e instanceof pulumi.ResourceError && e.message.includes(`${RESULTS_TYPE}: retentionDays = 9999`),
    );
  });
});
