// Rotation reaches kcp pods: every kcp server workload (root shard, cache server, front-proxy, region
// shard) and every etcd StatefulSet carries, in its pod template, the checksum of exactly the Secrets and
// ConfigMaps it mounts, recomputed here from what the stack registers for them. kcp and etcd read their
// certificates and kubeconfigs once, at start: a renewed certificate changes a mounted Secret, so the
// checksum, so the pod template, and the workload rolls.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fc from "fast-check";
import * as k8s from "@pulumi/kubernetes";
import { type Registered, settle, setupMocks } from "../helpers/mocks";
import { unwrap } from "../helpers/secrets";
import { CONFIG_CHECKSUM_ANNOTATION, configChecksum } from "../../components/kcp/checksum";
import { Root } from "../../components/kcp/root";
import { Shard } from "../../components/kcp/shard";
import { SHARD_CERT_KINDS, type ShardCertificates } from "../../components/kcp/enrollment";

// A "renewal" is a new render: the tls mocks generate new keys and certificates for every resource, and the
// home stack's signature on a region's requests is a new generation of certificates.
let generation = 0;
const { resources } = setupMocks({
  outputs: {
    "kubernetes:core/v1:Service": (a) =>
      (a.inputs.spec as { type?: string }).type === "LoadBalancer"
        ? { status: { loadBalancer: { ingress: [{ hostname: `${a.name}.lb.example.com` }] } } }
        : {},
  },
});

/** What the home stack signed for a region's shard, this generation (the shard only mounts them). */
const signedCertificates = (shardName: string) =>
  Object.fromEntries(
    SHARD_CERT_KINDS.map((k) => [
      k,
      `-----BEGIN CERTIFICATE-----\n${shardName}-${k}-${generation}\n-----END CERTIFICATE-----\n`,
    ]),
  ) as ShardCertificates;

interface PodTemplate {
  metadata?: { annotations?: Record<string, string> };
  spec: { volumes?: { secret?: { secretName: string }; configMap?: { name: string } }[] };
}

/** The pod templates of the workloads registered under `prefix`, by Pulumi name. */
function workloads(prefix: string): Map<string, PodTemplate> {
  const out = new Map<string, PodTemplate>();
  for (const r of resources)
    if (
      r.name.startsWith(prefix) &&
      (r.type === "kubernetes:apps/v1:Deployment" || r.type === "kubernetes:apps/v1:StatefulSet")
    )
      out.set(r.name, (unwrap(r.inputs).value as { spec: { template: PodTemplate } }).spec.template);
  return out;
}

/** What a Secret or ConfigMap registered under `prefix` holds, by object name. */
function filesOf(prefix: string): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const r of resources as Registered[]) {
    if (!r.name.startsWith(prefix)) continue;
    const v = unwrap(r.inputs).value as {
      metadata?: { name?: string };
      stringData?: Record<string, string>;
      data?: Record<string, string>;
    };
    if (r.type === "kubernetes:core/v1:Secret") out.set(v.metadata!.name!, v.stringData ?? {});
    if (r.type === "kubernetes:core/v1:ConfigMap") out.set(v.metadata!.name!, v.data ?? {});
  }
  return out;
}

/**
 * The checksum a template must carry: over each mounted Secret/ConfigMap's files; etcd's client Secret
 * (owned by the Etcd component) counts by its own checksum, the one etcd's members carry for theirs.
 */
function expectedChecksum(t: PodTemplate, files: Map<string, Record<string, string>>): string {
  const sources: Record<string, Record<string, string>> = {};
  for (const v of t.spec.volumes ?? []) {
    const name = v.secret?.secretName ?? v.configMap?.name;
    if (!name) continue;
    const f = files.get(name);
    assert.ok(f, `mounted ${name} is not registered`);
    sources[name] = name === "etcd-client-tls" ? { checksum: configChecksum({ [name]: f }) } : f;
  }
  return configChecksum(sources);
}

describe("configChecksum", () => {
  test("any change to any file changes it; key order does not", () => {
    const files = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 40 }), {
      minKeys: 1,
    });
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), files, { minKeys: 1 }),
        fc.string({ maxLength: 40 }),
        (sources, extra) => {
          const reversed = Object.fromEntries(
            Object.entries(sources)
              .reverse()
              .map(([k, v]) => [k, Object.fromEntries(Object.entries(v).reverse())]),
          );
          assert.equal(configChecksum(reversed), configChecksum(sources));
          const name = Object.keys(sources)[0];
          const file = Object.keys(sources[name])[0];
          const changed = {
            ...sources,
            [name]: { ...sources[name], [file]: `${sources[name][file]}!${extra}` },
          };
          assert.notEqual(configChecksum(changed), configChecksum(sources));
        },
      ),
    );
  });
});

describe("kcp workloads roll when what they mount changes", () => {
  const cluster = new k8s.Provider("rot-cluster", { kubeconfig: "{}" });
  const kcp = new k8s.Provider("rot-kcp", { kubeconfig: "{}" });

  const render = async (suffix: string) => {
    const root = new Root(`rot${suffix}`, { provider: cluster, externalUrl: "https://kcp.example.com" });
    // The home region's shard, signed with the fleet CAs in this stack.
    new Shard(`rotshard${suffix}`, {
      region: `rotshard${suffix}`,
      kcpProvider: kcp,
      provider: cluster,
      fleet: root.home,
      signer: root.signer,
    });
    // Another region's shard, running with the certificates the home stack signed for it.
    new Shard(`rotregion${suffix}`, {
      region: `rotregion${suffix}`,
      kcpProvider: kcp,
      provider: cluster,
      fleet: root.home,
      adminCertificateRequest:
        "-----BEGIN CERTIFICATE REQUEST-----\nadmin\n-----END CERTIFICATE REQUEST-----\n",
      certificates: signedCertificates(`rotregion${suffix}`),
    });
    await settle();
    await new Promise((r) => setTimeout(r, 200));
    await settle();
  };

  test("each pod template carries the checksum of exactly the Secrets and ConfigMaps it mounts", async () => {
    await render("a");
    for (const prefix of ["rota-", "rotsharda-", "rotregiona-"]) {
      const files = filesOf(prefix);
      const ws = workloads(prefix);
      assert.ok(ws.size >= (prefix === "rota-" ? 4 : 2), `${prefix}: kcp and etcd workloads`);
      for (const [name, t] of ws) {
        const got = t.metadata?.annotations?.[CONFIG_CHECKSUM_ANNOTATION];
        assert.match(got ?? "", /^[0-9a-f]{64}$/, `${name} has a checksum annotation`);
        assert.equal(got, expectedChecksum(t, files), `${name}: checksum of what it mounts`);
      }
    }
  });

  test("renewed certificates change every workload's pod template", async () => {
    generation = 1;
    await render("b");
    const before = [...workloads("rota-"), ...workloads("rotsharda-"), ...workloads("rotregiona-")];
    const after = new Map([...workloads("rotb-"), ...workloads("rotshardb-"), ...workloads("rotregionb-")]);
    assert.ok(before.length >= 8);
    for (const [name, t] of before) {
      const renewed = after.get(
        name
          .replace(/^rota-/, "rotb-")
          .replace(/^rotsharda-/, "rotshardb-")
          .replace(/^rotregiona-/, "rotregionb-"),
      );
      assert.ok(renewed, `${name} rendered again`);
      assert.notEqual(
        renewed.metadata?.annotations?.[CONFIG_CHECKSUM_ANNOTATION],
        t.metadata?.annotations?.[CONFIG_CHECKSUM_ANNOTATION],
        `${name} rolls`,
      );
    }
  });
});
