// Where the fleet's kcp credentials land in a region (non-home) stack: every non-home shipped stack runs
// under mocks, and every registered resource's inputs and outputs (the home StackReference's included,
// secrets unwrapped) are scanned for the home stack's fleet-level credentials: the serving and client CA
// keys, the service-account signing key, and the system:masters kubeconfigs (root shard, cache server).
//
// KNOWN EXPOSURE (issue 10, item 4, not fixed yet): a StackReference holds every output of the stack it
// reads, and a region shard signs its own certificates with the fleet CAs and signs ServiceAccount tokens
// with the fleet key, so today every region holds all of them. This test lists exactly where, so that the
// list changes only on purpose. The target is an empty list: a region keeps its own keys and publishes
// only public halves (certificate requests, its service-account public key) that the home stack signs or
// trusts, and the home stack exports no credential at all (a StackReference's state holds every output).
// The plan, with what kcp allows: docs/architecture.md, "Region blast radius".
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PROJECT } from "../../infra/config";
import { runRecorded, setupFleetMocks, STACK_NAMES, stackDocument } from "../helpers/fleet-mocks";
import { unwrap } from "../helpers/secrets";

setupFleetMocks();

/** Fleet-level credentials, by the output key of the home stack that carries each. */
const FLEET_CREDENTIALS = {
  servingCaKeyPem: "serving CA key",
  clientCaKeyPem: "client CA key",
  serviceAccountKeyPem: "service-account signing key",
  rootShardKubeconfig: "system:masters kubeconfig (root shard)",
  cacheKubeconfig: "cache-server client (system:masters there only, its own CA)",
} as const;

/**
 * What identifies a credential wherever it is copied: a kubeconfig's token (its server is rewritten per
 * consumer), a PEM's base64 body, else the whole value.
 */
function needle(value: string): string {
  const token = /"?token"?:\s*"?([^"\s,}]+)/.exec(value);
  if (token) return token[1];
  const body = /-----BEGIN [^-]+-----([\s\S]*?)-----END/.exec(value);
  return (body ? body[1] : value).replace(/\s/g, "");
}

const REGION_STACKS = STACK_NAMES.filter(
  (s) => !s.startsWith("local-") && stackDocument(s)[`${PROJECT}:home`] !== true,
);

/** "type name: credential" for each resource whose inputs or outputs hold a fleet credential, sorted. */
async function holders(stack: string): Promise<string[]> {
  const regs = await runRecorded(stackDocument(stack));
  assert.ok(
    regs.some((r) => r.type === "pulumi:pulumi:StackReference"),
    "the region reads the home stack",
  );
  const ref = regs.find((r) => r.type === "pulumi:pulumi:StackReference");
  const home = (unwrap(ref?.outputs).value as { outputs?: { kcp?: Record<string, string> } }).outputs?.kcp;
  assert.ok(home, "the home StackReference has kcp outputs");
  const needles = Object.entries(FLEET_CREDENTIALS).map(([key, what]) => {
    assert.ok(home[key], `the home stack outputs ${key}`);
    return { what, needle: needle(home[key]) };
  });
  const found = new Set<string>();
  for (const r of regs) {
    // Escaped newlines and whitespace removed, plus everything base64 in it decoded (Secret data).
    const text = JSON.stringify([unwrap(r.inputs).value, unwrap(r.outputs).value]).replace(/\\n|\s/g, "");
    const decoded = text + Buffer.from(text.replace(/[^A-Za-z0-9+/=]/g, ""), "base64").toString("latin1");
    for (const { what, needle: n } of needles)
      if (decoded.includes(n) || decoded.replace(/\\n|\s/g, "").includes(n))
        found.add(
          `${r.type} ${r.type === "pulumi:pulumi:StackReference" ? "<home stack>" : r.name.replace(stack, "<region>")}: ${what}`,
        );
  }
  return [...found].sort();
}

// Today's exposure, identical in every region: the StackReference itself, the shard's certificates
// (signed in the region with the fleet CA keys), and the shard's Secrets.
const KNOWN_EXPOSURE = [
  "kubernetes:core/v1:Secret <region>-kcp-shard-kubeconfigs: cache-server client (system:masters there only, its own CA)",
  "kubernetes:core/v1:Secret <region>-kcp-shard-kubeconfigs: system:masters kubeconfig (root shard)",
  "kubernetes:core/v1:Secret <region>-kcp-shard-service-account: service-account signing key",
  "tls:index/locallySignedCert:LocallySignedCert <region>-kcp-shard-server-cert: serving CA key",
  "tls:index/locallySignedCert:LocallySignedCert <region>-kcp-shard-shard-client-cert: client CA key",
  "pulumi:pulumi:StackReference <home stack>: client CA key",
  "pulumi:pulumi:StackReference <home stack>: service-account signing key",
  "pulumi:pulumi:StackReference <home stack>: serving CA key",
  "pulumi:pulumi:StackReference <home stack>: cache-server client (system:masters there only, its own CA)",
  "pulumi:pulumi:StackReference <home stack>: system:masters kubeconfig (root shard)",
];

void describe("fleet credentials in region stacks (known exposure: the list may only shrink)", () => {
  it("there are region stacks to scan", () => assert.ok(REGION_STACKS.length >= 2));
  for (const stack of REGION_STACKS) {
    void it(`${stack}: exactly the known holders`, async () => {
      assert.deepEqual(await holders(stack), [...KNOWN_EXPOSURE].sort());
    });
  }
});
