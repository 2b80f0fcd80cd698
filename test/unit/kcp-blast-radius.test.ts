// No fleet credential in a region (non-home) stack. Every shipped region stack goes through the enrollment a
// real fleet goes through, under mocks that generate real keys, CSRs and certificates:
//   1. the region's first run, with a home stack that has signed nothing for it: it publishes its request
//      (`kcpShardRequest`) and starts no shard;
//   2. the home stack's run, reading that request (kcp.regionStacks): it signs it, and its `kcp` output is
//      captured as the engine would store it;
//   3. the region's second run, reading that output: its shard starts with the certificates the home signed.
// Then every registered resource of both region runs (inputs and outputs, secrets unwrapped, base64 decoded,
// the home StackReference's outputs included) is searched for every private key the home stack generated
// (the fleet CAs', the ServiceAccount signing key, every client identity's) and for the home's kubeconfigs:
// none may be there. The home stack's export itself must hold no private key and no secret.
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { describe, it } from "node:test";
import { SHARD_CERT_KINDS, SHARD_REQUEST_OUTPUT, type ShardRequest } from "../../components/kcp/enrollment";
import { KCP_HOME_OUTPUT, type KcpHomeValue } from "../../components/kcp/home-reference";
import { PROJECT } from "../../infra/config";
import type { Registration } from "../helpers/engine-recorder";
import {
  STACK_NAMES,
  publishedOutputs,
  runRecordedWithOutputs,
  setupFleetMocks,
  shardNameOf,
  stackDocument,
  synthesizedHome,
} from "../helpers/fleet-mocks";
import { TLS_PRIVATE_KEY } from "../helpers/provider-mocks";
import { unwrap } from "../helpers/secrets";

setupFleetMocks();

const cloud = STACK_NAMES.filter((s) => !s.startsWith("local-"));
const HOME = cloud.find((s) => stackDocument(s)[`${PROJECT}:home`] === true)!;
const REGIONS = cloud.filter((s) => s !== HOME);
const qualified = (s: string) => `organization/${PROJECT}/${s}`;

/** The base64 body of each PEM block in `text`, whitespace removed. */
function pemBodies(text: string): string[] {
  return [...text.matchAll(/-----BEGIN [^-]+-----([\s\S]*?)-----END/g)].map((m) =>
    m[1].replace(/\s|\\n/g, ""),
  );
}

/** Everything a registration holds, flattened: JSON with escapes and whitespace removed, plus its base64 decoded. */
function haystack(r: Registration): string {
  const text = JSON.stringify([unwrap(r.inputs).value, unwrap(r.outputs).value]).replace(/\\n|\s/g, "");
  const decoded = Buffer.from(text.replace(/[^A-Za-z0-9+/=]/g, ""), "base64").toString("latin1");
  return text + decoded.replace(/\s/g, "");
}

/** "type name" of each registration holding one of `needles`. */
function holders(regs: Registration[], needles: string[]): string[] {
  return regs.filter((r) => needles.some((n) => haystack(r).includes(n))).map((r) => `${r.type} ${r.name}`);
}

void describe(
  "fleet credentials in region stacks: none, through a real enrollment",
  { concurrency: false },
  () => {
    const first = new Map<string, { regs: Registration[]; request: ShardRequest }>();
    let homeRegs: Registration[] = [];
    let home: KcpHomeValue;

    void it("there is a home stack and region stacks, and the home lists every region", () => {
      assert.ok(HOME && REGIONS.length >= 2);
      const listed = (stackDocument(HOME)[`${PROJECT}:kcp`] as { regionStacks?: string[] }).regionStacks;
      assert.deepEqual([...(listed ?? [])].sort(), REGIONS.map(qualified).sort());
    });

    void it("1. a region's first run publishes its request and starts no shard", async () => {
      publishedOutputs.set(qualified(HOME), {
        [KCP_HOME_OUTPUT]: {
          ...(await synthesizedHome()),
          shards: {},
        },
      });
      for (const stack of REGIONS) {
        const { registrations, outputs } = await runRecordedWithOutputs(stackDocument(stack));
        const request = unwrap(outputs.kcpShardRequest).value as ShardRequest;
        assert.equal(request.shardName, shardNameOf(stack));
        assert.deepEqual(Object.keys(request.certificateRequests).sort(), [...SHARD_CERT_KINDS].sort());
        assert.equal(outputs.kcpReady, false);
        const kinds = new Set(registrations.map((r) => r.type));
        assert.ok(
          !registrations.some(
            (r) =>
              /kubernetes:apps\/v1:(Deployment|StatefulSet)/.test(r.type) && r.name.includes("kcp-shard"),
          ),
          "no shard workload",
        );
        assert.ok(!kinds.has("kubernetes:tenancy.kcp.io/v1alpha1:Workspace"), "no workspace");
        first.set(stack, { regs: registrations, request });
      }
    });

    void it("2. the home stack signs each region's request and exports no credential", async () => {
      for (const stack of REGIONS)
        publishedOutputs.set(qualified(stack), { [SHARD_REQUEST_OUTPUT]: first.get(stack)!.request });
      const { registrations, outputs } = await runRecordedWithOutputs(stackDocument(HOME));
      homeRegs = registrations;
      const exported = outputs[KCP_HOME_OUTPUT];
      assert.equal(unwrap(exported).secret, false, "the home export is not a secret");
      assert.ok(!JSON.stringify(exported).includes("PRIVATE KEY"), "the home export holds no private key");
      home = unwrap(exported).value as KcpHomeValue;
      for (const stack of REGIONS) {
        const certs = home.shards[shardNameOf(stack)];
        assert.ok(certs, `${stack} is signed`);
        for (const kind of SHARD_CERT_KINDS) {
          // The certificate is for the key the region kept: its public key is the request's.
          const cert = new X509Certificate(certs[kind]);
          assert.ok(cert.subject.includes("CN="), kind);
        }
      }
      publishedOutputs.set(qualified(HOME), { [KCP_HOME_OUTPUT]: home });
    });

    for (const stack of REGIONS)
      void it(`3. ${stack}: the second run starts the shard, and no run holds a home key or kubeconfig`, async () => {
        const { registrations, outputs } = await runRecordedWithOutputs(stackDocument(stack));
        assert.equal(outputs.kcpReady, true);
        const tlsSecret = registrations.find(
          (r) => r.type === "kubernetes:core/v1:Secret" && r.name.endsWith("kcp-shard-server-tls"),
        );
        assert.ok(tlsSecret, "the shard's serving Secret exists");
        const signed = home.shards[shardNameOf(stack)].server;
        assert.ok(
          haystack(tlsSecret).includes(pemBodies(signed)[0]),
          "it holds the certificate the home signed",
        );

        const homeKeys = homeRegs
          .filter((r) => r.type === TLS_PRIVATE_KEY)
          .flatMap((r) => {
            const o = unwrap(r.outputs).value as Record<string, string>;
            return [o.privateKeyPem, o.privateKeyPemPkcs8].flatMap(pemBodies);
          });
        assert.ok(homeKeys.length >= 20, `the home stack's keys were collected (${homeKeys.length})`);
        const homeKubeconfigs = homeRegs
          .filter((r) => r.type === "kubernetes:core/v1:Secret" && r.name.includes("kcp-root"))
          .flatMap((r) =>
            Object.values(
              (unwrap(r.inputs).value as { stringData?: Record<string, string> }).stringData ?? {},
            ),
          )
          .filter((v) => v.includes("client-key-data"))
          .map((v) => /client-key-data:\s*(\S+)/.exec(v)?.[1] ?? "")
          .filter((v) => v.length > 0);
        assert.ok(homeKubeconfigs.length >= 3, "the home's kubeconfigs were collected");
        const regs = [...first.get(stack)!.regs, ...registrations];
        assert.deepEqual(holders(regs, homeKeys), [], "no home private key");
        assert.deepEqual(holders(regs, homeKubeconfigs), [], "no home kubeconfig");
      });

    void it("4. a running region the home stack no longer signs for refuses to remove its shard", async () => {
      const stack = REGIONS[0];
      const shards = { ...home.shards };
      delete shards[shardNameOf(stack)];
      publishedOutputs.set(qualified(HOME), { [KCP_HOME_OUTPUT]: { ...home, shards } });
      // This stack's own last outputs (under mocks every program runs as stack "test").
      publishedOutputs.set(`organization/${PROJECT}/test`, { kcpReady: true });
      await assert.rejects(
        runRecordedWithOutputs(stackDocument(stack)),
        new RegExp(`publishes no certificates for kcp shard "${shardNameOf(stack)}", which this region runs`),
      );
      // Not running yet (its first up): it publishes its request instead.
      publishedOutputs.set(`organization/${PROJECT}/test`, { kcpReady: false });
      assert.equal((await runRecordedWithOutputs(stackDocument(stack))).outputs.kcpReady, false);
      publishedOutputs.delete(`organization/${PROJECT}/test`);
    });
  },
);
