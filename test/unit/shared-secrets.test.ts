// Dynamic providers for passwords, keys and certificates: the pure parts, real key and certificate
// generation checked with node's own X509Certificate, diff decisions, survival of closure
// serialization (what the engine stores in state), and secrecy of outputs under mocks.

import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import Module from "node:module";
import * as path from "node:path";
import ts from "typescript";
import fc from "fast-check";
import * as pulumi from "@pulumi/pulumi";
import { setupMocks, settle, valueOf } from "../helpers/mocks";

import {
  PASSWORD_CLASSES,
  RandomPassword,
  canonicalJson,
  checkPasswordInputs,
  generatePassword,
  passwordAlphabet,
  passwordClasses,
  passwordDiff,
  randomPasswordProvider,
} from "../../components/shared/random-password";
import {
  CertInputs,
  CertOutputs,
  TlsLocallySignedCert,
  TlsPrivateKey,
  TlsSelfSignedCert,
  certDiff,
  checkCertInputs,
  checkPrivateKeyInputs,
  isDnsName,
  isIpAddress,
  planExtensions,
  privateKeyDiff,
  subjectAltNames,
  subjectName,
  tlsLocallySignedCertProvider,
  tlsPrivateKeyProvider,
  tlsSelfSignedCertProvider,
  webCryptoAlgorithms,
} from "../../components/shared/tls";

const { resources } = setupMocks();

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const HOUR = 3_600_000;

describe("password generation (pure)", () => {
  test("the alphabet is letters and digits, plus connection-string-safe specials on request", () => {
    const plain = passwordAlphabet(false);
    assert.equal(plain.length, 62);
    assert.equal(new Set(plain).size, 62);
    assert.match(plain, /^[A-Za-z0-9]+$/);
    const withSpecial = passwordAlphabet(true);
    assert.equal(withSpecial.length, 62 + PASSWORD_CLASSES.special.length);
    assert.equal(new Set(withSpecial).size, withSpecial.length);
    for (const bad of ["/", "@", '"', "'", "\\", " ", "`"]) assert.ok(!withSpecial.includes(bad), bad);
  });

  test("every password has the asked length, only alphabet characters and every class", () => {
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 200 }), fc.boolean(), (length, special) => {
        const pw = generatePassword(length, special, (n) => crypto.randomInt(n));
        assert.equal(pw.length, length);
        const alphabet = passwordAlphabet(special);
        for (const ch of pw) assert.ok(alphabet.includes(ch));
        for (const cls of passwordClasses(special)) assert.ok([...pw].some((ch) => cls.includes(ch)));
        if (!special) assert.ok(![...pw].some((ch) => PASSWORD_CLASSES.special.includes(ch)));
      }),
      { numRuns: 300 },
    );
  });

  test("draws only through randomInt, always within range (no modulo reduction of raw bytes)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 64 }), fc.boolean(), fc.integer(), (length, special, seed) => {
        let state = seed >>> 0;
        const maxes: number[] = [];
        const pw = generatePassword(length, special, (n) => {
          maxes.push(n);
          state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
          const v = state % n;
          assert.ok(v >= 0 && v < n);
          return v;
        });
        assert.equal(pw.length, length);
        // one draw per class, one per remaining character, one per shuffle step
        assert.equal(
          maxes.length,
          passwordClasses(special).length + (length - passwordClasses(special).length) + length - 1,
        );
      }),
    );
  });

  test("characters come out evenly (no position or character is favoured)", () => {
    const counts = new Map<string, number>();
    const n = 2000;
    for (let i = 0; i < n; i++)
      for (const ch of generatePassword(32, false, (m) => crypto.randomInt(m)))
        counts.set(ch, (counts.get(ch) ?? 0) + 1);
    assert.equal(counts.size, 62);
    const expected = (n * 32) / 62;
    for (const [ch, c] of counts)
      assert.ok(c > expected * 0.75 && c < expected * 1.3, `${ch}: ${c} vs ${expected}`);
  });

  test("too short a length for the classes is refused", () => {
    assert.throws(() => generatePassword(2, false, () => 0), /at least 3/);
    assert.throws(() => generatePassword(3, true, () => 0), /at least 4/);
    assert.throws(() => generatePassword(10.5, false, () => 0), /integer/);
  });

  test("check: length bounds and types, unknown values pass through", () => {
    assert.deepEqual(checkPasswordInputs({ length: 32, special: false, keepers: {} }), []);
    assert.deepEqual(
      checkPasswordInputs({
        length: 4,
        special: "yes" as unknown as boolean,
        keepers: [] as unknown as Record<string, string>,
      }).map((f) => f.property),
      ["length", "special", "keepers"],
    );
    assert.match(
      checkPasswordInputs({ length: 4, special: false, keepers: {} })[0].reason,
      /^RandomPassword: /,
    );
    assert.deepEqual(
      checkPasswordInputs({
        length: UNKNOWN as unknown as number,
        special: UNKNOWN as unknown as boolean,
        keepers: UNKNOWN as unknown as Record<string, string>,
      }),
      [],
    );
  });

  test("diff: replace on length, special or keepers; nothing else is a change", () => {
    const olds = {
      length: 32,
      special: false,
      keepers: { a: "1", b: "2" },
      result: "x",
      __provider: "old code",
    };
    const same = passwordDiff(olds, { length: 32, special: false, keepers: { b: "2", a: "1" } });
    assert.deepEqual(same, { changes: false, replaces: [], deleteBeforeReplace: false });
    assert.deepEqual(passwordDiff(olds, { length: 40, special: false, keepers: olds.keepers }).replaces, [
      "length",
    ]);
    assert.deepEqual(passwordDiff(olds, { length: 32, special: true, keepers: olds.keepers }).replaces, [
      "special",
    ]);
    const keeperChange = passwordDiff(olds, { length: 32, special: false, keepers: { a: "1", b: "3" } });
    assert.equal(keeperChange.changes, true);
    assert.deepEqual(keeperChange.replaces, ["keepers"]);
    assert.deepEqual(
      passwordDiff(olds, { length: 32, special: false, keepers: { a: UNKNOWN, b: "2" } }).replaces,
      ["keepers"],
    );
    // state written without defaults still matches the defaults
    assert.equal(passwordDiff({}, { length: 32, special: false, keepers: {} }).changes, false);
  });

  test("canonicalJson ignores key order and undefined members only", () => {
    assert.equal(
      canonicalJson({ b: [1, { y: 2, x: 1 }], a: undefined }),
      canonicalJson({ b: [1, { x: 1, y: 2 }] }),
    );
    assert.notEqual(canonicalJson([1, 2]), canonicalJson([2, 1]));
  });
});

describe("RandomPassword provider", () => {
  test("create: a fresh password only in the outputs, id unrelated to it", async () => {
    const a = await randomPasswordProvider.create({ length: 24, special: true, keepers: { k: "v" } });
    const b = await randomPasswordProvider.create({ length: 24, special: true, keepers: { k: "v" } });
    assert.equal(a.outs.result.length, 24);
    assert.notEqual(a.outs.result, b.outs.result);
    assert.notEqual(a.id, b.id);
    assert.ok(!a.id.includes(a.outs.result));
    assert.deepEqual(
      { ...a.outs, result: undefined },
      { length: 24, special: true, keepers: { k: "v" }, result: undefined },
    );
    const diff = await randomPasswordProvider.diff!(a.id, a.outs, {
      length: 24,
      special: true,
      keepers: { k: "v" },
    });
    assert.equal(diff.changes, false);
    const check = await randomPasswordProvider.check!({}, { length: 2, special: false, keepers: {} });
    assert.deepEqual(
      check.failures?.map((f) => f.property),
      ["length"],
    );
  });
});

// --- TLS -----------------------------------------------------------------------------------------

describe("certificate building (pure)", () => {
  test("subject: O attributes before CN; organization may be one or many", () => {
    assert.deepEqual(subjectName({ commonName: "kcp" }), [{ CN: ["kcp"] }]);
    assert.deepEqual(subjectName({ commonName: "admin", organization: "system:masters" }), [
      { O: ["system:masters"] },
      { CN: ["admin"] },
    ]);
    assert.deepEqual(subjectName({ commonName: "u", organization: ["a", "b"] }), [
      { O: ["a"] },
      { O: ["b"] },
      { CN: ["u"] },
    ]);
    assert.throws(() => subjectName({ commonName: "" }), /commonName/);
  });

  test("DNS names: labels per RFC 1123, a leading wildcard only", () => {
    fc.assert(fc.property(fc.domain(), (d) => isDnsName(d)));
    for (const ok of ["localhost", "kcp.kcp-system.svc", "*.apps.example.com", "a-1.b"])
      assert.ok(isDnsName(ok), ok);
    for (const bad of [
      "",
      "-a.com",
      "a..b",
      "*",
      "a.*.com",
      "under_score.com",
      "a".repeat(64) + ".com",
      "x y",
    ])
      assert.ok(!isDnsName(bad), bad);
  });

  test("IP addresses: v4 and v6 literals", () => {
    fc.assert(fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (ip) => isIpAddress(ip)));
    for (const bad of ["", "1.2.3", "256.1.1.1", "localhost", "::g"]) assert.ok(!isIpAddress(bad), bad);
  });

  test("subject alternative names: DNS then IP, invalid entries refused", () => {
    assert.deepEqual(subjectAltNames(["a.example.com"], ["127.0.0.1", "::1"]), [
      { type: "dns", value: "a.example.com" },
      { type: "ip", value: "127.0.0.1" },
      { type: "ip", value: "::1" },
    ]);
    assert.throws(() => subjectAltNames(["bad name"]), /invalid DNS name/);
    assert.throws(() => subjectAltNames([], ["300.0.0.1"]), /invalid IP address/);
  });

  test("extensions: key usage bits and extended key usage OIDs from allowedUses", () => {
    const ca = planExtensions({
      isCa: true,
      allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
    });
    assert.deepEqual(ca, { isCa: true, keyUsage: 32 | 64 | 1, extKeyUsage: [], altNames: [] });
    const server = planExtensions({
      isCa: false,
      allowedUses: ["digital_signature", "key_encipherment", "server_auth", "client_auth", "server_auth"],
      dnsNames: ["kcp"],
    });
    assert.equal(server.keyUsage, 1 | 4);
    assert.deepEqual(server.extKeyUsage, ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
    assert.deepEqual(server.altNames, [{ type: "dns", value: "kcp" }]);
    assert.throws(
      () => planExtensions({ isCa: false, allowedUses: ["code_signing" as never] }),
      /unknown allowed use/,
    );
  });

  test("WebCrypto algorithms follow the key: RSA, P-256, P-384; others refused", () => {
    assert.deepEqual(webCryptoAlgorithms("ec", "prime256v1").signingAlg, { name: "ECDSA", hash: "SHA-256" });
    assert.deepEqual(webCryptoAlgorithms("ec", "secp384r1").signingAlg, { name: "ECDSA", hash: "SHA-384" });
    assert.equal(webCryptoAlgorithms("rsa", undefined).signingAlg.name, "RSASSA-PKCS1-v1_5");
    assert.throws(() => webCryptoAlgorithms("ed25519", undefined), /unsupported key/);
  });

  test("check: validity, uses, names, CA needs cert_signing; unknowns pass; keys never quoted", () => {
    const good: Partial<CertInputs> = {
      privateKeyPem: "-----BEGIN PRIVATE KEY-----\nsecretbits\n-----END PRIVATE KEY-----\n",
      subject: { commonName: "ca" },
      isCa: true,
      validityHours: 24,
      dnsNames: [],
      ipAddresses: [],
      allowedUses: ["cert_signing"],
      earlyRenewalHours: 0,
    };
    assert.deepEqual(checkCertInputs("TlsSelfSignedCert", good, false), []);
    const bad = checkCertInputs(
      "TlsSelfSignedCert",
      {
        ...good,
        privateKeyPem: "secretbits",
        subject: { commonName: "" },
        validityHours: 0,
        dnsNames: ["no spaces"],
        ipAddresses: ["1.2.3.999"],
        allowedUses: ["server_auth", "sign_everything" as never],
        earlyRenewalHours: -1,
      },
      false,
    );
    assert.deepEqual(
      bad.map((f) => f.property),
      [
        "privateKeyPem",
        "subject",
        "validityHours",
        "earlyRenewalHours",
        "dnsNames",
        "ipAddresses",
        "allowedUses",
        "allowedUses",
      ],
    );
    for (const f of bad) {
      assert.match(f.reason, /^TlsSelfSignedCert: /);
      assert.ok(!f.reason.includes("secretbits"));
    }
    const signed = checkCertInputs(
      "TlsLocallySignedCert",
      { ...good, isCa: false, caPrivateKeyPem: "x", caCertPem: "y" },
      true,
    );
    assert.deepEqual(
      signed.map((f) => f.property),
      ["caPrivateKeyPem", "caCertPem"],
    );
    const unknowns = Object.fromEntries(Object.keys(good).map((k) => [k, UNKNOWN])) as Partial<CertInputs>;
    assert.deepEqual(
      checkCertInputs(
        "TlsLocallySignedCert",
        { ...unknowns, caCertPem: UNKNOWN, caPrivateKeyPem: UNKNOWN },
        true,
      ),
      [],
    );
    assert.deepEqual(checkCertInputs("TlsSelfSignedCert", { ...good, dnsNames: [UNKNOWN] }, false), []);
  });

  test("private key check and diff: only the kind of key asked for matters", () => {
    assert.deepEqual(checkPrivateKeyInputs({ algorithm: "ECDSA", ecdsaCurve: "P256", rsaBits: 2048 }), []);
    assert.deepEqual(
      checkPrivateKeyInputs({ algorithm: "DSA" as never, ecdsaCurve: "P521" as never, rsaBits: 1024 }).map(
        (f) => f.property,
      ),
      ["algorithm", "ecdsaCurve", "rsaBits"],
    );
    const ec = { algorithm: "ECDSA", ecdsaCurve: "P256", rsaBits: 2048 } as const;
    assert.equal(privateKeyDiff(ec, { ...ec, rsaBits: 4096 }).changes, false);
    assert.deepEqual(privateKeyDiff(ec, { ...ec, ecdsaCurve: "P384" }).replaces, ["ecdsaCurve"]);
    assert.deepEqual(privateKeyDiff(ec, { ...ec, algorithm: "RSA" }).replaces, ["algorithm"]);
    const rsa = { ...ec, algorithm: "RSA" } as const;
    assert.deepEqual(privateKeyDiff(rsa, { ...rsa, rsaBits: 4096 }).replaces, ["rsaBits"]);
    assert.equal(privateKeyDiff(rsa, { ...rsa, ecdsaCurve: "P384" }).changes, false);
  });
});

describe("certificate diff", () => {
  const inputs: CertInputs = {
    privateKeyPem: "K",
    subject: { commonName: "x", organization: "o" },
    isCa: false,
    validityHours: 100,
    dnsNames: ["a"],
    ipAddresses: [],
    allowedUses: ["server_auth"],
    earlyRenewalHours: 10,
  };
  const start = Date.parse("2030-01-01T00:00:00Z");
  const olds: CertOutputs = {
    ...inputs,
    certPem: "C",
    validityStartTime: new Date(start).toISOString(),
    validityEndTime: new Date(start + 100 * HOUR).toISOString(),
  };

  test("no change while valid and outside the renewal window", () => {
    assert.deepEqual(
      certDiff(
        { ...olds, __provider: "old" } as CertOutputs,
        { ...inputs, subject: { organization: "o", commonName: "x" } },
        start + HOUR,
      ),
      {
        changes: false,
        replaces: [],
        deleteBeforeReplace: false,
      },
    );
  });

  test("any certificate input change replaces it", () => {
    const cases: [Partial<CertInputs>, string][] = [
      [{ privateKeyPem: "K2" }, "privateKeyPem"],
      [{ subject: { commonName: "y", organization: "o" } }, "subject"],
      [{ validityHours: 200 }, "validityHours"],
      [{ dnsNames: ["a", "b"] }, "dnsNames"],
      [{ ipAddresses: ["10.0.0.1"] }, "ipAddresses"],
      [{ allowedUses: ["client_auth"] }, "allowedUses"],
      [{ caCertPem: "CA2" }, "caCertPem"],
      [{ privateKeyPem: UNKNOWN }, "privateKeyPem"],
    ];
    for (const [change, key] of cases) {
      const d = certDiff(olds, { ...inputs, ...change }, start + HOUR);
      assert.deepEqual(d.replaces, [key], key);
      assert.equal(d.changes, true);
    }
  });

  test("renewal window and expiry replace; earlyRenewalHours alone updates in place", () => {
    assert.deepEqual(certDiff(olds, inputs, start + 89 * HOUR).replaces, []);
    assert.deepEqual(certDiff(olds, inputs, start + 90 * HOUR).replaces, ["validityEndTime"]);
    assert.deepEqual(certDiff(olds, { ...inputs, earlyRenewalHours: 0 }, start + 99 * HOUR).replaces, []);
    assert.deepEqual(certDiff(olds, { ...inputs, earlyRenewalHours: 0 }, start + 100 * HOUR).replaces, [
      "validityEndTime",
    ]);
    const inPlace = certDiff(olds, { ...inputs, earlyRenewalHours: 5 }, start + HOUR);
    assert.deepEqual(inPlace, { changes: true, replaces: [], deleteBeforeReplace: false });
  });
});

describe("keys and certificates, generated for real", () => {
  const uses = ["digital_signature", "key_encipherment", "server_auth", "client_auth"] as const;

  async function makeCa(algorithm: "ECDSA" | "RSA" = "ECDSA") {
    const key = await tlsPrivateKeyProvider.create({ algorithm, ecdsaCurve: "P256", rsaBits: 2048 });
    const ca = await tlsSelfSignedCertProvider.create({
      privateKeyPem: key.outs.privateKeyPem,
      subject: { commonName: "pipeline-service test CA", organization: "pipeline-service" },
      isCa: true,
      validityHours: 24,
      dnsNames: [],
      ipAddresses: [],
      allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
      earlyRenewalHours: 0,
    });
    return { key: key.outs, ca: ca.outs as CertOutputs };
  }

  test("private keys: PKCS#8 + SPKI PEM of the asked algorithm, id is the public fingerprint", async () => {
    const ec = await tlsPrivateKeyProvider.create({ algorithm: "ECDSA", ecdsaCurve: "P384", rsaBits: 2048 });
    const k = crypto.createPrivateKey(ec.outs.privateKeyPem);
    assert.equal(k.asymmetricKeyType, "ec");
    assert.equal(k.asymmetricKeyDetails?.namedCurve, "secp384r1");
    assert.match(ec.outs.privateKeyPem, /^-----BEGIN PRIVATE KEY-----/);
    assert.match(ec.outs.publicKeyPem, /^-----BEGIN PUBLIC KEY-----/);
    const spki = crypto.createPublicKey(k).export({ type: "spki", format: "der" });
    assert.equal(ec.id, crypto.createHash("sha256").update(new Uint8Array(spki)).digest("hex"));
    assert.ok(!ec.id.includes(ec.outs.privateKeyPem));
    const rsa = await tlsPrivateKeyProvider.create({ algorithm: "RSA", ecdsaCurve: "P256", rsaBits: 2048 });
    const rk = crypto.createPrivateKey(rsa.outs.privateKeyPem);
    assert.equal(rk.asymmetricKeyType, "rsa");
    assert.equal(rk.asymmetricKeyDetails?.modulusLength, 2048);
    const check = await tlsPrivateKeyProvider.check!(
      {},
      { algorithm: "RSA", ecdsaCurve: "P256", rsaBits: 1000 },
    );
    assert.deepEqual(
      check.failures?.map((f) => f.property),
      ["rsaBits"],
    );
    assert.equal((await tlsPrivateKeyProvider.diff!(ec.id, ec.outs, ec.outs)).changes, false);
  });

  test("self-signed CA: CA flag, subject, validity, self-verifying", async () => {
    const before = Date.now();
    const { key, ca } = await makeCa();
    const cert = new crypto.X509Certificate(ca.certPem);
    assert.equal(cert.ca, true);
    assert.equal(cert.subject, "O=pipeline-service\nCN=pipeline-service test CA");
    assert.equal(cert.issuer, cert.subject);
    assert.ok(cert.verify(cert.publicKey));
    assert.ok(cert.checkPrivateKey(crypto.createPrivateKey(key.privateKeyPem)));
    const from = Date.parse(cert.validFrom);
    const to = Date.parse(cert.validTo);
    assert.ok(from <= Date.now() && from >= before - 1000);
    assert.equal(to - from, 24 * HOUR);
    assert.equal(Date.parse(ca.validityEndTime), to);
    assert.equal(Date.parse(ca.validityStartTime), from);
  });

  for (const algorithm of ["ECDSA", "RSA"] as const) {
    test(`locally signed leaf (${algorithm} CA): signed by the CA, SANs, usages, not a CA`, async () => {
      const { key: caKey, ca } = await makeCa(algorithm);
      const leafKey = await tlsPrivateKeyProvider.create({
        algorithm: "ECDSA",
        ecdsaCurve: "P256",
        rsaBits: 2048,
      });
      const created = await tlsLocallySignedCertProvider.create({
        privateKeyPem: leafKey.outs.privateKeyPem,
        caPrivateKeyPem: caKey.privateKeyPem,
        caCertPem: ca.certPem,
        subject: { commonName: "kcp", organization: ["system:masters"] },
        isCa: false,
        validityHours: 48,
        dnsNames: ["kcp.kcp-system.svc", "localhost"],
        ipAddresses: ["127.0.0.1", "::1"],
        allowedUses: [...uses],
        earlyRenewalHours: 0,
      });
      const leaf = new crypto.X509Certificate(created.outs.certPem);
      const caCert = new crypto.X509Certificate(ca.certPem);
      assert.ok(leaf.verify(caCert.publicKey), "signature verifies with the CA's public key");
      assert.ok(leaf.checkIssued(caCert), "issuer matches the CA's subject");
      assert.ok(!leaf.verify(leaf.publicKey));
      assert.equal(leaf.ca, false);
      assert.equal(leaf.subject, "O=system:masters\nCN=kcp");
      assert.equal(leaf.issuer, caCert.subject);
      assert.ok(leaf.checkPrivateKey(crypto.createPrivateKey(leafKey.outs.privateKeyPem)));
      assert.equal(
        leaf.subjectAltName,
        "DNS:kcp.kcp-system.svc, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1",
      );
      assert.deepEqual(leaf.keyUsage, ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
      assert.ok(leaf.checkHost("kcp.kcp-system.svc"));
      assert.ok(leaf.checkIP("127.0.0.1"));
      assert.equal(Date.parse(leaf.validTo) - Date.parse(leaf.validFrom), 48 * HOUR);
      assert.equal(created.id, leaf.fingerprint256.replace(/:/g, "").toLowerCase());
      // Authority key id of the leaf = subject key id of the CA (chain building hint).
      const hex = (c: crypto.X509Certificate, oid: string) => c.raw.toString("hex").includes(oid);
      assert.ok(hex(leaf, "0603551d23") && hex(caCert, "0603551d0e"));
      // Stored outputs diff clean against the same inputs.
      const d = await tlsLocallySignedCertProvider.diff!(created.id, created.outs, {
        ...created.outs,
        certPem: undefined,
      });
      assert.equal(d.changes, false);
    });
  }

  test("a CA key that does not match the CA certificate, or a non-CA issuer, is refused without quoting keys", async () => {
    const { ca } = await makeCa();
    const other = await tlsPrivateKeyProvider.create({
      algorithm: "ECDSA",
      ecdsaCurve: "P256",
      rsaBits: 2048,
    });
    const base: CertInputs = {
      privateKeyPem: other.outs.privateKeyPem,
      caPrivateKeyPem: other.outs.privateKeyPem,
      caCertPem: ca.certPem,
      subject: { commonName: "x" },
      isCa: false,
      validityHours: 1,
      dnsNames: [],
      ipAddresses: [],
      allowedUses: ["client_auth"],
      earlyRenewalHours: 0,
    };
    const secretBody = other.outs.privateKeyPem.split("\n")[1];
    await assert.rejects(tlsLocallySignedCertProvider.create(base), (e: Error) => {
      assert.match(e.message, /does not belong to caCertPem/);
      assert.ok(!e.message.includes(secretBody));
      return true;
    });
    const leaf = await tlsSelfSignedCertProvider.create({
      ...base,
      caPrivateKeyPem: undefined,
      caCertPem: undefined,
    });
    await assert.rejects(
      tlsLocallySignedCertProvider.create({ ...base, caCertPem: leaf.outs.certPem }),
      /not a CA certificate/,
    );
    await assert.rejects(
      tlsLocallySignedCertProvider.create({
        ...base,
        caPrivateKeyPem: "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----",
      }),
      (e: Error) =>
        /caPrivateKeyPem is not a readable PEM private key/.test(e.message) && !e.message.includes("nope"),
    );
    await assert.rejects(
      tlsLocallySignedCertProvider.create({ ...base, caCertPem: "garbage" }),
      /caCertPem is not a readable/,
    );
  });

  test("update keeps the certificate and takes the new earlyRenewalHours", async () => {
    const { ca } = await makeCa();
    const r = await tlsSelfSignedCertProvider.update!("id", ca, { ...ca, earlyRenewalHours: 12 });
    assert.equal(r.outs.certPem, ca.certPem);
    assert.equal(r.outs.earlyRenewalHours, 12);
  });
});

describe("providers survive closure serialization (what the engine stores in state)", () => {
  // Loads serialized text the way the dynamic provider host does (require-from-string).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const requireFromString = require("require-from-string") as (code: string) => {
    handler: () => pulumi.dynamic.ResourceProvider;
  };

  async function roundTrip(provider: pulumi.dynamic.ResourceProvider) {
    const p = provider; // a plain local, as pulumi.dynamic.Resource captures it
    const sf = await pulumi.runtime.serializeFunction(() => p, { allowSecrets: true });
    assert.ok(sf.text.length < 60_000, `serialized provider is ${sf.text.length} bytes`);
    // Neither @pulumi/pulumi nor the module's resource classes come along.
    assert.ok(!/require\("@pulumi\/pulumi"\)/.test(sf.text), "does not pull in @pulumi/pulumi");
    assert.ok(
      !/mergeOptions|cannot be called at runtime/.test(sf.text),
      "does not capture the resource classes",
    );
    return requireFromString(sf.text).handler();
  }

  /**
   * The module as TypeScript's own CommonJS output (what ts-node or tsc run), which differs from
   * tsx's: references to `export const` become `exports.X` there.
   */
  function loadWithTsc(file: string): Record<string, pulumi.dynamic.ResourceProvider> {
    const source = fs.readFileSync(file, "utf8");
    const js = ts.transpileModule(source, {
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
      },
    }).outputText;
    const filename = file.replace(/\.ts$/, ".tsc.js");
    const m = new Module(filename, module) as Module & { _compile(code: string, filename: string): void };
    m.filename = filename;
    m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(
      path.dirname(file),
    );
    m._compile(js, filename);
    return m.exports;
  }

  test("password and key providers work after a round trip", async () => {
    const pw = await roundTrip(randomPasswordProvider);
    const out = await pw.create({ length: 16, special: false, keepers: {} });
    assert.equal(out.outs.result.length, 16);
    const keys = await roundTrip(tlsPrivateKeyProvider);
    const key = await keys.create({ algorithm: "ECDSA", ecdsaCurve: "P256", rsaBits: 2048 });
    assert.equal(crypto.createPrivateKey(key.outs.privateKeyPem).asymmetricKeyType, "ec");
  });

  test("certificate providers work after a round trip", async () => {
    const keys = await roundTrip(tlsPrivateKeyProvider);
    const selfSigned = await roundTrip(tlsSelfSignedCertProvider);
    const signed = await roundTrip(tlsLocallySignedCertProvider);
    const caKey = (await keys.create({ algorithm: "ECDSA", ecdsaCurve: "P256", rsaBits: 2048 })).outs;
    const ca = await selfSigned.create({
      privateKeyPem: caKey.privateKeyPem,
      subject: { commonName: "ca" },
      isCa: true,
      validityHours: 1,
      dnsNames: [],
      ipAddresses: [],
      allowedUses: ["cert_signing"],
      earlyRenewalHours: 0,
    });
    const leaf = await signed.create({
      privateKeyPem: caKey.privateKeyPem,
      caPrivateKeyPem: caKey.privateKeyPem,
      caCertPem: ca.outs.certPem,
      subject: { commonName: "leaf" },
      isCa: false,
      validityHours: 1,
      dnsNames: ["leaf"],
      ipAddresses: [],
      allowedUses: ["server_auth"],
      earlyRenewalHours: 0,
    });
    assert.ok(
      new crypto.X509Certificate(leaf.outs.certPem).verify(
        new crypto.X509Certificate(ca.outs.certPem).publicKey,
      ),
    );
  });

  test("the same holds for TypeScript's CommonJS output (ts-node, tsc)", async () => {
    const shared = path.resolve(__dirname, "../../components/shared");
    const pwModule = loadWithTsc(path.join(shared, "random-password.ts"));
    const pw = await roundTrip(pwModule.randomPasswordProvider);
    assert.equal((await pw.create({ length: 12, special: true, keepers: {} })).outs.result.length, 12);
    assert.deepEqual((await pw.check!({}, { length: 2, special: false, keepers: {} })).failures?.length, 1);
    const tlsModule = loadWithTsc(path.join(shared, "tls.ts"));
    const keys = await roundTrip(tlsModule.tlsPrivateKeyProvider);
    const key = (await keys.create({ algorithm: "ECDSA", ecdsaCurve: "P256", rsaBits: 2048 })).outs;
    const selfSigned = await roundTrip(tlsModule.tlsSelfSignedCertProvider);
    const ca = await selfSigned.create({
      privateKeyPem: key.privateKeyPem,
      subject: { commonName: "ca" },
      isCa: true,
      validityHours: 1,
      dnsNames: [],
      ipAddresses: ["10.0.0.1"],
      allowedUses: ["cert_signing", "server_auth"],
      earlyRenewalHours: 0,
    });
    assert.equal(new crypto.X509Certificate(ca.outs.certPem).ca, true);
    await roundTrip(tlsModule.tlsLocallySignedCertProvider);
  });
});

describe("resources under mocks", () => {
  test("register as dynamic resources with defaults; secrets stay secret", async () => {
    const pw = new RandomPassword("db", { keepers: { db: "results" } });
    const key = new TlsPrivateKey("ca-key");
    const ca = new TlsSelfSignedCert("ca", {
      privateKeyPem: key.privateKeyPem,
      subject: { commonName: "ca" },
      isCa: true,
      validityHours: 8760,
      allowedUses: ["cert_signing"],
    });
    const leaf = new TlsLocallySignedCert("leaf", {
      privateKeyPem: key.privateKeyPem,
      caPrivateKeyPem: key.privateKeyPem,
      caCertPem: ca.certPem,
      subject: { commonName: "leaf" },
      dnsNames: ["leaf"],
      validityHours: 24,
      allowedUses: ["server_auth"],
    });
    await settle();
    assert.equal(await pulumi.isSecret(pw.result), true);
    assert.equal(await pulumi.isSecret(key.privateKeyPem), true);
    assert.equal(await pulumi.isSecret(key.publicKeyPem), false);
    assert.equal(await pulumi.isSecret(ca.certPem), false);
    assert.equal(await pulumi.isSecret(leaf.certPem), false);
    await valueOf(leaf.certPem);
    const byName = Object.fromEntries(resources.map((r) => [r.name, r]));
    for (const n of ["db", "ca-key", "ca", "leaf"])
      assert.equal(byName[n]?.type, "pulumi-nodejs:dynamic:Resource", n);
    assert.deepEqual(
      {
        length: byName.db.inputs.length,
        special: byName.db.inputs.special,
        keepers: byName.db.inputs.keepers,
      },
      { length: 32, special: false, keepers: { db: "results" } },
    );
    assert.ok(!("result" in byName.db.inputs) || byName.db.inputs.result === undefined);
    assert.equal(typeof byName.db.inputs.__provider, "string");
    assert.deepEqual(
      { algorithm: byName["ca-key"].inputs.algorithm, curve: byName["ca-key"].inputs.ecdsaCurve },
      { algorithm: "ECDSA", curve: "P256" },
    );
    assert.deepEqual(byName.leaf.inputs.ipAddresses, []);
    assert.equal(byName.leaf.inputs.isCa, false);
    assert.equal(byName.ca.inputs.earlyRenewalHours, 0);
  });
});
