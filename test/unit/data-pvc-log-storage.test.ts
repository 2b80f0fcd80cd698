// PvcLogStorage: validation, and under mocks one claim in the Results namespace with the size and
// storage class from LogsConfig, on the region's provider.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { settle, setupMocks, valueOf } from "../helpers/mocks";
import { protectedOf, quiesce, recordRegistrations } from "../helpers/engine-recorder";
import type { LogsConfig } from "../../infra/config";
import { PvcLogStorage, validatePvcLogStorageArgs } from "../../components/data/pvc-log-storage";

const { resources } = setupMocks();
// Registrations as the engine receives them (with protect), from here on.
const registrations = recordRegistrations();

describe("PvcLogStorage", () => {
  test("validation", () => {
    const p = {} as k8s.Provider;
    assert.doesNotThrow(() => validatePvcLogStorageArgs({ provider: p }));
    assert.throws(() => validatePvcLogStorageArgs({ provider: p, size: "20GB" }), /size "20GB"/);
    assert.throws(() => validatePvcLogStorageArgs({ provider: p, claimName: "Logs" }), /claimName/);
  });

  test("a claim in the Results namespace with the configured size and class", async () => {
    const logsConfig: Extract<LogsConfig, { kind: "pvc" }> = {
      kind: "pvc",
      size: "50Gi",
      storageClassName: "standard",
    };
    const provider = new k8s.Provider("kind-east", { kubeconfig: "{}" });
    const logs = new PvcLogStorage("results", { ...logsConfig, provider });
    await settle();
    const claims = resources.filter((r) => r.type === "kubernetes:core/v1:PersistentVolumeClaim");
    assert.equal(claims.length, 1);
    const claim = claims[0];
    assert.match(claim.provider ?? "", /pulumi:providers:kubernetes::kind-east::/);
    const metadata = claim.inputs.metadata as {
      name: string;
      namespace: string;
      annotations: Record<string, string>;
    };
    assert.deepEqual([metadata.name, metadata.namespace], ["tekton-results-logs", "tekton-pipelines"]);
    assert.equal(metadata.annotations["pulumi.com/skipAwait"], "true");
    assert.deepEqual(claim.inputs.spec, {
      accessModes: ["ReadWriteOnce"],
      storageClassName: "standard",
      resources: { requests: { storage: "50Gi" } },
    });
    assert.equal(await valueOf(logs.claimName), "tekton-results-logs");
    assert.equal(await valueOf(logs.namespace), "tekton-pipelines");
  });

  test("defaults: 20Gi in the cluster's default class; custom namespace", async () => {
    const provider = new k8s.Provider("kind-west", { kubeconfig: "{}" });
    new PvcLogStorage("other", { provider, namespace: "results", claimName: "logs" });
    await settle();
    const claim = resources.filter((r) => r.name === "other-logs")[0];
    assert.equal((claim.inputs.metadata as { namespace: string }).namespace, "results");
    assert.deepEqual(claim.inputs.spec, {
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "20Gi" } },
    });
  });

  test("bad arguments fail with a ResourceError naming the component", () => {
    const provider = new k8s.Provider("kind-bad", { kubeconfig: "{}" });
    assert.throws(
      () => new PvcLogStorage("bad", { provider, size: "lots" }),
      (e: Error) => pulumi.ResourceError.isInstance(e) && /^PvcLogStorage bad: size/.test(e.message),
    );
  });
});

describe("PvcLogStorage protect", () => {
  test("protect: the claim; without it, nothing", async () => {
    const provider = new k8s.Provider("kind-protect", { kubeconfig: "{}" });
    new PvcLogStorage("guarded", { provider, protect: true });
    new PvcLogStorage("open", { provider, claimName: "open-logs" });
    await settle();
    await quiesce();
    assert.deepEqual(protectedOf(registrations, "guarded"), [
      "kubernetes:core/v1:PersistentVolumeClaim guarded-logs",
    ]);
    assert.deepEqual(protectedOf(registrations, "open"), []);
  });
});
