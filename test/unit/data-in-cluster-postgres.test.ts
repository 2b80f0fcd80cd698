// InClusterPostgres: the rendered StatefulSet (pinned image, volume, resources, non-root and locked
// down), validation, and under mocks the namespace, Secret (password a secret), Services and the
// outputs a Results install needs.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { Registered, settle, setupMocks, valueOf } from "../helpers/mocks";
import { protectedOf, quiesce, recordRegistrations } from "../helpers/engine-recorder";
import { unwrap } from "../helpers/secrets";
import type { DatabaseConfig } from "../../infra/config";
import {
  DEFAULT_POSTGRES_IMAGE,
  DEFAULT_RESOURCES,
  InClusterPostgres,
  InClusterPostgresArgs,
  renderStatefulSetSpec,
  validateInClusterPostgresArgs,
} from "../../components/data/in-cluster-postgres";

const { resources } = setupMocks();
// Registrations as the engine receives them (with protect), from here on.
const registrations = recordRegistrations();

/** What DB_PASSWORD_ARGS draws (generated for real by the mocks): 32 letters and digits, each class present. */
const DB_PASSWORD = /^(?=.*[a-z])(?=.*[A-Z])(?=.*[0-9])[A-Za-z0-9]{32}$/;

const dbConfig: Extract<DatabaseConfig, { kind: "in-cluster" }> = {
  kind: "in-cluster",
  storageSize: "20Gi",
  storageClassName: "fast",
};

const render = (extra: Partial<Parameters<typeof renderStatefulSetSpec>[0]> = {}) =>
  renderStatefulSetSpec({
    serviceName: "pg-headless",
    secretName: "pg-credentials",
    image: DEFAULT_POSTGRES_IMAGE,
    storageSize: "20Gi",
    storageClassName: "fast",
    resources: DEFAULT_RESOURCES,
    databaseName: "tekton_results",
    labels: { app: "pg" },
    ...extra,
  });

describe("InClusterPostgres rendering and validation", () => {
  test("StatefulSet: one replica, pinned image, claim size and class, resources", () => {
    const spec = render();
    assert.equal(spec.replicas, 1);
    assert.equal(spec.serviceName, "pg-headless");
    assert.match(DEFAULT_POSTGRES_IMAGE, /:\d+\.\d+$/);
    const pod = (spec.template as k8s.types.input.core.v1.PodTemplateSpec)
      .spec as k8s.types.input.core.v1.PodSpec;
    const c = (pod.containers as k8s.types.input.core.v1.Container[])[0];
    assert.equal(c.image, DEFAULT_POSTGRES_IMAGE);
    assert.deepEqual(c.resources, DEFAULT_RESOURCES);
    const claim = (spec.volumeClaimTemplates as k8s.types.input.core.v1.PersistentVolumeClaim[])[0];
    assert.deepEqual(claim.spec, {
      accessModes: ["ReadWriteOnce"],
      storageClassName: "fast",
      resources: { requests: { storage: "20Gi" } },
    });
    assert.deepEqual(spec.selector, { matchLabels: { app: "pg" } });
  });

  test("pod and container run non-root, read-only, without privileges", () => {
    const pod = (render().template as k8s.types.input.core.v1.PodTemplateSpec)
      .spec as k8s.types.input.core.v1.PodSpec;
    assert.deepEqual(pod.securityContext, {
      runAsNonRoot: true,
      runAsUser: 999,
      runAsGroup: 999,
      fsGroup: 999,
      fsGroupChangePolicy: "OnRootMismatch",
      seccompProfile: { type: "RuntimeDefault" },
    });
    assert.equal(pod.automountServiceAccountToken, false);
    const c = (pod.containers as k8s.types.input.core.v1.Container[])[0];
    assert.deepEqual(c.securityContext, {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    const mounts = (c.volumeMounts as k8s.types.input.core.v1.VolumeMount[]).map((m) => m.mountPath);
    assert.deepEqual(mounts, ["/var/lib/postgresql/data", "/var/run/postgresql", "/tmp"]);
    const env = Object.fromEntries((c.env as k8s.types.input.core.v1.EnvVar[]).map((e) => [e.name, e]));
    assert.equal(env.PGDATA.value, "/var/lib/postgresql/data/pgdata");
    assert.deepEqual(env.POSTGRES_PASSWORD.valueFrom, {
      secretKeyRef: { name: "pg-credentials", key: "POSTGRES_PASSWORD" },
    });
    assert.equal(env.POSTGRES_PASSWORD.value, undefined, "the password is never inlined in the pod spec");
    assert.ok(c.readinessProbe && c.livenessProbe);
  });

  test("validation: pinned image, quantities, names", () => {
    const p = {} as k8s.Provider;
    const ok: InClusterPostgresArgs = { provider: p };
    assert.doesNotThrow(() => validateInClusterPostgresArgs(ok));
    assert.doesNotThrow(() =>
      validateInClusterPostgresArgs({ ...ok, image: "postgres@sha256:" + "a".repeat(64) }),
    );
    assert.doesNotThrow(() =>
      validateInClusterPostgresArgs({ ...ok, image: "registry:5000/pg:16.4-alpine" }),
    );
    assert.throws(() => validateInClusterPostgresArgs({ ...ok, image: "postgres:latest" }), /pinned/);
    assert.throws(() => validateInClusterPostgresArgs({ ...ok, image: "registry:5000/postgres" }), /pinned/);
    assert.throws(() => validateInClusterPostgresArgs({ ...ok, storageSize: "10GB" }), /storageSize/);
    assert.throws(
      () => validateInClusterPostgresArgs({ ...ok, resources: { requests: { cpu: "lots" } } }),
      /resources: cpu "lots"/,
    );
    assert.throws(() => validateInClusterPostgresArgs({ ...ok, namespace: "Tekton" }), /namespace/);
    assert.throws(() => validateInClusterPostgresArgs({ ...ok, name: "x".repeat(53) }), /name/);
    assert.throws(() => validateInClusterPostgresArgs({ ...ok, username: "pg_admin" }), /username/);
    assert.throws(() => validateInClusterPostgresArgs({ ...ok, databaseName: "a b" }), /databaseName/);
  });
});

describe("InClusterPostgres under mocks", () => {
  const under = (name: string) => (r: Registered) => r.name.startsWith(`${name}-`);
  const one = (rs: Registered[], type: string): Registered => {
    const found = rs.filter((r) => r.type === type);
    assert.equal(found.length, 1, `one ${type}, got ${found.length}`);
    return found[0];
  };

  test("namespace, Secret with a secret password, Services, StatefulSet; outputs for Results", async () => {
    const provider = new k8s.Provider("kind-east", { kubeconfig: "{}" });
    const db = new InClusterPostgres("results-db", { ...dbConfig, provider });
    await settle();
    const mine = resources.filter(under("results-db"));

    assert.deepEqual(
      (one(mine, "kubernetes:core/v1:Namespace").inputs.metadata as { name: string }).name,
      "tekton-results-db",
    );
    const secret = unwrap(one(mine, "kubernetes:core/v1:Secret").inputs);
    assert.equal(secret.secret, true, "the Secret's data reaches Kubernetes as a Pulumi secret");
    const stringData = (secret.value as { stringData: Record<string, string> }).stringData;
    assert.equal(stringData.POSTGRES_USER, "tekton");
    const password = stringData.POSTGRES_PASSWORD;
    assert.match(password, DB_PASSWORD);

    const services = mine.filter((r) => r.type === "kubernetes:core/v1:Service").map((r) => r.inputs);
    assert.deepEqual(
      services.map((s) => [
        (s.metadata as { name: string }).name,
        (s.spec as { clusterIP?: string }).clusterIP,
      ]),
      [
        ["tekton-results-postgres-headless", "None"],
        ["tekton-results-postgres", undefined],
      ],
    );
    const sts = one(mine, "kubernetes:apps/v1:StatefulSet").inputs;
    const spec = sts.spec as k8s.types.input.apps.v1.StatefulSetSpec;
    assert.equal(spec.serviceName, "tekton-results-postgres-headless");
    const claim = (spec.volumeClaimTemplates as k8s.types.input.core.v1.PersistentVolumeClaim[])[0];
    assert.equal((claim.spec as k8s.types.input.core.v1.PersistentVolumeClaimSpec).storageClassName, "fast");
    assert.equal(JSON.stringify(sts).includes(password), false, "no password in the StatefulSet");

    for (const r of mine.filter((x) => x.type.startsWith("kubernetes:")))
      assert.match(r.provider ?? "", /pulumi:providers:kubernetes::kind-east::/, r.name);

    assert.equal(await valueOf(db.host), "tekton-results-postgres.tekton-results-db.svc");
    assert.equal(await valueOf(db.port), 5432);
    assert.equal(await valueOf(db.database), "tekton_results");
    assert.equal(await valueOf(db.username), "tekton");
    assert.equal(await valueOf(db.secretName), "tekton-results-postgres-credentials");
    assert.equal(await pulumi.isSecret(db.password), true);
    assert.equal(await valueOf(db.password), password);
  });

  test("an existing namespace is used as is", async () => {
    const provider = new k8s.Provider("kind-west", { kubeconfig: "{}" });
    const db = new InClusterPostgres("other-db", {
      provider,
      namespace: "tekton-pipelines",
      createNamespace: false,
    });
    await settle();
    const mine = resources.filter(under("other-db"));
    assert.equal(mine.filter((r) => r.type === "kubernetes:core/v1:Namespace").length, 0);
    assert.equal(
      (one(mine, "kubernetes:core/v1:Secret").inputs.metadata as { namespace: string }).namespace,
      "tekton-pipelines",
    );
    assert.equal(await valueOf(db.host), "tekton-results-postgres.tekton-pipelines.svc");
  });

  test("bad arguments fail with a ResourceError naming the component", () => {
    const provider = new k8s.Provider("kind-bad", { kubeconfig: "{}" });
    assert.throws(
      () => new InClusterPostgres("bad", { provider, image: "postgres" }),
      (e: Error) => pulumi.ResourceError.isInstance(e) && /^InClusterPostgres bad: image/.test(e.message),
    );
  });
});

describe("InClusterPostgres protect", () => {
  test("protect: the StatefulSet only; without it, nothing", async () => {
    const provider = new k8s.Provider("kind-protect", { kubeconfig: "{}" });
    new InClusterPostgres("guarded", { provider, namespace: "guarded", protect: true });
    new InClusterPostgres("open", { provider, namespace: "open" });
    await settle();
    await quiesce();
    assert.deepEqual(protectedOf(registrations, "guarded"), ["kubernetes:apps/v1:StatefulSet guarded-sts"]);
    assert.deepEqual(protectedOf(registrations, "open"), []);
  });
});
