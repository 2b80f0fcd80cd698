// Conformance of our pulumi-resource-random and pulumi-resource-tls plugins (tools/go/pulumi-providers) with the
// upstream schemas the @pulumi/random and @pulumi/tls SDKs were generated from, over the real gRPC protocol
// against the installed binaries: for every implemented resource, Create with representative inputs returns
// every output the schema declares, with the declared type, secret where declared; identical inputs diff to no
// change; a ForceNew input (keepers, length, algorithm, …) diffs to a replacement; a certificate inside its
// early-renewal window is ready for renewal and diffs to a replacement; import formats as upstream documents.
// Needs only the built plugins (tools/build.sh pulumi-providers), no cluster.
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { ENV, PROJECT_DIR } from "./harness";
import { isSecret, Plugin, pluginPath, reveal, secret, UNKNOWN, type Props } from "./provider-client";

const versions = fs.readFileSync(path.join(PROJECT_DIR, "tools/versions.env"), "utf8");
const pinned = (key: string): string => {
  const v = new RegExp(`^${key}=(.*)$`, "m").exec(versions)?.[1];
  if (!v) throw new Error(`tools/versions.env has no ${key}`);
  return v;
};

interface PropSpec {
  type?: string;
  $ref?: string;
  items?: PropSpec;
  additionalProperties?: PropSpec;
  secret?: boolean;
}
interface Schema {
  resources: Record<
    string,
    { inputProperties?: Record<string, PropSpec>; properties: Record<string, PropSpec>; required?: string[] }
  >;
  types: Record<string, { properties: Record<string, PropSpec> }>;
  functions: Record<string, { outputs: { properties: Record<string, PropSpec> } }>;
}

/** The upstream schema from the schema mirror, checked against the hash pinned in tools/versions.env. */
function upstreamSchema(name: "random" | "tls"): { text: string; schema: Schema } {
  const version = pinned(`PULUMI_${name.toUpperCase()}_VERSION`);
  const dir = ENV.PIPELINE_SERVICE_SCHEMAS || path.resolve(PROJECT_DIR, "..", "shared", "schemas");
  const file = path.join(dir, `pulumi-${name}-v${version}.schema.json`);
  if (!fs.existsSync(file))
    throw new Error(`${file} is missing (set PIPELINE_SERVICE_SCHEMAS to the schema mirror)`);
  const text = fs.readFileSync(file, "utf8");
  const sha = crypto.createHash("sha256").update(text).digest("hex");
  assert.equal(sha, pinned(`PULUMI_${name.toUpperCase()}_SCHEMA_SHA256`), `${file}: not the pinned schema`);
  return { text, schema: JSON.parse(text) as Schema };
}

/** Asserts a (revealed) value has the schema's declared type, recursively. */
function assertType(schema: Schema, spec: PropSpec, value: unknown, where: string): void {
  const v = reveal(value);
  if (spec.$ref) {
    const tok = decodeURIComponent(spec.$ref.replace(/^#\/types\//, ""));
    const t = schema.types[tok];
    assert.ok(t, `${where}: unknown type ${spec.$ref}`);
    assert.equal(typeof v, "object", `${where}: expected an object of ${tok}`);
    for (const [k, sub] of Object.entries(v as Props)) {
      assert.ok(t.properties[k], `${where}.${k} is not a property of ${tok}`);
      assertType(schema, t.properties[k], sub, `${where}.${k}`);
    }
    return;
  }
  switch (spec.type) {
    case "string":
      return assert.equal(typeof v, "string", `${where}: expected a string, got ${JSON.stringify(v)}`);
    case "boolean":
      return assert.equal(typeof v, "boolean", `${where}: expected a boolean, got ${JSON.stringify(v)}`);
    case "number":
      return assert.equal(typeof v, "number", `${where}: expected a number`);
    case "integer":
      return assert.ok(Number.isInteger(v), `${where}: expected an integer, got ${JSON.stringify(v)}`);
    case "array":
      assert.ok(Array.isArray(v), `${where}: expected an array`);
      (v as unknown[]).forEach((e, i) => assertType(schema, spec.items ?? {}, e, `${where}[${i}]`));
      return;
    case "object":
      assert.equal(typeof v, "object", `${where}: expected an object`);
      if (spec.additionalProperties) {
        for (const [k, e] of Object.entries(v as Props))
          assertType(schema, spec.additionalProperties, e, `${where}.${k}`);
      }
      return;
    default:
      assert.fail(`${where}: schema type ${JSON.stringify(spec)} not handled by this test`);
  }
}

/**
 * Every declared output (with `requiredOnly`: every required one) is returned, typed as declared, secret exactly
 * where the schema (or a secret input of the same name) says so; nothing undeclared is returned.
 */
function assertOutputs(
  schema: Schema,
  type: string,
  inputs: Props,
  outputs: Props,
  requiredOnly = false,
): void {
  const res = schema.resources[type];
  for (const [k, spec] of Object.entries(res.properties)) {
    if (requiredOnly && !(res.required ?? []).includes(k) && !(k in outputs)) continue;
    assert.ok(k in outputs, `${type}: output ${k} is missing`);
    assertType(schema, spec, outputs[k], `${type}.${k}`);
    const wantSecret = !!spec.secret || isSecret(inputs[k]);
    assert.equal(isSecret(outputs[k]), wantSecret, `${type}.${k}: secret should be ${wantSecret}`);
  }
  for (const k of Object.keys(outputs)) assert.ok(k in res.properties, `${type}: undeclared output ${k}`);
}

interface Case {
  type: string;
  inputs: Props;
  /** Input changes that upstream turns into a replacement (ForceNew). */
  replaceOn: Props;
}

/** Runs Check → Create → the output assertions → no-op Diff → replacing Diffs, → Delete; returns the state. */
async function lifecycle(
  plugin: Plugin,
  schema: Schema,
  c: Case,
): Promise<{ id: string; outputs: Props; inputs: Props }> {
  const checked = await plugin.check(c.type, c.inputs);
  assert.deepEqual(
    checked.failures.map((f) => f.getReason()),
    [],
    `${c.type}: check failures`,
  );
  const preview = await plugin.create(c.type, checked.inputs, true);
  assert.equal(preview.id, "", `${c.type}: a preview creates nothing`);
  const { id, outputs } = await plugin.create(c.type, checked.inputs);
  assert.ok(id, `${c.type}: no ID`);
  assertOutputs(schema, c.type, checked.inputs, outputs);

  const same = await plugin.diff(
    c.type,
    id,
    outputs,
    (await plugin.check(c.type, c.inputs, checked.inputs)).inputs,
  );
  assert.deepEqual(
    same,
    { changes: "none", replaces: [], diffs: [] },
    `${c.type}: identical inputs must not diff`,
  );
  for (const [k, v] of Object.entries(c.replaceOn)) {
    const news = (await plugin.check(c.type, { ...c.inputs, [k]: v }, checked.inputs)).inputs;
    const d = await plugin.diff(c.type, id, outputs, news);
    assert.equal(d.changes, "some", `${c.type}: changing ${k} is a change`);
    assert.deepEqual(d.replaces, [k], `${c.type}: changing ${k} replaces`);
  }
  const unknown = await plugin.diff(c.type, id, outputs, {
    ...checked.inputs,
    [Object.keys(c.replaceOn)[0]]: UNKNOWN,
  });
  assert.deepEqual(
    unknown.replaces,
    [Object.keys(c.replaceOn)[0]],
    `${c.type}: an unknown ForceNew input replaces`,
  );

  const refreshed = await plugin.read(c.type, id, outputs, checked.inputs);
  if (!/Cert$/.test(c.type)) assert.deepEqual(refreshed.state, outputs, `${c.type}: refresh keeps the state`);
  assert.equal(refreshed.id, id);
  await plugin.delete(c.type, id, outputs);
  return { id, outputs, inputs: checked.inputs };
}

const plugins: Record<string, Plugin> = {};

describe("provider plugins conform to the upstream schemas", () => {
  const random = upstreamSchema("random");
  const tls = upstreamSchema("tls");

  before(async () => {
    plugins.random = await Plugin.start(pluginPath("random", pinned("PULUMI_RANDOM_VERSION")));
    plugins.tls = await Plugin.start(pluginPath("tls", pinned("PULUMI_TLS_VERSION")));
  });
  after(() => Object.values(plugins).forEach((p) => p.stop()));

  test("plugin info, the exact upstream schema, configuration", async () => {
    assert.equal(await plugins.random.version(), pinned("PULUMI_RANDOM_VERSION"));
    assert.equal(await plugins.tls.version(), pinned("PULUMI_TLS_VERSION"));
    assert.equal(await plugins.random.schema(), random.text);
    assert.equal(await plugins.tls.schema(), tls.text);
    const conf = await plugins.tls.configure();
    assert.ok(conf.getAcceptsecrets() && conf.getSupportspreview());
  });

  describe("random", () => {
    const R = "random:index/";
    const keepers = { rotation: "1" };
    const stringInputs = {
      length: 24,
      keepers,
      lower: true,
      upper: true,
      numeric: true,
      number: true,
      special: true,
      minLower: 2,
      minUpper: 3,
      minNumeric: 4,
      minSpecial: 5,
      overrideSpecial: "#%",
    };

    test("RandomPassword: secret result and bcrypt hash, character rules, keepers/length replace", async () => {
      const t = `${R}randomPassword:RandomPassword`;
      const { id, outputs } = await lifecycle(plugins.random, random.schema, {
        type: t,
        inputs: stringInputs,
        replaceOn: { keepers: { rotation: "2" }, length: 25, special: false, overrideSpecial: "!" },
      });
      assert.equal(id, "none");
      const pw = reveal(outputs.result) as string;
      assert.equal(pw.length, 24);
      assert.match(pw, /^[a-zA-Z0-9#%]+$/);
      const count = (re: RegExp) => (pw.match(re) ?? []).length;
      assert.ok(
        count(/[a-z]/g) >= 2 && count(/[A-Z]/g) >= 3 && count(/[0-9]/g) >= 4 && count(/[#%]/g) >= 5,
        pw,
      );
      assert.match(reveal(outputs.bcryptHash) as string, /^\$2a\$10\$/);
    });

    test("RandomPassword: defaults as upstream, keepers null vs {} is no change, bad lengths are check failures", async () => {
      const t = `${R}randomPassword:RandomPassword`;
      const { inputs } = await plugins.random.check(t, { length: 16 });
      assert.deepEqual(
        { ...inputs },
        {
          length: 16,
          lower: true,
          upper: true,
          numeric: true,
          number: true,
          special: true,
          minLower: 0,
          minUpper: 0,
          minNumeric: 0,
          minSpecial: 0,
        },
      );
      const { id, outputs } = await plugins.random.create(t, inputs);
      assert.match(reveal(outputs.result) as string, /^[A-Za-z0-9!@#$%&*()\-_=+[\]{}<>:?]{16}$/);
      assert.equal((await plugins.random.diff(t, id, outputs, { ...inputs, keepers: {} })).changes, "none");
      const bad = await plugins.random.check(t, { length: 3, minUpper: 2, minLower: 2 });
      assert.deepEqual(
        bad.failures.map((f) => f.getProperty()),
        ["length"],
      );
      assert.match(bad.failures[0].getReason(), /at least the sum/);
      const unknownLength = await plugins.random.check(t, { length: UNKNOWN });
      assert.deepEqual(unknownLength.failures, [], "an unknown length is checked once known");
      const secretKeepers = await plugins.random.create(t, { ...inputs, keepers: secret({ k: "v" }) });
      assert.ok(isSecret(secretKeepers.outputs.keepers), "a secret input stays secret in the state");
      // A secret nested in an input (a keeper holding another resource's password) stays secret too.
      const nested = await plugins.random.create(`${R}randomId:RandomId`, {
        byteLength: 4,
        keepers: { password: secret("nested-secret-value"), plain: "p" },
      });
      const keepersOut = nested.outputs.keepers as Props;
      assert.ok(isSecret(keepersOut.password) && reveal(keepersOut.password) === "nested-secret-value");
      assert.equal(keepersOut.plain, "p");
      const number = await plugins.random.check(t, { length: 8, number: false });
      assert.equal(number.inputs.numeric, false, "number (deprecated) sets numeric");
    });

    test("RandomString (property): any valid rules give a string that follows them", async () => {
      const t = `${R}randomString:RandomString`;
      const classes = { lower: /[a-z]/g, upper: /[A-Z]/g, numeric: /[0-9]/g } as const;
      const min = fc.integer({ min: 0, max: 6 });
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            lower: fc.boolean(),
            upper: fc.boolean(),
            numeric: fc.boolean(),
            special: fc.boolean(),
          }),
          fc.record({ minLower: min, minUpper: min, minNumeric: min, minSpecial: min }),
          fc.integer({ min: 0, max: 20 }),
          fc.constantFrom(undefined, "!", "-_.~"),
          async (on, mins, extra, overrideSpecial) => {
            if (!Object.values(on).some(Boolean)) on.lower = true;
            const total = Object.values(mins).reduce((a, b) => a + b, 0);
            const inputs = {
              length: Math.max(1, total + extra),
              ...on,
              ...mins,
              ...(overrideSpecial ? { overrideSpecial } : {}),
            };
            const checked = await plugins.random.check(t, inputs);
            assert.deepEqual(checked.failures, []);
            const s = (await plugins.random.create(t, checked.inputs)).outputs.result as string;
            assert.equal(s.length, inputs.length);
            const special = overrideSpecial ?? "!@#$%&*()-_=+[]{}<>:?";
            const isSpecial = (ch: string) => special.includes(ch) && !/[a-zA-Z0-9]/.test(ch);
            for (const [k, re] of Object.entries(classes)) {
              const n = (s.match(re) ?? []).length;
              const m = mins[`min${k[0].toUpperCase()}${k.slice(1)}` as keyof typeof mins];
              assert.ok(n >= m, `${k}: ${n} < ${m} in ${s}`);
              // A class that is off appears only as often as its minimum asks.
              if (!on[k as keyof typeof on]) assert.equal(n, m, `${k} is off: ${s}`);
            }
            const specials = [...s].filter(isSpecial).length;
            assert.ok(specials >= mins.minSpecial, `special: ${specials} < ${mins.minSpecial} in ${s}`);
            assert.ok(
              [...s].every((ch) => /[a-zA-Z0-9]/.test(ch) || special.includes(ch)),
              s,
            );
          },
        ),
        { numRuns: 60 },
      );
    });

    test("RandomString: the ID is the value, not secret", async () => {
      const { id, outputs } = await lifecycle(plugins.random, random.schema, {
        type: `${R}randomString:RandomString`,
        inputs: stringInputs,
        replaceOn: { keepers: { rotation: "2" }, minUpper: 4, upper: false },
      });
      assert.equal(id, outputs.result);
    });

    test("RandomId, RandomInteger, RandomBytes, RandomShuffle, RandomUuid(4/7)", async () => {
      const rid = await lifecycle(plugins.random, random.schema, {
        type: `${R}randomId:RandomId`,
        inputs: { byteLength: 8, prefix: "p-", keepers },
        replaceOn: { keepers: { rotation: "2" }, byteLength: 4, prefix: "q-" },
      });
      const raw = Buffer.from(rid.id, "base64url");
      assert.equal(raw.length, 8);
      assert.equal(rid.outputs.hex, `p-${raw.toString("hex")}`);
      assert.equal(rid.outputs.dec, `p-${BigInt(`0x${raw.toString("hex")}`)}`);
      assert.equal(rid.outputs.b64Std, `p-${raw.toString("base64")}`);

      const int = await lifecycle(plugins.random, random.schema, {
        type: `${R}randomInteger:RandomInteger`,
        inputs: { min: 10, max: 20, seed: "s", keepers },
        replaceOn: { keepers: { rotation: "2" }, min: 11, max: 21, seed: "t" },
      });
      const n = int.outputs.result as number;
      assert.ok(n >= 10 && n <= 20 && int.id === String(n));
      const again = await plugins.random.create(`${R}randomInteger:RandomInteger`, int.inputs);
      assert.equal(again.outputs.result, n, "the same seed gives the same result");

      const bytes = await lifecycle(plugins.random, random.schema, {
        type: `${R}randomBytes:RandomBytes`,
        inputs: { length: 32, keepers },
        replaceOn: { keepers: { rotation: "2" }, length: 16 },
      });
      assert.equal(
        Buffer.from(reveal(bytes.outputs.base64) as string, "base64").toString("hex"),
        reveal(bytes.outputs.hex),
      );

      const shuffle = await lifecycle(plugins.random, random.schema, {
        type: `${R}randomShuffle:RandomShuffle`,
        inputs: { inputs: ["a", "b", "c", "d"], resultCount: 6, seed: "x", keepers },
        replaceOn: { keepers: { rotation: "2" }, inputs: ["a"], resultCount: 2, seed: "y" },
      });
      const results = shuffle.outputs.results as string[];
      assert.equal(results.length, 6);
      assert.deepEqual(
        [...results.slice(0, 4)].sort(),
        ["a", "b", "c", "d"],
        "each pass uses every item once",
      );

      for (const [tok, v] of [
        ["randomUuid:RandomUuid", "4"],
        ["randomUuid4:RandomUuid4", "4"],
        ["randomUuid7:RandomUuid7", "7"],
      ]) {
        const u = await lifecycle(plugins.random, random.schema, {
          type: `${R}${tok}`,
          inputs: { keepers },
          replaceOn: { keepers: { rotation: "2" } },
        });
        assert.match(
          u.id,
          new RegExp(`^[0-9a-f]{8}-[0-9a-f]{4}-${v}[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`),
        );
        assert.equal(u.outputs.result, u.id);
      }
    });

    test("import by ID as upstream documents", async () => {
      const pw = await plugins.random.read(`${R}randomPassword:RandomPassword`, "supersecret");
      assert.equal(pw.id, "none");
      assert.ok(isSecret(pw.state.result) && reveal(pw.state.result) === "supersecret");
      assert.equal(pw.inputs.length, 11);
      assertOutputs(random.schema, `${R}randomPassword:RandomPassword`, {}, pw.state, true);

      const str = await plugins.random.read(`${R}randomString:RandomString`, "myspecialdata");
      assert.equal(str.state.result, "myspecialdata");
      const id = await plugins.random.read(`${R}randomId:RandomId`, "my-prefix-,p-9hUg");
      assert.deepEqual([id.id, id.state.b64Url, id.state.byteLength], ["p-9hUg", "my-prefix-p-9hUg", 4]);
      const int = await plugins.random.read(`${R}randomInteger:RandomInteger`, "15390,1,50000");
      assert.deepEqual([int.id, int.state.result, int.state.min, int.state.max], ["15390", 15390, 1, 50000]);
      const bytes = await plugins.random.read(`${R}randomBytes:RandomBytes`, "8/fu3q+2DcgSJ19i0jZ5Cw==");
      assert.equal(bytes.state.length, 16);
      const uuid = await plugins.random.read(
        `${R}randomUuid:RandomUuid`,
        "aabbccdd-eeff-0011-2233-445566778899",
      );
      assert.equal(uuid.state.result, "aabbccdd-eeff-0011-2233-445566778899");
      await assert.rejects(
        plugins.random.read(`${R}randomInteger:RandomInteger`, "x"),
        /<result>,<min>,<max>/,
      );
      await assert.rejects(
        plugins.random.read(`${R}randomShuffle:RandomShuffle`, "-"),
        /does not support import/,
      );
    });

    test("RandomPet is refused with a clear error naming it", async () => {
      await assert.rejects(
        plugins.random.check(`${R}randomPet:RandomPet`, {}),
        /randomPet:RandomPet is not implemented/,
      );
    });
  });

  describe("tls", () => {
    const T = "tls:index/";
    const subject = {
      commonName: "conformance",
      organization: "pipeline-service",
      organizationalUnit: "ci",
      country: "DE",
      province: "BE",
      locality: "Berlin",
      postalCode: "10115",
      streetAddresses: ["Street 1"],
      serialNumber: "42",
      emailAddress: "ci@example.com",
    };

    test("PrivateKey: RSA, ECDSA (every curve), ED25519; secret private forms; ForceNew", async () => {
      const t = `${T}privateKey:PrivateKey`;
      const variants: Props[] = [
        { algorithm: "RSA", rsaBits: 2048 },
        ...["P224", "P256", "P384", "P521"].map((c) => ({ algorithm: "ECDSA", ecdsaCurve: c })),
        { algorithm: "ED25519" },
      ];
      for (const inputs of variants) {
        const { id, outputs } = await lifecycle(plugins.tls, tls.schema, {
          type: t,
          inputs,
          replaceOn: {
            algorithm: inputs.algorithm === "RSA" ? "ED25519" : "RSA",
            rsaBits: 4096,
            ecdsaCurve: inputs.ecdsaCurve === "P256" ? "P384" : "P256",
          },
        });
        const pub = crypto.createPublicKey(outputs.publicKeyPem as string);
        const priv = crypto.createPrivateKey(reveal(outputs.privateKeyPemPkcs8) as string);
        assert.equal(
          pub.export({ type: "spki", format: "pem" }),
          crypto.createPublicKey(priv).export({ type: "spki", format: "pem" }),
        );
        assert.equal(
          id,
          crypto
            .createHash("sha1")
            .update(outputs.publicKeyPem as string)
            .digest("hex"),
        );
        const ssh = inputs.ecdsaCurve !== "P224"; // OpenSSH has no P-224: upstream leaves those empty
        assert.equal((outputs.publicKeyOpenssh as string).length > 0, ssh, JSON.stringify(inputs));
        assert.equal(
          (reveal(outputs.privateKeyOpenssh) as string).startsWith("-----BEGIN OPENSSH PRIVATE KEY-----"),
          ssh,
        );
        if (ssh) assert.match(outputs.publicKeyFingerprintSha256 as string, /^SHA256:/);
      }
      const defaults = await plugins.tls.check(t, { algorithm: "RSA" });
      assert.deepEqual({ ...defaults.inputs }, { algorithm: "RSA", rsaBits: 2048, ecdsaCurve: "P224" });
      const bad = await plugins.tls.check(t, { algorithm: "DSA" });
      assert.match(bad.failures[0].getReason(), /RSA, ECDSA, ED25519/);
      await assert.rejects(plugins.tls.read(t, "x"), /does not support import/);
    });

    test("SelfSignedCert, CertRequest, LocallySignedCert: outputs, chain, SANs, usages, ForceNew", async () => {
      const ca = await plugins.tls.create(`${T}privateKey:PrivateKey`, {
        algorithm: "ECDSA",
        ecdsaCurve: "P256",
        rsaBits: 2048,
      });
      const caKey = ca.outputs.privateKeyPem; // secret, as the engine passes it on
      const sans = { dnsNames: ["a.example"], ipAddresses: ["127.0.0.1"], uris: ["spiffe://ps/ci"] };
      const caCert = await lifecycle(plugins.tls, tls.schema, {
        type: `${T}selfSignedCert:SelfSignedCert`,
        inputs: {
          privateKeyPem: caKey,
          subject,
          ...sans,
          validityPeriodHours: 48,
          earlyRenewalHours: 1,
          allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
          isCaCertificate: true,
          maxPathLength: 1,
          setSubjectKeyId: true,
          setAuthorityKeyId: true,
        },
        replaceOn: {
          subject: { commonName: "other" },
          validityPeriodHours: 24,
          isCaCertificate: false,
          dnsNames: ["b.example"],
        },
      });
      const caX = new crypto.X509Certificate(caCert.outputs.certPem as string);
      assert.ok(caX.ca && caX.verify(caX.publicKey));
      assert.equal(caX.serialNumber.replace(/^0+/, "").toLowerCase(), BigInt(caCert.id).toString(16));
      assert.equal(caX.subjectAltName, "DNS:a.example, IP Address:127.0.0.1, URI:spiffe://ps/ci");
      assert.match(caX.subject, /CN=conformance/);
      assert.equal(caCert.outputs.readyForRenewal, false);
      assert.equal(caCert.outputs.keyAlgorithm, "ECDSA");
      const hours =
        (Date.parse(caCert.outputs.validityEndTime as string) -
          Date.parse(caCert.outputs.validityStartTime as string)) /
        3.6e6;
      assert.equal(hours, 48);

      const leafKey = await plugins.tls.create(`${T}privateKey:PrivateKey`, {
        algorithm: "RSA",
        rsaBits: 2048,
        ecdsaCurve: "P224",
      });
      const csr = await lifecycle(plugins.tls, tls.schema, {
        type: `${T}certRequest:CertRequest`,
        inputs: { privateKeyPem: leafKey.outputs.privateKeyPem, subject: { commonName: "leaf" }, ...sans },
        replaceOn: { subject: { commonName: "leaf2" }, ipAddresses: ["::1"], uris: [] },
      });
      assert.equal(csr.outputs.keyAlgorithm, "RSA");
      const leaf = await lifecycle(plugins.tls, tls.schema, {
        type: `${T}locallySignedCert:LocallySignedCert`,
        inputs: {
          certRequestPem: csr.outputs.certRequestPem,
          caPrivateKeyPem: caKey,
          caCertPem: caCert.outputs.certPem,
          validityPeriodHours: 12,
          earlyRenewalHours: 2,
          allowedUses: ["server_auth", "client_auth", "key_encipherment", "digital_signature"],
          isCaCertificate: false,
          maxPathLength: 0,
          setSubjectKeyId: true,
        },
        replaceOn: {
          validityPeriodHours: 13,
          allowedUses: ["server_auth"],
          caCertPem: "other",
          certRequestPem: "other",
        },
      });
      const leafX = new crypto.X509Certificate(leaf.outputs.certPem as string);
      assert.ok(leafX.verify(caX.publicKey) && leafX.checkIssued(caX), "signed by the CA");
      assert.ok(!leafX.ca);
      assert.equal(leafX.subjectAltName, caX.subjectAltName, "SANs come from the request");
      assert.match(leafX.subject, /CN=leaf/);
      assert.equal(leaf.outputs.caKeyAlgorithm, "ECDSA");
      assert.deepEqual(leafX.keyUsage?.sort(), ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);

      // earlyRenewalHours changes in place (upstream: the only updatable input).
      const t = `${T}locallySignedCert:LocallySignedCert`;
      const news = { ...leaf.inputs, earlyRenewalHours: 3 };
      const d = await plugins.tls.diff(t, leaf.id, leaf.outputs, news);
      assert.deepEqual([d.changes, d.replaces, d.diffs], ["some", [], ["earlyRenewalHours"]]);
      const updated = await plugins.tls.update(t, leaf.id, leaf.outputs, news);
      assert.deepEqual(
        [updated.earlyRenewalHours, updated.certPem, updated.readyForRenewal],
        [3, leaf.outputs.certPem, false],
      );
      assertOutputs(tls.schema, t, leaf.inputs, updated);
    });

    test("renewal: earlyRenewalHours >= validity → readyForRenewal, refresh reports it, Diff replaces", async () => {
      const key = await plugins.tls.create(`${T}privateKey:PrivateKey`, {
        algorithm: "ED25519",
        rsaBits: 2048,
        ecdsaCurve: "P224",
      });
      const t = `${T}selfSignedCert:SelfSignedCert`;
      const inputs = (
        await plugins.tls.check(t, {
          privateKeyPem: key.outputs.privateKeyPem,
          subject: { commonName: "renew" },
          validityPeriodHours: 1,
          earlyRenewalHours: 1,
          allowedUses: ["digital_signature"],
        })
      ).inputs;
      const cert = await plugins.tls.create(t, inputs);
      assert.equal(cert.outputs.readyForRenewal, true);
      const d = await plugins.tls.diff(t, cert.id, cert.outputs, inputs);
      assert.deepEqual([d.changes, d.replaces], ["some", ["readyForRenewal"]]);
      // A state from before the window: refresh turns readyForRenewal on.
      const refreshed = await plugins.tls.read(
        t,
        cert.id,
        { ...cert.outputs, readyForRenewal: false },
        inputs,
      );
      assert.equal(refreshed.state.readyForRenewal, true);
      assert.deepEqual(refreshed.inputs, inputs);
      // Far from the window: no change.
      const fresh = await plugins.tls.create(t, { ...inputs, validityPeriodHours: 100 });
      assert.equal(
        (await plugins.tls.diff(t, fresh.id, fresh.outputs, { ...inputs, validityPeriodHours: 100 })).changes,
        "none",
      );
    });

    test("functions getPublicKey and getCertificate", async () => {
      const key = await plugins.tls.create(`${T}privateKey:PrivateKey`, {
        algorithm: "ECDSA",
        ecdsaCurve: "P384",
        rsaBits: 2048,
      });
      const got = await plugins.tls.invoke(`${T}getPublicKey:getPublicKey`, {
        privateKeyPem: key.outputs.privateKeyPem,
      });
      assert.deepEqual(got.failures, []);
      for (const k of [
        "publicKeyPem",
        "publicKeyOpenssh",
        "publicKeyFingerprintMd5",
        "publicKeyFingerprintSha256",
      ]) {
        assert.equal(got.ret[k], key.outputs[k], k);
      }
      assert.ok(isSecret(got.ret.privateKeyPem), "the private key stays secret");
      for (const [k, spec] of Object.entries(
        tls.schema.functions[`${T}getPublicKey:getPublicKey`].outputs.properties,
      )) {
        if (k !== "privateKeyOpenssh") assertType(tls.schema, spec, got.ret[k], `getPublicKey.${k}`);
      }
      const self = await plugins.tls.create(`${T}selfSignedCert:SelfSignedCert`, {
        privateKeyPem: key.outputs.privateKeyPem,
        validityPeriodHours: 1,
        allowedUses: ["cert_signing"],
        isCaCertificate: true,
        earlyRenewalHours: 0,
        maxPathLength: 0,
        setSubjectKeyId: false,
        setAuthorityKeyId: false,
      });
      const certs = await plugins.tls.invoke(`${T}getCertificate:getCertificate`, {
        content: self.outputs.certPem,
      });
      assert.deepEqual(certs.failures, []);
      const [c] = certs.ret.certificates as Props[];
      assert.equal(c.isCa, true);
      assert.equal(c.serialNumber, self.id);
      assertType(
        tls.schema,
        tls.schema.functions[`${T}getCertificate:getCertificate`].outputs.properties.certificates,
        certs.ret.certificates,
        "certificates",
      );
      const none = await plugins.tls.invoke(`${T}getPublicKey:getPublicKey`, {});
      assert.match(none.failures[0], /exactly one of privateKeyPem and privateKeyOpenssh/);
    });
  });
});
