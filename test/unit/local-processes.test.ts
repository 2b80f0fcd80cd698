// local/processes.ts: the port plan, and how a Deployment of the pinned releases becomes a local process
// (args, env, volumes, credentials), checked against the upstream objects the stacks apply.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { type K8sObject, loadManifest, normalizeNamespaces } from "../../components/manifests";
import {
  type DeploymentObject,
  binaryForImage,
  expandVars,
  imageTag,
  launchScript,
  launchSpec,
  LOCAL_PROCESSES,
  localWebhookPorts,
  overrideArg,
  SERVICE_ACCOUNT_DIR,
  slotPorts,
} from "../../local/processes";

const releases = [
  ...loadManifest("tekton-pipeline", "release.yaml"),
  ...loadManifest("tekton-results", "release_base.yaml"),
  ...loadManifest("tekton-chains", "release.yaml"),
  ...loadManifest("tekton-triggers", "release.yaml"),
].map((o) => normalizeNamespaces([o])[0]);
const deployments = releases.filter(
  (o: K8sObject) => o.kind === "Deployment",
) as unknown as DeploymentObject[];
/** Every ConfigMap the releases ship, as the cluster would hold them. */
const configMaps = Object.fromEntries(
  releases
    .filter((o) => o.kind === "ConfigMap")
    .map((o) => [`ConfigMap/${o.metadata.name}`, (o.data ?? {}) as Record<string, string>]),
);
const find = (ns: string, name: string) => {
  const d = deployments.find((x) => x.metadata.namespace === ns && x.metadata.name === name);
  assert.ok(d, `${ns}/${name} is not in the pinned releases`);
  return d;
};
const secrets: Record<string, Record<string, string>> = {
  ...configMaps,
  "Secret/tekton-results-postgres": { POSTGRES_USER: "u", POSTGRES_PASSWORD: "p" },
  "Secret/tekton-results-tls": { "tls.crt": "CRT", "tls.key": "KEY" },
  "ConfigMap/tekton-results-api-config": { config: "DB_HOST=127.0.0.1" },
  "Secret/signing-secrets": { "x509.pem": "PEM" },
  "ConfigMap/config-logging": { "zap-logger-config": "{}" },
};
const ctx = (regionIndex = 0, data = secrets) => ({
  regionIndex,
  apiServerHost: "127.0.0.1",
  apiServerPort: 32100,
  data: (kind: "Secret" | "ConfigMap", name: string) => data[`${kind}/${name}`],
});

void describe("port plan", () => {
  test("no two processes of any two regions share a port, and none is a knative or kcp default", () => {
    const seen = new Map<number, string>();
    for (let region = 0; region < 10; region++)
      for (const p of LOCAL_PROCESSES)
        for (const port of Object.values(slotPorts(region, p.slot))) {
          assert.ok(!seen.has(port), `${port}: ${seen.get(port)} and ${region}/${p.name}`);
          seen.set(port, `${region}/${p.name}`);
          assert.ok(![8080, 8008, 9090, 8443, 6443, 15432].includes(port));
        }
    assert.equal(new Set(LOCAL_PROCESSES.map((p) => p.slot)).size, LOCAL_PROCESSES.length);
  });

  test("the webhook ports the stacks use are the webhook processes' serving ports", () => {
    const ports = localWebhookPorts(1);
    for (const p of LOCAL_PROCESSES.filter((x) => x.deployment in ports)) {
      const spec = launchSpec(p, find(p.namespace, p.deployment), ctx(1));
      assert.equal(spec.env.WEBHOOK_PORT, String(ports[p.deployment]));
    }
    assert.throws(() => slotPorts(10, 0), /0 to 9/);
  });
});

void describe("launch spec from the upstream Deployment", () => {
  test("every process of the releases is found, with its binary and no missing input", () => {
    for (const p of LOCAL_PROCESSES.filter((x) => x.namespace !== "kcp-syncagent")) {
      const spec = launchSpec(p, find(p.namespace, p.deployment), ctx());
      assert.deepEqual(spec.missing, [], p.name);
      assert.equal(spec.binary, p.binary);
      assert.equal(spec.env.KUBERNETES_SERVICE_HOST, "127.0.0.1");
      assert.equal(spec.env.KUBERNETES_SERVICE_PORT, "32100");
    }
  });

  test("the pipelines controller keeps upstream's image flags and gets fieldRef and port env", () => {
    const p = LOCAL_PROCESSES.find((x) => x.name === "pipelines-controller")!;
    const spec = launchSpec(p, find("tekton-pipelines", "tekton-pipelines-controller"), ctx(1));
    assert.equal(spec.args[spec.args.indexOf("-entrypoint-image") + 1].split(":").pop(), "v1.15.0");
    assert.equal(spec.env.SYSTEM_NAMESPACE, "tekton-pipelines");
    assert.equal(spec.env.PROBES_PORT, String(slotPorts(1, 0).probes));
    assert.equal(spec.env.METRICS_PROMETHEUS_HOST, "127.0.0.1");
    assert.deepEqual(
      spec.mounts.map((m) => m.mountPath),
      ["/etc/config-logging", "/etc/config-registry-cert"],
    );
  });

  test("the results API reads its DB credentials from the Secret and mounts config and TLS", () => {
    const p = LOCAL_PROCESSES.find((x) => x.name === "results-api")!;
    const spec = launchSpec(p, find("tekton-pipelines", "tekton-results-api"), ctx());
    assert.equal(spec.env.DB_USER, "u");
    assert.equal(spec.env.DB_PASSWORD, "p");
    assert.equal(spec.env.SERVER_PORT, String(slotPorts(0, 4).serving));
    assert.deepEqual(spec.mounts.find((m) => m.mountPath === "/etc/tls")?.files, {
      "tls.crt": "CRT",
      "tls.key": "KEY",
    });
    assert.equal(spec.serviceAccount, "tekton-results-api");
  });

  test("the watcher's $(VAR) args expand to the local API address", () => {
    const p = LOCAL_PROCESSES.find((x) => x.name === "results-watcher")!;
    const spec = launchSpec(p, find("tekton-pipelines", "tekton-results-watcher"), ctx());
    assert.equal(spec.args[spec.args.indexOf("-api_addr") + 1], `localhost:${slotPorts(0, 4).serving}`);
    assert.equal(spec.args[spec.args.indexOf("-auth_mode") + 1], "token");
  });

  test("chains mounts its signing key where the controller reads it", () => {
    const p = LOCAL_PROCESSES.find((x) => x.name === "chains-controller")!;
    const spec = launchSpec(p, find("tekton-chains", "tekton-chains-controller"), ctx());
    assert.deepEqual(spec.mounts.find((m) => m.mountPath === "/etc/signing-secrets")?.files, {
      "x509.pem": "PEM",
    });
  });

  test("a missing Secret is reported, not guessed", () => {
    const p = LOCAL_PROCESSES.find((x) => x.name === "results-api")!;
    const spec = launchSpec(p, find("tekton-pipelines", "tekton-results-api"), ctx(0, {}));
    assert.deepEqual(spec.missing.sort(), [
      "ConfigMap tekton-pipelines/tekton-results-api-config",
      "Secret tekton-pipelines/tekton-results-postgres key POSTGRES_PASSWORD",
      "Secret tekton-pipelines/tekton-results-postgres key POSTGRES_USER",
      "Secret tekton-pipelines/tekton-results-tls",
    ]);
  });
});

void describe("helpers", () => {
  test("the build follows the image tag: an older release where its build exists, else the current one", () => {
    assert.equal(imageTag("ghcr.io/tektoncd/pipeline/controller-x:v1.14.1@sha256:ab"), "v1.14.1");
    assert.equal(imageTag("localhost:5000/controller"), undefined);
    const built = new Set(["c", "c-v1.14.1"]);
    assert.equal(
      binaryForImage("c", "r/controller:v1.14.1", (b) => built.has(b)),
      "c-v1.14.1",
    );
    assert.equal(
      binaryForImage("c", "r/controller:v1.15.0", (b) => built.has(b)),
      "c",
    );
    assert.equal(
      binaryForImage("c", "localhost:5000/controller", (b) => built.has(b)),
      "c",
    );
  });

  test("expandVars follows Kubernetes: $(VAR) known, unknown kept, $$ escapes", () => {
    assert.equal(expandVars("$(A)-$(B)-$$(A)", { A: "x" }), "x-$(B)-$(A)");
    fc.assert(
      fc.property(
        fc.string().filter((s) => !s.includes("$")),
        (s) => expandVars(s, { A: "1" }) === s,
      ),
    );
  });

  test("overrideArg replaces both flag forms and appends when absent", () => {
    assert.deepEqual(overrideArg(["--a", "1", "--b=2"], "--a", "9"), ["--a", "9", "--b=2"]);
    assert.deepEqual(overrideArg(["--a", "1", "--b=2"], "--b", "9"), ["--a", "1", "--b=9"]);
    assert.deepEqual(overrideArg([], "--c", "3"), ["--c=3"]);
  });

  test("the launch script bind-mounts every directory and runs the binary in a clean, quoted environment", () => {
    const script = launchScript(
      {
        binary: "b",
        image: "i",
        args: ["-x", "it's"],
        env: { A: "1 2" },
        mounts: [],
        serviceAccount: "sa",
        missing: [],
      },
      "/bin/b",
      { [SERVICE_ACCOUNT_DIR]: "/tmp/sa" },
    );
    assert.match(script, /mount --make-rprivate \//);
    assert.match(script, new RegExp(`mount --bind /tmp/sa ${SERVICE_ACCOUNT_DIR}`));
    assert.match(script, /exec env -i .*'A=1 2' \/bin\/b -x 'it'\\''s'/);
  });

  test("a file is bound over an existing one before any directory (which could hide its source)", () => {
    const spec = {
      binary: "b",
      image: "i",
      args: [],
      env: {},
      mounts: [],
      serviceAccount: "sa",
      missing: [],
    };
    const script = launchScript(spec, "/bin/b", { "/tmp": "/run/x/tmp" }, { "/etc/hosts": "/run/x/hosts" });
    const lines = script.split("\n");
    const file = lines.indexOf("mount --bind /run/x/hosts /etc/hosts");
    assert.ok(file > 0 && file < lines.indexOf("mount --bind /run/x/tmp /tmp"), script);
    assert.ok(!lines.includes("mkdir -p /etc/hosts"), "no directory is made for a file");
  });

  test("a StatefulSet member's pod name and IP reach its fieldRef env and $(VAR) args", () => {
    const sts: DeploymentObject = {
      metadata: { name: "etcd", namespace: "kcp" },
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: "etcd",
                args: ["--name=$(POD_NAME)", "--ip=$(POD_IP)"],
                env: [
                  { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                  { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
                ],
              },
            ],
          },
        },
      },
    };
    const proc = { ...LOCAL_PROCESSES[0], overrides: () => ({}) };
    const member = launchSpec(proc, sts, { ...ctx(), pod: { name: "etcd-2", ip: "127.0.0.22" } });
    assert.deepEqual(member.args, ["--name=etcd-2", "--ip=127.0.0.22"]);
    assert.equal(member.env.HOSTNAME, "etcd-2");
    assert.deepEqual(launchSpec(proc, sts, ctx()).args, ["--name=etcd-local", "--ip=127.0.0.1"]);
  });
});
