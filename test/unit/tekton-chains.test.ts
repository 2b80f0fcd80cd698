// Tekton Chains: upstream's empty signing-secrets is dropped and ours carries x509.pem; chains-config from
// settings; ordering namespace → signing secret → release, all after Pipelines; the key stays secret.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import fc from "fast-check";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { setupMocks, settle, valueOf } from "../helpers/mocks";
import { recordDependencies } from "../helpers/dependencies";
import { changedObjects, configGroupObjects } from "../helpers/objects";
import { findPlaintext, hasSecretEnvelope } from "../helpers/plaintext";
import { unwrap } from "../helpers/secrets";
import { findObject, type K8sObject, loadManifest } from "../../components/manifests";
import { Pipelines } from "../../components/tekton/pipelines";
import {
  CHAINS_TYPE,
  Chains,
  type ChainsFormat,
  type ChainsStorage,
  chainsConfig,
  renderChains,
} from "../../components/tekton/chains";

// The signing key is generated for real by the mocks (what tls.PrivateKey returns); its secret forms land here.
const generatedSecrets: string[] = [];
const { resources } = setupMocks({ onSecret: (v) => generatedSecrets.push(v) });
const graph = recordDependencies();
const upstream = loadManifest("tekton-chains", "release.yaml");
const config = (objs: K8sObject[]) =>
  findObject(objs, "ConfigMap", "chains-config", "t").data as Record<string, string>;

void describe("chainsConfig / renderChains", () => {
  void test("upstream's signing-secrets is dropped; nothing else is removed", () => {
    const { namespaces, rest } = renderChains(upstream, chainsConfig({}), "cloud");
    const all = [...namespaces, ...rest];
    assert.ok(
      upstream.some((o) => o.kind === "Secret" && o.metadata.name === "signing-secrets"),
      "upstream has it",
    );
    assert.ok(!all.some((o) => o.kind === "Secret" && o.metadata.name === "signing-secrets"));
    assert.equal(all.length, upstream.length - 1);
    assert.deepEqual(
      namespaces.map((o) => o.metadata.name),
      ["tekton-chains"],
    );
    assert.deepEqual(changedObjects(upstream, all), [
      "/ConfigMap/tekton-chains/chains-config",
      "/Namespace//tekton-chains",
      "/Secret/tekton-chains/signing-secrets",
    ]);
    // The namespace only gains its Pod Security Admission level (upstream ships none).
    assert.equal(namespaces[0].metadata.labels?.["pod-security.kubernetes.io/enforce"], "baseline");
  });

  void test("chains-config follows the settings: x509 signer, OCI signing only with oci storage", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<ChainsFormat>("in-toto", "slsa/v1", "slsa/v2alpha3", "slsa/v2alpha4"),
        fc.constantFrom<ChainsStorage>("tekton", "oci", "tekton,oci"),
        (format, storage) => {
          const data = config(
            renderChains(upstream, chainsConfig({ taskrunFormat: format, storage }), "cloud").rest,
          );
          assert.equal(data["artifacts.taskrun.format"], format);
          assert.equal(data["artifacts.taskrun.storage"], storage);
          assert.equal(data["artifacts.pipelinerun.storage"], storage);
          assert.equal(data["artifacts.taskrun.signer"], "x509");
          assert.equal(data["artifacts.oci.storage"], storage.includes("oci") ? "oci" : "");
        },
      ),
    );
  });

  void test("extra entries apply last; bad values are refused naming the component", () => {
    assert.equal(
      chainsConfig({ extraConfig: { "transparency.enabled": "true" } })["transparency.enabled"],
      "true",
    );
    assert.throws(
      () => chainsConfig({ taskrunFormat: "tekton" as ChainsFormat }),
      new RegExp(`${CHAINS_TYPE}: taskrunFormat = tekton`),
    );
    assert.throws(() => chainsConfig({ storage: "gcs" as ChainsStorage }), /storage = gcs/);
  });
});

void describe("Chains component (mocks)", () => {
  const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
  const pipelines = new Pipelines("tekton", { provider });
  const chains = new Chains("chains", { provider, pipelines, storage: "tekton,oci" });

  void test("our signing-secrets holds x509.pem from the key, as a secret; the release has none", async () => {
    await settle();
    const secret = resources.find((r) => r.name === "chains-signing-secrets");
    assert.ok(secret && hasSecretEnvelope(secret));
    assert.deepEqual(secret.inputs.metadata, {
      name: "signing-secrets",
      namespace: "tekton-chains",
      labels: { "app.kubernetes.io/instance": "default", "app.kubernetes.io/part-of": "tekton-chains" },
    });
    const release = resources.find((r) => r.name === "chains-release");
    const objs = configGroupObjects(release?.inputs);
    assert.equal(objs.filter((o) => o.kind === "Secret").length, 0);

    // x509.pem: PKCS#8 (Chains reads no other form), ECDSA P-256, the half of the published public key.
    const key = resources.find((r) => r.name === "chains-signing-key");
    assert.equal(key?.type, "tls:index/privateKey:PrivateKey");
    assert.deepEqual(key.inputs, { algorithm: "ECDSA", ecdsaCurve: "P256" });
    const x509Pem = (unwrap(secret.inputs.stringData).value as Record<string, string>)["x509.pem"];
    assert.match(x509Pem, /^-----BEGIN PRIVATE KEY-----\n/);
    const priv = crypto.createPrivateKey(x509Pem);
    assert.equal(priv.asymmetricKeyDetails?.namedCurve, "prime256v1");
    const publicKeyPem = await valueOf(chains.signingPublicKeyPem);
    assert.equal(crypto.createPublicKey(priv).export({ type: "spki", format: "pem" }), publicKeyPem);
    assert.ok(generatedSecrets.includes(x509Pem));
    assert.deepEqual(findPlaintext(resources, generatedSecrets), []);
  });

  void test("ordering: Pipelines → namespace → signing secret → release", async () => {
    await settle();
    assert.ok(graph.get("chains-namespace")?.dependsOn.includes("tekton-release"));
    assert.ok(graph.get("chains-signing-secrets")?.dependsOn.includes("chains-namespace"));
    const release = graph.get("chains-release")?.dependsOn ?? [];
    for (const d of ["tekton-release", "chains-namespace", "chains-signing-secrets"])
      assert.ok(release.includes(d), d);
  });

  void test("bad settings fail as a ResourceError", () => {
    assert.throws(
      () => new Chains("bad", { provider, pipelines, storage: "s3" as ChainsStorage }),
      (e: unknown) => e instanceof pulumi.ResourceError && e.message.includes("storage = s3"),
    );
  });
});
