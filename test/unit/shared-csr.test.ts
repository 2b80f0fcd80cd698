// csrNames reads what a certificate request asks for, checked against requests made the way the tls
// provider makes them (the mocks' @peculiar/x509 generator) and by openssl, for generated names.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { csrNames } from "../../components/shared/csr";
import { providerOutputs, TLS_CERT_REQUEST, TLS_PRIVATE_KEY } from "../helpers/provider-mocks";

async function request(subject: Record<string, string>, dnsNames: string[], ipAddresses: string[]) {
  const key = await providerOutputs(TLS_PRIVATE_KEY, { algorithm: "ECDSA", ecdsaCurve: "P256" });
  const csr = await providerOutputs(TLS_CERT_REQUEST, {
    privateKeyPem: key!.privateKeyPemPkcs8,
    subject,
    dnsNames,
    ipAddresses,
  });
  return csr!.certRequestPem as string;
}

const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,14}[a-z0-9]$/);

void describe("csrNames", () => {
  it("reads CN, O and SANs of requests the tls provider would make (generated names)", async () => {
    await fc.assert(
      fc.asyncProperty(
        label,
        fc.option(label, { nil: undefined }),
        fc.uniqueArray(
          fc.tuple(label, label).map(([a, b]) => `${a}.${b}`),
          { maxLength: 4 },
        ),
        fc.uniqueArray(fc.ipV4(), { maxLength: 3 }),
        async (cn, o, dns, ips) => {
          const names = csrNames(
            await request({ commonName: cn, ...(o ? { organization: o } : {}) }, dns, ips),
          );
          assert.equal(names.commonName, cn);
          assert.deepEqual(names.organizations, o ? [o] : []);
          assert.deepEqual(names.otherSubjectOids, []);
          assert.deepEqual(names.dnsNames, dns);
          assert.deepEqual(names.ipAddresses, ips);
          assert.deepEqual(names.otherSanTags, []);
        },
      ),
      { numRuns: 25 },
    );
  });

  it("reports subject attributes and SAN kinds it does not expect (openssl's request)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "csr-"));
    const key = path.join(dir, "k.pem");
    execFileSync("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key]);
    const pem = execFileSync("openssl", [
      "req",
      "-new",
      "-key",
      key,
      "-subj",
      "/O=system:masters/O=team/OU=x/CN=kcp-shard-a",
      "-addext",
      "subjectAltName=DNS:a.example,IP:10.0.0.1,IP:::1,URI:https://x.example",
    ]).toString();
    const names = csrNames(pem);
    assert.equal(names.commonName, "kcp-shard-a");
    assert.deepEqual(names.organizations, ["system:masters", "team"]);
    assert.deepEqual(names.otherSubjectOids, ["2.5.4.11"]);
    assert.deepEqual(names.dnsNames, ["a.example"]);
    assert.deepEqual(names.ipAddresses, ["10.0.0.1", "0:0:0:0:0:0:0:1"]);
    assert.deepEqual(names.otherSanTags, [6]);
  });

  it("refuses what is not a request, without quoting it", () => {
    assert.throws(
      () => csrNames("-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----"),
      /not a PEM certificate request/,
    );
    assert.throws(
      () => csrNames("-----BEGIN CERTIFICATE REQUEST-----\nMIIBAAAA\n-----END CERTIFICATE REQUEST-----"),
      (e: Error) => /not a readable certificate request/.test(e.message) && !e.message.includes("MIIB"),
    );
  });
});
