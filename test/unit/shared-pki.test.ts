// components/shared/pki.ts: the renewal window and the allowed uses (pure, property-tested), and under mocks
// (keys, CSRs and certificates generated for real, as the tls plugin returns them) what a CA and a leaf
// register: the @pulumi/tls types, PKCS#8 keys kept secret, a chain that verifies, and the usages TLS reads.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import fc from "fast-check";
import * as pulumi from "@pulumi/pulumi";
import { settle, setupMocks, valueOf } from "../helpers/mocks";
import { findPlaintext } from "../helpers/plaintext";
import {
  TLS_CERT_REQUEST,
  TLS_LOCALLY_SIGNED_CERT,
  TLS_PRIVATE_KEY,
  TLS_SELF_SIGNED_CERT,
} from "../helpers/provider-mocks";
import { unwrap } from "../helpers/secrets";
import {
  CA_USES,
  ECDSA_P256,
  earlyRenewalHours,
  issueLeafCert,
  leafUses,
  MAX_CA_EARLY_RENEWAL_HOURS,
  MAX_LEAF_EARLY_RENEWAL_HOURS,
  selfSignedCa,
} from "../../components/shared/pki";

const generatedSecrets: string[] = [];
const { resources, states } = setupMocks({ onSecret: (v) => generatedSecrets.push(v) });

const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

void describe("renewal window and uses (pure)", () => {
  void test("earlyRenewalHours: the last quarter of the validity, capped at 30 days (leaf) / a year (CA)", () => {
    assert.equal(earlyRenewalHours(8760), 720);
    assert.equal(earlyRenewalHours(87600, true), 8760);
    assert.equal(earlyRenewalHours(48), 12);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 876000 }), fc.boolean(), (hours, isCa) => {
        const early = earlyRenewalHours(hours, isCa);
        assert.ok(Number.isInteger(early) && early >= 0);
        // Never inside the first three quarters: a certificate is not renewed on the run that issued it.
        assert.ok(early <= hours / 4);
        assert.ok(early <= (isCa ? MAX_CA_EARLY_RENEWAL_HOURS : MAX_LEAF_EARLY_RENEWAL_HOURS));
        assert.ok(early === Math.floor(hours / 4) || early === (isCa ? 8760 : 720));
      }),
    );
    for (const bad of [0, -1, 1.5, Number.NaN]) assert.throws(() => earlyRenewalHours(bad), /validityHours/);
  });

  void test("leafUses: TLS key usages plus each purpose once; CAs sign certificates", () => {
    assert.deepEqual(leafUses(["server_auth"]), ["digital_signature", "key_encipherment", "server_auth"]);
    assert.deepEqual(leafUses(["client_auth", "server_auth", "client_auth"]), [
      "digital_signature",
      "key_encipherment",
      "client_auth",
      "server_auth",
    ]);
    assert.throws(() => leafUses([]), /server_auth and\/or client_auth/);
    assert.ok(CA_USES.includes("cert_signing") && !CA_USES.includes("server_auth"));
  });
});

void describe("a CA and its leaves under mocks", () => {
  const ca = selfSignedCa("t-ca", { commonName: "test CA", validityHours: 87600 }, {});
  const server = issueLeafCert(
    "t-server",
    {
      ca,
      commonName: "server.example",
      purposes: ["server_auth"],
      dnsNames: ["server.example", "localhost"],
      ipAddresses: ["127.0.0.1"],
      validityHours: 8760,
    },
    {},
  );
  const client = issueLeafCert(
    "t-client",
    { ca, commonName: "alice", organization: "system:masters", purposes: ["client_auth"], validityHours: 24 },
    {},
    { additionalSecretOutputs: ["certPem"] },
  );
  const byName = (n: string) => {
    const r = resources.find((x) => x.name === n);
    assert.ok(r, n);
    return r;
  };

  void test("registers @pulumi/tls resources: ECDSA P-256 keys, a CSR per leaf, CA and leaf windows", async () => {
    await settle();
    await valueOf(client.certPem);
    assert.deepEqual(
      ["t-ca-key", "t-ca", "t-server-key", "t-server-csr", "t-server-cert"].map((n) => byName(n).type),
      [TLS_PRIVATE_KEY, TLS_SELF_SIGNED_CERT, TLS_PRIVATE_KEY, TLS_CERT_REQUEST, TLS_LOCALLY_SIGNED_CERT],
    );
    for (const n of ["t-ca-key", "t-server-key", "t-client-key"])
      assert.deepEqual(byName(n).inputs, ECDSA_P256);
    const caInputs = unwrap(byName("t-ca").inputs).value as Record<string, unknown>;
    assert.equal(caInputs.isCaCertificate, true);
    assert.deepEqual([caInputs.validityPeriodHours, caInputs.earlyRenewalHours], [87600, 8760]);
    assert.deepEqual(caInputs.allowedUses, CA_USES);
    const leafInputs = unwrap(byName("t-server-cert").inputs).value as Record<string, unknown>;
    assert.deepEqual([leafInputs.validityPeriodHours, leafInputs.earlyRenewalHours], [8760, 720]);
    assert.equal(leafInputs.setSubjectKeyId, true);
    assert.equal(
      (unwrap(byName("t-client-cert").inputs).value as Record<string, unknown>).earlyRenewalHours,
      6,
    );
  });

  void test("keys are PKCS#8 and secret; private keys reach the engine only as secrets", async () => {
    await settle();
    const key = await valueOf(server.keyPem);
    assert.match(key, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.equal(await pulumi.isSecret(server.keyPem), true);
    assert.equal(await pulumi.isSecret(ca.keyPem), true);
    assert.equal(await pulumi.isSecret(server.certPem), false);
    for (const n of ["t-ca", "t-server-csr"])
      assert.equal(unwrap(byName(n).inputs.privateKeyPem).secret, true, n);
    assert.equal(unwrap(byName("t-server-cert").inputs.caPrivateKeyPem).secret, true);
    assert.ok(generatedSecrets.includes(key));
    assert.deepEqual(findPlaintext(resources, generatedSecrets), []);
  });

  void test("the certificates: a CA, leaves it signed with their SANs, subjects and purposes", async () => {
    const caX = new crypto.X509Certificate(await valueOf(ca.certPem));
    assert.equal(caX.ca, true);
    assert.match(caX.subject, /CN=test CA/);
    const serverX = new crypto.X509Certificate(await valueOf(server.certPem));
    assert.ok(serverX.verify(caX.publicKey));
    assert.equal(serverX.ca, false);
    assert.ok(serverX.checkPrivateKey(crypto.createPrivateKey(await valueOf(server.keyPem))));
    assert.equal(serverX.subjectAltName, "DNS:server.example, DNS:localhost, IP Address:127.0.0.1");
    assert.deepEqual(serverX.keyUsage, [SERVER_AUTH]);
    assert.equal(serverX.issuer, caX.subject);
    const clientX = new crypto.X509Certificate(await valueOf(client.certPem));
    assert.ok(clientX.verify(caX.publicKey));
    assert.deepEqual(clientX.keyUsage, [CLIENT_AUTH]);
    assert.match(clientX.subject, /O=system:masters/);
    const hours = (Date.parse(clientX.validTo) - Date.parse(clientX.validFrom)) / 3_600_000;
    assert.equal(hours, 24);
    // The leaves' keys are not the CA's, and each certificate carries its own key.
    assert.ok(!clientX.checkPrivateKey(crypto.createPrivateKey(await valueOf(ca.keyPem))));
    assert.equal(states.get("t-server-cert")?.caKeyAlgorithm, "ECDSA");
  });
});
