// The cloud profile's kcp, run for real: the pod specs Root and Shard render (kcp-render.ts, under Pulumi
// mocks that issue real keys and certificates) are run with the real kcp, cache-server, kcp-front-proxy and
// etcd binaries on loopback through local/processes.ts (args and env as rendered, Secrets and ConfigMaps
// written to files and bind-mounted at their mountPaths in a private mount namespace). It shows the root
// shard ready, the region shard registered with the root, and a workspace scheduled onto the region shard
// by its labels and served through the front-proxy, to kcp-admin and to a ServiceAccount token of that
// workspace (what the region's api-syncagent presents; the front-proxy refused it until it stopped looking
// ServiceAccounts up on the root shard). The region shard is enrolled as in a fleet: it runs with its own
// keys and the certificates Root signed from its requests, reaches the root shard with its own identity
// (the kubeconfig below is the region's), and signs ServiceAccount tokens with its own key, which the
// front-proxy verifies with the public key the region published.
//
// What differs from a cluster, and nothing else:
//   - listen addresses: each pod gets its own loopback IP (127.0.0.20 upwards) and listens only there
//     (etcd --listen-client/peer/metrics-urls, kcp/cache-server/front-proxy --bind-address), so a local
//     environment on 127.0.0.1 may run at the same time;
//   - name resolution: each cluster's pods see a hosts file bound over /etc/hosts, made from the rendered
//     Services (`<svc>[.<ns>[.svc[.cluster.local]]]` → the first pod its selector matches, headless
//     `<pod>.<svc>.<ns>.svc` → each member); load balancer hostnames and the DNS names the root is
//     reached at (externalUrl → the front-proxy's Service, rootShardHostname → the root shard's) are in
//     both clusters' files, as cloud DNS would answer them;
//   - ports: no forwarding is needed: externalUrl uses port 6443, so every Service's port equals the
//     container port it targets (kcp servers 6443, etcd 2379/2380);
//   - replicas: one pod per Deployment; every etcd member of a StatefulSet (quorum), each with its
//     POD_NAME and data directory (the volume its claim template would give it);
//   - the Shard's label patch on kcp (Pulumi applies it) is applied with kubectl, server-side.
// Runs as root (unshare -m, bind mounts). Needs tools/build.sh etcd kcp.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { PROJECT_DIR, expectCode, run } from "./harness";
import { Fatal, waitFor } from "../helpers/wait";
import type { Rendered, RenderedObject } from "./kcp-render";
import {
  type DeploymentObject,
  type LaunchSpec,
  type LocalProcess,
  launchScript,
  launchSpec,
} from "../../local/processes";
import { renderRegionWorkspace, regionWorkspaceName } from "../../components/kcp/region-workspace";

const EXTERNAL_HOST = "kcp.render-run.test";
const ROOT_SHARD_HOST = "root.kcp.render-run.test";
const REGION = "aws-east";
const BIN_DIR = path.join(PROJECT_DIR, ".tools/bin");
const FIRST_IP = 20;

interface Container {
  name: string;
  command?: string[];
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
}
interface Workload {
  metadata: { name: string; namespace: string };
  spec: {
    replicas?: number;
    template: {
      metadata: { labels: Record<string, string> };
      spec: { containers: Container[]; volumes?: Record<string, unknown>[] };
    };
    volumeClaimTemplates?: { metadata: { name: string } }[];
  };
}
interface ServiceObject {
  metadata: { name: string; namespace: string };
  spec: { type?: string; clusterIP?: string; selector?: Record<string, string>; ports: { port: number }[] };
  status?: { loadBalancer?: { ingress?: { hostname?: string; ip?: string }[] } };
}
interface Pod {
  cluster: "home" | "region";
  name: string;
  namespace: string;
  ip: string;
  labels: Record<string, string>;
  workload: Workload;
  binary: string;
}

/** A pod's listen-address overrides: the only flags changed (see the header). */
function listenArgs(binary: string, ip: string): Record<string, string> {
  if (binary === "etcd")
    return {
      "--listen-client-urls": `https://${ip}:2379`,
      "--listen-peer-urls": `https://${ip}:2380`,
      "--listen-metrics-urls": `http://${ip}:2381`,
    };
  return { "--bind-address": ip };
}

const timings: Record<string, number> = {};
const t0 = Date.now();
const mark = (what: string) => {
  timings[what] = (Date.now() - t0) / 1000;
  console.log(`[kcp-render-run] ${what}: ${timings[what].toFixed(1)} s`);
};

/** Polls with errors retried (a server not yet listening); a Fatal error (a process exited) fails at once. */
const waitUntil = <T>(what: string, seconds: number, probe: () => T | undefined) =>
  waitFor(what, seconds, probe, { retryErrors: true });

void describe("kcp as rendered for the cloud, run with the real binaries", { concurrency: false }, () => {
  // Not under /tmp: each pod binds a fresh emptyDir over /tmp, which would hide its own Secrets' files.
  const dir = fs.mkdtempSync("/var/tmp/kcp-render-run-");
  const children: ChildProcess[] = [];
  let rendered: Rendered;
  const pods: Pod[] = [];
  const hostsFiles: Record<string, string> = {};

  const podOf = (cluster: string, workload: string) => {
    const p = pods.find((x) => x.cluster === cluster && x.workload.metadata.name === workload);
    assert.ok(p, `${cluster}: no pod of ${workload}`);
    return p;
  };
  const logOf = (p: Pod) => path.join(dir, p.cluster, p.name, "process.log");
  const tail = (p: Pod) => (fs.existsSync(logOf(p)) ? fs.readFileSync(logOf(p), "utf8").slice(-3000) : "");

  /** kubectl with a kubeconfig file, at `server` (an IP) verifying the certificate for `host`. */
  const kubectl = (kubeconfig: string, server: string, host: string, args: string[], input?: string) =>
    run("kubectl", ["--kubeconfig", kubeconfig, "--server", server, "--tls-server-name", host, ...args], {
      input,
    });
  const kubeconfigFile = (name: string, content: string) => {
    const f = path.join(dir, `${name}.kubeconfig`);
    fs.writeFileSync(f, content, { mode: 0o600 });
    return f;
  };

  /** Each binary's real path; copied into `dir` when it is under /tmp, which every pod's emptyDir hides. */
  const binaries: Record<string, string> = {};
  before(() => {
    for (const b of ["kcp", "cache-server", "kcp-front-proxy", "etcd"]) {
      assert.ok(fs.existsSync(path.join(BIN_DIR, b)), `${b} is not built: tools/build.sh etcd kcp`);
      binaries[b] = fs.realpathSync(path.join(BIN_DIR, b));
      if (binaries[b].startsWith("/tmp/")) {
        fs.mkdirSync(path.join(dir, "bin"), { recursive: true });
        fs.copyFileSync(binaries[b], path.join(dir, "bin", b));
        binaries[b] = path.join(dir, "bin", b);
      }
    }
    const out = path.join(dir, "rendered.json");
    expectCode(
      run("node", [
        "--import",
        "tsx",
        "test/integration/kcp-render.ts",
        out,
        `https://${EXTERNAL_HOST}:6443`,
        ROOT_SHARD_HOST,
        REGION,
      ]),
      0,
      "render Root and Shard under mocks",
    );
    rendered = JSON.parse(fs.readFileSync(out, "utf8")) as Rendered;
    mark("rendered");
  });

  after(async () => {
    for (const c of children) {
      try {
        process.kill(-c.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    }
    await new Promise((r) => setTimeout(r, 500));
    const left = children.filter((c) => {
      try {
        process.kill(-c.pid!, 0);
        return true;
      } catch {
        return false;
      }
    });
    fs.rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(
      left.map((c) => c.pid),
      [],
      "every process group is gone",
    );
  });

  test("root ready, region shard registered, a region workspace served through the front-proxy", async () => {
    const of = (cluster: string, type: string) =>
      rendered.objects.filter((o: RenderedObject) => o.cluster === cluster && o.type === type);

    // --- pods and their IPs ---------------------------------------------------------------------------
    let next = FIRST_IP;
    for (const cluster of ["home", "region"] as const) {
      for (const [type, kind] of [
        ["kubernetes:apps/v1:StatefulSet", "sts"],
        ["kubernetes:apps/v1:Deployment", "deploy"],
      ] as const) {
        for (const o of of(cluster, type)) {
          const w = o.value as unknown as Workload;
          const names =
            kind === "sts"
              ? [...Array(w.spec.replicas ?? 1).keys()].map((i) => `${w.metadata.name}-${i}`)
              : [`${w.metadata.name}-0`];
          for (const name of names) {
            // A StatefulSet's pods get a volume per claim template (as its controller adds them).
            const claims = (w.spec.volumeClaimTemplates ?? []).map((c) => ({
              name: c.metadata.name,
              persistentVolumeClaim: { claimName: `${c.metadata.name}-${name}` },
            }));
            const tpl = w.spec.template;
            const volumes = [...(tpl.spec.volumes ?? []), ...claims];
            pods.push({
              cluster,
              name,
              namespace: w.metadata.namespace,
              ip: `127.0.0.${next++}`,
              labels: tpl.metadata.labels,
              workload: { ...w, spec: { ...w.spec, template: { ...tpl, spec: { ...tpl.spec, volumes } } } },
              binary: path.basename(tpl.spec.containers[0].command![0]),
            });
          }
        }
      }
    }
    assert.deepEqual(
      pods.map((p) => `${p.cluster}/${p.name}:${p.binary}`).sort(),
      [
        "home/etcd-0:etcd",
        "home/etcd-1:etcd",
        "home/etcd-2:etcd",
        "home/kcp-cache-0:cache-server",
        "home/kcp-front-proxy-0:kcp-front-proxy",
        "home/kcp-root-0:kcp",
        "region/etcd-0:etcd",
        "region/etcd-1:etcd",
        "region/etcd-2:etcd",
        `region/kcp-${REGION}-0:kcp`,
      ],
      "what the two clusters run",
    );
    // Nothing else may hold the ports on all addresses (it would take our loopback IPs' connections).
    const ss = run("ss", ["-Hltn"]).stdout;
    for (const port of [2379, 2380, 2381, 6443])
      assert.ok(!new RegExp(`(0\\.0\\.0\\.0|\\*|\\[::\\]):${port}\\s`).test(ss), `:${port} is free\n${ss}`);

    // --- name resolution ------------------------------------------------------------------------------
    const matches = (sel: Record<string, string>, labels: Record<string, string>) =>
      Object.entries(sel).every(([k, v]) => labels[k] === v);
    const services = (cluster: string) =>
      of(cluster, "kubernetes:core/v1:Service").map((o) => o.value as unknown as ServiceObject);
    const lbEntries: string[] = [];
    const clusterEntries: Record<string, string[]> = { home: [], region: [] };
    for (const cluster of ["home", "region"] as const) {
      for (const s of services(cluster)) {
        const { name, namespace } = s.metadata;
        const selected = pods.filter(
          (p) => p.cluster === cluster && matches(s.spec.selector ?? {}, p.labels),
        );
        assert.ok(selected.length > 0, `${cluster}: Service ${namespace}/${name} selects no pod`);
        const first = selected[0].ip;
        const names = [
          name,
          `${name}.${namespace}`,
          `${name}.${namespace}.svc`,
          `${name}.${namespace}.svc.cluster.local`,
        ];
        clusterEntries[cluster].push(`${first} ${names.join(" ")}`);
        if (s.spec.clusterIP === "None")
          for (const p of selected)
            clusterEntries[cluster].push(
              `${p.ip} ${p.name}.${name}.${namespace}.svc ${p.name}.${name}.${namespace}.svc.cluster.local`,
            );
        for (const ing of s.status?.loadBalancer?.ingress ?? [])
          if (ing.hostname) lbEntries.push(`${first} ${ing.hostname}`);
        // The DNS records the root is reached at point at these Services' load balancers (root.ts).
        if (cluster === "home" && name === "kcp-front-proxy") lbEntries.push(`${first} ${EXTERNAL_HOST}`);
        if (cluster === "home" && name === "kcp-root") lbEntries.push(`${first} ${ROOT_SHARD_HOST}`);
      }
    }
    for (const cluster of ["home", "region"]) {
      hostsFiles[cluster] = path.join(dir, `${cluster}.hosts`);
      fs.writeFileSync(
        hostsFiles[cluster],
        ["127.0.0.1 localhost", ...clusterEntries[cluster], ...lbEntries, ""].join("\n"),
      );
    }

    // --- processes ------------------------------------------------------------------------------------
    const data = (cluster: string, namespace: string) => (kind: "Secret" | "ConfigMap", name: string) => {
      const type = kind === "Secret" ? "kubernetes:core/v1:Secret" : "kubernetes:core/v1:ConfigMap";
      const o = of(cluster, type).find((x) => {
        const m = (x.value as { metadata: { name: string; namespace: string } }).metadata;
        return m.name === name && m.namespace === namespace;
      });
      if (!o) return undefined;
      const v = o.value as { stringData?: Record<string, string>; data?: Record<string, string> };
      return kind === "Secret" ? v.stringData : v.data;
    };
    const start = (p: Pod) => {
      const proc: LocalProcess = {
        name: p.name,
        namespace: p.namespace,
        deployment: p.workload.metadata.name,
        binary: p.binary,
        slot: 0,
        crds: [],
        overrides: () => ({ args: listenArgs(p.binary, p.ip) }),
      };
      const spec: LaunchSpec = launchSpec(proc, p.workload as unknown as DeploymentObject, {
        regionIndex: 0,
        // Nothing here talks to the hosting cluster (automountServiceAccountToken: false).
        apiServerHost: "127.0.0.19",
        apiServerPort: 443,
        data: data(p.cluster, p.namespace),
        pod: { name: p.name, ip: p.ip },
      });
      assert.deepEqual(spec.missing, [], `${p.cluster}/${p.name}: everything it mounts is rendered`);
      // The container's command after the binary (`kcp start`) comes before its args.
      const command = p.workload.spec.template.spec.containers[0].command!;
      spec.args = [...command.slice(1), ...spec.args];
      const podDir = path.join(dir, p.cluster, p.name);
      fs.mkdirSync(podDir, { recursive: true });
      const dirs: Record<string, string> = {};
      spec.mounts.forEach((m, i) => {
        const target = path.join(podDir, "volumes", String(i));
        fs.mkdirSync(target, { recursive: true, mode: 0o700 });
        for (const [file, content] of Object.entries(m.files ?? {}))
          fs.writeFileSync(path.join(target, file), content, { mode: 0o600 });
        dirs[m.mountPath] = target;
      });
      const script = path.join(podDir, "launch.sh");
      fs.writeFileSync(
        script,
        launchScript(spec, binaries[p.binary], dirs, { "/etc/hosts": hostsFiles[p.cluster] }),
        { mode: 0o700 },
      );
      const out = fs.openSync(logOf(p), "a");
      // Its own process group, so after() kills it and anything it started.
      const child = spawn("unshare", ["-m", "sh", script], { stdio: ["ignore", out, out], detached: true });
      fs.closeSync(out);
      children.push(child);
      return child;
    };
    const startAll = (f: (p: Pod) => boolean) => pods.filter(f).forEach(start);
    const alive = (p: Pod) => {
      const c = children.find((x) => x.spawnargs.includes(path.join(dir, p.cluster, p.name, "launch.sh")));
      if (c && (c.exitCode !== null || c.signalCode !== null))
        throw new Fatal(`${p.cluster}/${p.name} exited ${c.exitCode ?? c.signalCode}:\n${tail(p)}`);
    };

    // etcd first (kcp and the cache server need it from their first request), then the root side.
    startAll((p) => p.binary === "etcd");
    for (const p of pods.filter((x) => x.binary === "etcd"))
      await waitUntil(`${p.cluster}/${p.name} ready`, 60, () => {
        alive(p);
        return run("curl", ["-sf", `http://${p.ip}:2381/readyz`]).code === 0 ? true : undefined;
      });
    mark("etcd clusters ready");
    startAll((p) => p.binary === "cache-server" || (p.cluster === "home" && p.binary === "kcp"));

    const rootKubeconfig = kubeconfigFile("root-shard", rendered.rootShardKubeconfig);
    const adminKubeconfig = kubeconfigFile("admin", rendered.adminKubeconfig);
    const root = podOf("home", "kcp-root");
    const rootAt = (p = "") => `https://${root.ip}:6443${p}`;
    await waitUntil("the root shard's /readyz", 180, () => {
      alive(root);
      alive(podOf("home", "kcp-cache"));
      const r = kubectl(rootKubeconfig, rootAt(), ROOT_SHARD_HOST, ["get", "--raw", "/readyz"]);
      if (r.code !== 0) throw new Error(r.out);
      return r.stdout.trim() === "ok" ? true : undefined;
    });
    mark("root shard ready");

    startAll((p) => p.binary === "kcp-front-proxy" || (p.cluster === "region" && p.binary === "kcp"));
    const shardPod = podOf("region", `kcp-${REGION}`);
    const shardAt = (p = "") => `https://${shardPod.ip}:6443${p}`;
    const shardHost = new URL(rendered.shardBaseUrl).hostname;
    // The region shard registers itself with the root: its Shard object, at the base URL Shard rendered.
    const shardObject = await waitUntil("the region shard's Shard object on root", 180, () => {
      alive(shardPod);
      const r = kubectl(rootKubeconfig, rootAt("/clusters/root"), ROOT_SHARD_HOST, [
        "get",
        "shards.core.kcp.io",
        rendered.shardName,
        "-o",
        "json",
      ]);
      if (r.code !== 0) throw new Error(r.out);
      return JSON.parse(r.stdout) as { spec: { baseURL: string; externalURL?: string } };
    });
    assert.equal(shardObject.spec.baseURL, rendered.shardBaseUrl);
    await waitUntil("the region shard's /readyz", 120, () => {
      alive(shardPod);
      const r = kubectl(rootKubeconfig, shardAt(), shardHost, ["get", "--raw", "/readyz"]);
      if (r.code !== 0) throw new Error(r.out);
      return r.stdout.trim() === "ok" ? true : undefined;
    });
    mark("region shard registered and ready");

    // The region labels Shard's patch claims on kcp (Pulumi applies it; here kubectl does, server-side).
    const patch = rendered.objects.find((o) => o.type === "kubernetes:core.kcp.io/v1alpha1:ShardPatch");
    assert.ok(patch, "Shard renders its label patch");
    expectCode(
      kubectl(
        rootKubeconfig,
        rootAt("/clusters/root"),
        ROOT_SHARD_HOST,
        ["apply", "--server-side", "--field-manager=pipeline-service", "-f", "-"],
        JSON.stringify(patch.value),
      ),
      0,
      "label the Shard object",
    );

    // --- a region workspace, through the front-proxy --------------------------------------------------
    const front = podOf("home", "kcp-front-proxy");
    const frontAt = (p: string) => `https://${front.ip}:6443${p}`;
    const ws = regionWorkspaceName(REGION);
    await waitUntil("the front-proxy to serve root", 120, () => {
      alive(front);
      const r = kubectl(adminKubeconfig, frontAt("/clusters/root"), EXTERNAL_HOST, [
        "get",
        "shards.core.kcp.io",
      ]);
      if (r.code !== 0) throw new Error(r.out);
      return true;
    });
    expectCode(
      kubectl(
        adminKubeconfig,
        frontAt("/clusters/root"),
        EXTERNAL_HOST,
        ["create", "-f", "-"],
        JSON.stringify(renderRegionWorkspace(REGION, false)),
      ),
      0,
      "create the region workspace through the front-proxy",
    );
    const workspace = await waitUntil(`workspace ${ws} Ready`, 120, () => {
      const r = kubectl(adminKubeconfig, frontAt("/clusters/root"), EXTERNAL_HOST, [
        "get",
        "workspaces.tenancy.kcp.io",
        ws,
        "-o",
        "json",
      ]);
      if (r.code !== 0) throw new Error(r.out);
      const w = JSON.parse(r.stdout) as {
        spec: { URL?: string; cluster?: string };
        status?: { phase?: string };
      };
      if (w.status?.phase !== "Ready") throw new Error(`phase ${w.status?.phase}`);
      return w;
    });
    mark("workspace ready");
    const cluster = workspace.spec.cluster;
    assert.ok(cluster, "the workspace names its logical cluster");
    // Scheduled on the region shard: that shard holds its LogicalCluster, the root shard does not.
    const logicalCluster = (at: string, host: string) =>
      kubectl(rootKubeconfig, at, host, ["get", "logicalclusters.core.kcp.io", "cluster", "-o", "name"]);
    expectCode(
      logicalCluster(shardAt(`/clusters/${cluster}`), shardHost),
      0,
      "LogicalCluster on the region shard",
    );
    assert.notEqual(logicalCluster(rootAt(`/clusters/${cluster}`), ROOT_SHARD_HOST).code, 0, "not on root");

    // Write and read an object in it through the front-proxy (kcp-admin, as clients do), then see it
    // stored on the region shard.
    const wsAt = frontAt(`/clusters/root:${ws}`);
    const inWorkspace = (kubeconfig: string, args: string[], what: string) =>
      expectCode(kubectl(kubeconfig, wsAt, EXTERNAL_HOST, args), 0, what);
    const readBack = ["get", "configmap", "render-run", "-o", "jsonpath={.data.written}"];
    inWorkspace(
      adminKubeconfig,
      ["create", "configmap", "render-run", "--from-literal=written=through-the-front-proxy"],
      "create a ConfigMap through the front-proxy",
    );
    const read = inWorkspace(adminKubeconfig, readBack, "read it back through the front-proxy");
    assert.equal(read.stdout, "through-the-front-proxy");
    const direct = expectCode(
      kubectl(rootKubeconfig, shardAt(`/clusters/${cluster}`), shardHost, [
        "get",
        "configmap",
        "render-run",
        "-o",
        "jsonpath={.data.written}",
      ]),
      0,
      "read it on the region shard",
    );
    assert.equal(direct.stdout, "through-the-front-proxy");
    mark("object written and read through the front-proxy");

    // A ServiceAccount token of the region workspace (signed by the region shard) authenticates at the
    // front-proxy: what the region's api-syncagent presents.
    const asAdmin = (args: string[], what: string) => inWorkspace(adminKubeconfig, args, what);
    asAdmin(["create", "serviceaccount", "probe"], "create a ServiceAccount");
    asAdmin(["create", "role", "probe", "--verb=get", "--resource=configmaps"], "create a Role");
    asAdmin(["create", "rolebinding", "probe", "--role=probe", "--serviceaccount=default:probe"], "bind it");
    const token = asAdmin(["create", "token", "probe"], "request a token").stdout.trim();
    const admin = parseYaml(rendered.adminKubeconfig) as {
      clusters: { cluster: { "certificate-authority-data": string } }[];
    };
    // The token alone, no client certificate (that would authenticate first); kubectl gets --server.
    const caData = admin.clusters[0].cluster["certificate-authority-data"];
    const tokenKubeconfig = kubeconfigFile(
      "probe",
      stringifyYaml({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "kcp", cluster: { "certificate-authority-data": caData } }],
        users: [{ name: "probe", user: { token } }],
        contexts: [{ name: "probe", context: { cluster: "kcp", user: "probe" } }],
        "current-context": "probe",
      }),
    );
    const byToken = inWorkspace(
      tokenKubeconfig,
      readBack,
      "read it with the ServiceAccount's token through the front-proxy",
    );
    assert.equal(byToken.stdout, "through-the-front-proxy");
    mark("ServiceAccount token through the front-proxy (total)");
    console.log(`[kcp-render-run] timings (s since start): ${JSON.stringify(timings)}`);
  });
});
