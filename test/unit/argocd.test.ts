// Argo CD: install.yaml / ha/install.yaml into namespace argocd, repository credential Secrets from config
// secrets (label secret-type repository, values secret), order namespace → secrets and release.
import { configGroupObjects } from "../helpers/objects";
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { setupMocks, settle, valueOf } from "../helpers/mocks";
import { recordDependencies } from "../helpers/dependencies";
import { findPlaintext, hasSecretEnvelope } from "../helpers/plaintext";
import { CLUSTER_SCOPED_KINDS, loadManifest } from "../../components/manifests";
import {
  ARGOCD_TYPE,
  ArgoCd,
  argoCdFile,
  argoCdRepositoriesFromConfig,
  renderArgoCd,
  repositorySecretData,
  validateRepositories,
} from "../../components/gitops/argocd";

const PASSWORD = "git-token-ABC123";
const SSH_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nrepo-key\n-----END OPENSSH PRIVATE KEY-----";
const { resources } = setupMocks({
  config: {
    "pipeline-service:argocdRepositories": [
      { name: "platform", url: "https://github.com/example/platform.git" },
      { name: "tenants", url: "git@github.com:example/tenants.git" },
      { name: "public", url: "https://github.com/example/public.git" },
    ],
    "pipeline-service:argocdRepositoryCredentials": {
      platform: { username: "bot", password: PASSWORD },
      tenants: { sshPrivateKey: SSH_KEY },
    },
  },
});
const graph = recordDependencies();

void describe("renderArgoCd", () => {
  for (const [ha, count] of [
    [false, 59],
    [true, 70],
  ] as const) {
    void test(`${argoCdFile(ha)}: all ${count} objects, every namespaced one in argocd`, () => {
      const out = renderArgoCd(loadManifest("argo-cd", argoCdFile(ha)), "cloud");
      assert.equal(out.length, count);
      for (const o of out) {
        if (CLUSTER_SCOPED_KINDS.has(o.kind)) assert.equal(o.metadata.namespace, undefined, o.metadata.name);
        else assert.equal(o.metadata.namespace, "argocd", `${o.kind} ${o.metadata.name}`);
      }
      assert.ok(
        out.some(
          (o) => o.kind === "CustomResourceDefinition" && o.metadata.name === "applicationsets.argoproj.io",
        ),
      );
    });
  }

  void test("the ApplicationSet CRD is too big for client-side apply's annotation (so server-side apply)", () => {
    const crd = loadManifest("argo-cd", "install.yaml").find(
      (o) => o.metadata.name === "applicationsets.argoproj.io",
    );
    assert.ok(JSON.stringify(crd).length > 262144);
  });
});

void describe("validateRepositories", () => {
  void test("refuses bad names, duplicates, non-URLs and two credential kinds, naming the component", () => {
    assert.throws(
      () =>
        validateRepositories([
          { name: "Bad_Name", url: "https://x/y.git" },
          { name: "a", url: "https://x/a.git" },
          { name: "a", url: "ftp://x" },
          { name: "b", url: "https://x/b.git", password: "p", sshPrivateKey: "k" },
        ]),
      (e: unknown) => {
        const m = (e as Error).message;
        assert.ok(m.startsWith(`${ARGOCD_TYPE}: repositories:`));
        for (const part of [
          '"Bad_Name"',
          "a: duplicate name",
          'a: url "ftp://x"',
          "b: a password or an SSH key, not both",
        ])
          assert.ok(m.includes(part), part);
        return true;
      },
    );
    assert.doesNotThrow(() => validateRepositories([{ name: "ok", url: "ssh://git@host/repo.git" }]));
    // Config secrets are Outputs: checked once they resolve.
    assert.throws(
      () =>
        repositorySecretData(
          { name: "c", url: "https://x/c.git" },
          { username: "", password: "p", sshPrivateKey: "k" },
        ),
      new RegExp(`${ARGOCD_TYPE}: repositories: c: a password or an SSH key, not both`),
    );
  });
});

void describe("ArgoCd component (mocks)", () => {
  const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
  const argo = new ArgoCd("argocd", {
    provider,
    repositories: argoCdRepositoriesFromConfig(new pulumi.Config("pipeline-service")),
  });

  void test("one repository Secret per configured repository, labelled for Argo CD, values secret", async () => {
    await settle();
    const secrets = resources.filter((r) => r.type === "kubernetes:core/v1:Secret");
    assert.deepEqual(secrets.map((r) => r.name).sort(), [
      "argocd-repo-platform",
      "argocd-repo-public",
      "argocd-repo-tenants",
    ]);
    for (const s of secrets) {
      assert.ok(hasSecretEnvelope(s), s.name);
      const meta = s.inputs.metadata as { name: string; namespace: string; labels: Record<string, string> };
      assert.equal(meta.namespace, "argocd");
      assert.equal(meta.labels["argocd.argoproj.io/secret-type"], "repository");
      assert.match(meta.name, /^repo-/);
    }
    assert.deepEqual(findPlaintext(resources, [PASSWORD, SSH_KEY]), []);
  });

  void test("credentials land under Argo CD's keys; a public repository gets none", async () => {
    await settle();
    const data = (n: string) =>
      (resources.find((r) => r.name === n)?.inputs.stringData as { value: Record<string, string> }).value;
    assert.deepEqual(data("argocd-repo-platform"), {
      type: "git",
      url: "https://github.com/example/platform.git",
      username: "bot",
      password: PASSWORD,
    });
    assert.deepEqual(data("argocd-repo-tenants"), {
      type: "git",
      url: "git@github.com:example/tenants.git",
      sshPrivateKey: SSH_KEY,
    });
    assert.deepEqual(data("argocd-repo-public"), {
      type: "git",
      url: "https://github.com/example/public.git",
    });
  });

  void test("ordering: namespace before the release and the Secrets; explicit provider", async () => {
    await settle();
    assert.deepEqual(graph.get("argocd-release")?.dependsOn, ["argocd-namespace"]);
    for (const n of ["argocd-repo-platform", "argocd-repo-tenants", "argocd-repo-public"])
      assert.deepEqual(graph.get(n)?.dependsOn, ["argocd-namespace"]);
    const release = resources.find((r) => r.name === "argocd-release");
    assert.match(release?.provider ?? "", /pulumi:providers:kubernetes::cluster::/);
    assert.equal(configGroupObjects(release?.inputs).length, 59);
    assert.equal(
      (resources.find((r) => r.name === "argocd-namespace")?.inputs.metadata as { name: string }).name,
      "argocd",
    );
    assert.equal(argo.namespace, "argocd");
    assert.equal(await valueOf(pulumi.output(argo.serverServiceName)), "argocd-server");
  });

  void test("highAvailability picks ha/install.yaml", async () => {
    new ArgoCd("argocd-ha", { provider, highAvailability: true });
    await settle();
    assert.equal(
      configGroupObjects(resources.find((r) => r.name === "argocd-ha-release")?.inputs).length,
      70,
    );
  });
});
