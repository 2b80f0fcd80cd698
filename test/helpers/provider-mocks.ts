// What the random and tls provider plugins return, computed for real under Pulumi mocks: passwords drawn
// as RandomPassword draws them, keys from node:crypto, CSRs and certificates from @peculiar/x509 signed with
// those keys. A test that parses a PEM, checks a chain or a SAN, or compares a key with its certificate,
// sees what the plugins would have produced. Secret outputs are the ones the SDKs mark
// (`additionalSecretOutputs`): the engine makes them secret, mocks do not, so setupMocks wraps them.
import "reflect-metadata";
import * as crypto from "node:crypto";
import type { webcrypto as WC } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { unwrap } from "./secrets";

export const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";
export const TLS_PRIVATE_KEY = "tls:index/privateKey:PrivateKey";
export const TLS_CERT_REQUEST = "tls:index/certRequest:CertRequest";
export const TLS_SELF_SIGNED_CERT = "tls:index/selfSignedCert:SelfSignedCert";
export const TLS_LOCALLY_SIGNED_CERT = "tls:index/locallySignedCert:LocallySignedCert";

/** Outputs each SDK class lists in additionalSecretOutputs (@pulumi/random 4.21.1, @pulumi/tls 5.5.1). */
export const SECRET_OUTPUTS: Record<string, string[]> = {
  [RANDOM_PASSWORD]: ["bcryptHash", "result"],
  [TLS_PRIVATE_KEY]: ["privateKeyOpenssh", "privateKeyPem", "privateKeyPemPkcs8"],
  [TLS_CERT_REQUEST]: ["privateKeyPem"],
  [TLS_SELF_SIGNED_CERT]: ["privateKeyPem"],
  [TLS_LOCALLY_SIGNED_CERT]: ["caPrivateKeyPem"],
};

const webcrypto: WC.Crypto = crypto.webcrypto;
x509.cryptoProvider.set(webcrypto);

/** The outputs the plugin would return for `type` (undefined: not a random/tls resource). */
export async function providerOutputs(
  type: string,
  rawInputs: Record<string, unknown>,
  now = new Date(),
): Promise<Record<string, unknown> | undefined> {
  const inputs = unwrap(rawInputs).value as Record<string, unknown>;
  switch (type) {
    case RANDOM_PASSWORD:
      return randomPassword(inputs);
    case TLS_PRIVATE_KEY:
      return privateKey(inputs);
    case TLS_CERT_REQUEST:
      return certRequest(inputs);
    case TLS_SELF_SIGNED_CERT:
      return certificate(inputs, now, false);
    case TLS_LOCALLY_SIGNED_CERT:
      return certificate(inputs, now, true);
    default:
      return undefined;
  }
}

// --- random ------------------------------------------------------------------------------------

const CLASSES = {
  lower: "abcdefghijklmnopqrstuvwxyz",
  upper: "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
  numeric: "0123456789",
  special: "!@#$%&*()-_=+[]{}<>:?",
};

function randomPassword(i: Record<string, unknown>): Record<string, unknown> {
  const length = i.length as number;
  const on = (k: string) => i[k] !== false; // every class defaults to true
  const min = (k: string) => (typeof i[k] === "number" ? (i[k] as number) : 0);
  const special = typeof i.overrideSpecial === "string" ? i.overrideSpecial : CLASSES.special;
  const classes: [string, number][] = [
    [on("lower") ? CLASSES.lower : "", min("minLower")],
    [on("upper") ? CLASSES.upper : "", min("minUpper")],
    [on("numeric") ? CLASSES.numeric : "", min("minNumeric")],
    [on("special") ? special : "", min("minSpecial")],
  ];
  const chars: string[] = [];
  for (const [set, n] of classes) {
    if (n > 0 && set === "") throw new Error("RandomPassword: a minimum for a disabled character class");
    for (let k = 0; k < n; k++) chars.push(set[crypto.randomInt(set.length)]);
  }
  if (chars.length > length) throw new Error("RandomPassword: the minimums exceed length");
  const all = classes.map(([s]) => s).join("");
  while (chars.length < length) chars.push(all[crypto.randomInt(all.length)]);
  for (let k = chars.length - 1; k > 0; k--) {
    const j = crypto.randomInt(k + 1);
    [chars[k], chars[j]] = [chars[j], chars[k]];
  }
  return {
    lower: on("lower"),
    upper: on("upper"),
    numeric: on("numeric"),
    number: on("numeric"),
    special: on("special"),
    minLower: min("minLower"),
    minUpper: min("minUpper"),
    minNumeric: min("minNumeric"),
    minSpecial: min("minSpecial"),
    result: chars.join(""),
  };
}

// --- tls ---------------------------------------------------------------------------------------

const CURVES: Record<string, string> = {
  P224: "secp224r1",
  P256: "prime256v1",
  P384: "secp384r1",
  P521: "secp521r1",
};

function privateKey(i: Record<string, unknown>): Record<string, unknown> {
  const algorithm = i.algorithm as string;
  const ecdsaCurve = (i.ecdsaCurve as string | undefined) ?? "P224";
  const rsaBits = (i.rsaBits as number | undefined) ?? 2048;
  let key: crypto.KeyObject;
  let traditional: string; // PKCS#1 for RSA, SEC1 for ECDSA, PKCS#8 for ED25519, as the provider writes them
  if (algorithm === "RSA") {
    key = crypto.generateKeyPairSync("rsa", { modulusLength: rsaBits }).privateKey;
    traditional = key.export({ type: "pkcs1", format: "pem" }) as string;
  } else if (algorithm === "ECDSA") {
    const namedCurve = CURVES[ecdsaCurve];
    if (!namedCurve) throw new Error(`PrivateKey: unknown ecdsaCurve ${ecdsaCurve}`);
    key = crypto.generateKeyPairSync("ec", { namedCurve }).privateKey;
    traditional = key.export({ type: "sec1", format: "pem" }) as string;
  } else if (algorithm === "ED25519") {
    key = crypto.generateKeyPairSync("ed25519").privateKey;
    traditional = key.export({ type: "pkcs8", format: "pem" }) as string;
  } else {
    throw new Error(`PrivateKey: unknown algorithm ${algorithm}`);
  }
  const pub = crypto.createPublicKey(key);
  const spki = pub.export({ type: "spki", format: "der" });
  return {
    algorithm,
    ecdsaCurve,
    rsaBits,
    privateKeyPem: traditional,
    privateKeyPemPkcs8: key.export({ type: "pkcs8", format: "pem" }),
    publicKeyPem: pub.export({ type: "spki", format: "pem" }),
    publicKeyFingerprintSha256: `SHA256:${crypto.createHash("sha256").update(new Uint8Array(spki)).digest("base64").replace(/=+$/, "")}`,
  };
}

interface Signer {
  keys: WC.CryptoKeyPair;
  signingAlgorithm: WC.Algorithm | WC.EcdsaParams;
  keyAlgorithm: string;
}

/** A PEM private key (PKCS#1, SEC1 or PKCS#8) as a WebCrypto key pair that can sign. */
async function signer(pem: unknown, what: string): Promise<Signer> {
  if (typeof pem !== "string") throw new Error(`${what} is not a string`);
  const key = crypto.createPrivateKey(pem); // throws on a key that is not one
  const pkcs8 = key.export({ type: "pkcs8", format: "der" });
  const spki = crypto.createPublicKey(key).export({ type: "spki", format: "der" });
  let importAlg: WC.RsaHashedImportParams | WC.EcKeyImportParams;
  let signingAlgorithm: WC.Algorithm | WC.EcdsaParams;
  let keyAlgorithm: string;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType === "rsa") {
    importAlg = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
    signingAlgorithm = { name: "RSASSA-PKCS1-v1_5" };
    keyAlgorithm = "RSA";
  } else if (key.asymmetricKeyType === "ec" && (curve === "prime256v1" || curve === "secp384r1")) {
    const p384 = curve === "secp384r1";
    importAlg = { name: "ECDSA", namedCurve: p384 ? "P-384" : "P-256" };
    signingAlgorithm = { name: "ECDSA", hash: p384 ? "SHA-384" : "SHA-256" } as WC.EcdsaParams;
    keyAlgorithm = "ECDSA";
  } else {
    throw new Error(`${what}: the mock signs with RSA and ECDSA P-256/P-384 keys only`);
  }
  return {
    keys: {
      privateKey: await webcrypto.subtle.importKey("pkcs8", pkcs8, importAlg, true, ["sign"]),
      publicKey: await webcrypto.subtle.importKey("spki", spki, importAlg, true, ["verify"]),
    },
    signingAlgorithm,
    keyAlgorithm,
  };
}

/** The provider's subject block as a distinguished name (O before CN, as Go writes it). */
function subjectName(subject: unknown): x509.JsonName {
  const s = (subject ?? {}) as Record<string, string | undefined>;
  const name: x509.JsonName = [];
  if (s.country) name.push({ C: [s.country] });
  if (s.province) name.push({ ST: [s.province] });
  if (s.locality) name.push({ L: [s.locality] });
  if (s.organization) name.push({ O: [s.organization] });
  if (s.organizationalUnit) name.push({ OU: [s.organizationalUnit] });
  if (s.commonName) name.push({ CN: [s.commonName] });
  return name;
}

function altNames(i: Record<string, unknown>): x509.JsonGeneralNames {
  const list = (k: string) => (Array.isArray(i[k]) ? (i[k] as string[]) : []);
  return [
    ...list("dnsNames").map((value) => ({ type: "dns" as const, value })),
    ...list("ipAddresses").map((value) => ({ type: "ip" as const, value })),
    ...list("uris").map((value) => ({ type: "url" as const, value })),
  ];
}

async function certRequest(i: Record<string, unknown>): Promise<Record<string, unknown>> {
  const s = await signer(i.privateKeyPem, "CertRequest: privateKeyPem");
  const sans = altNames(i);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subjectName(i.subject),
    keys: s.keys,
    signingAlgorithm: s.signingAlgorithm,
    extensions: sans.length > 0 ? [new x509.SubjectAlternativeNameExtension(sans)] : [],
  });
  return { keyAlgorithm: s.keyAlgorithm, certRequestPem: `${csr.toString("pem")}\n` };
}

const KEY_USAGES: Record<string, number> = {
  digital_signature: x509.KeyUsageFlags.digitalSignature,
  content_commitment: x509.KeyUsageFlags.nonRepudiation,
  key_encipherment: x509.KeyUsageFlags.keyEncipherment,
  data_encipherment: x509.KeyUsageFlags.dataEncipherment,
  key_agreement: x509.KeyUsageFlags.keyAgreement,
  cert_signing: x509.KeyUsageFlags.keyCertSign,
  crl_signing: x509.KeyUsageFlags.cRLSign,
  encipher_only: x509.KeyUsageFlags.encipherOnly,
  decipher_only: x509.KeyUsageFlags.decipherOnly,
};
const EXT_KEY_USAGES: Record<string, string> = {
  any_extended: "2.5.29.37.0",
  server_auth: "1.3.6.1.5.5.7.3.1",
  client_auth: "1.3.6.1.5.5.7.3.2",
  code_signing: "1.3.6.1.5.5.7.3.3",
  email_protection: "1.3.6.1.5.5.7.3.4",
  timestamping: "1.3.6.1.5.5.7.3.8",
  ocsp_signing: "1.3.6.1.5.5.7.3.9",
};

/** SelfSignedCert (from privateKeyPem, subject, SANs) or LocallySignedCert (from a CSR, signed by the CA). */
async function certificate(
  i: Record<string, unknown>,
  now: Date,
  locallySigned: boolean,
): Promise<Record<string, unknown>> {
  const hours = i.validityPeriodHours as number;
  const early = (i.earlyRenewalHours as number | undefined) ?? 0;
  const uses = (i.allowedUses ?? []) as string[];
  const isCa = i.isCaCertificate === true;
  let usage = 0;
  const ext: string[] = [];
  for (const u of uses) {
    if (u in KEY_USAGES) usage |= KEY_USAGES[u];
    else if (u in EXT_KEY_USAGES) ext.push(EXT_KEY_USAGES[u]);
    else throw new Error(`allowedUses: unknown use ${JSON.stringify(u)}`);
  }
  const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const notAfter = new Date(notBefore.getTime() + hours * 3_600_000);
  const serial = crypto.randomBytes(16);
  serial[0] &= 0x7f;

  let subject: string | x509.JsonName;
  let publicKey: x509.PublicKey | WC.CryptoKey;
  let sans: x509.Extension[];
  let issuer: Signer;
  let issuerName: string | x509.JsonName;
  let authorityKeyId: string | undefined;
  if (locallySigned) {
    const csr = new x509.Pkcs10CertificateRequest(i.certRequestPem as string);
    if (!(await csr.verify())) throw new Error("LocallySignedCert: the CSR's signature does not verify");
    subject = csr.subject;
    publicKey = csr.publicKey;
    const san = csr.extensions.find((e) => e.type === "2.5.29.17"); // subjectAltName
    sans = san ? [san] : [];
    issuer = await signer(i.caPrivateKeyPem, "LocallySignedCert: caPrivateKeyPem");
    const ca = new x509.X509Certificate(i.caCertPem as string);
    const caPublic = Buffer.from(new Uint8Array(ca.publicKey.rawData));
    const issuerPublic = Buffer.from(await webcrypto.subtle.exportKey("spki", issuer.keys.publicKey));
    if (!caPublic.equals(new Uint8Array(issuerPublic)))
      throw new Error("LocallySignedCert: caPrivateKeyPem is not caCertPem's key");
    issuerName = ca.subject;
    authorityKeyId = ca.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  } else {
    issuer = await signer(i.privateKeyPem, "SelfSignedCert: privateKeyPem");
    subject = issuerName = subjectName(i.subject);
    publicKey = issuer.keys.publicKey;
    const names = altNames(i);
    sans = names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : [];
  }
  const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(isCa, undefined, true)];
  if (usage !== 0) extensions.push(new x509.KeyUsagesExtension(usage, true));
  if (ext.length > 0) extensions.push(new x509.ExtendedKeyUsageExtension(ext));
  extensions.push(...sans);
  if (i.setSubjectKeyId === true || isCa) {
    extensions.push(await x509.SubjectKeyIdentifierExtension.create(publicKey));
  }
  if (authorityKeyId) extensions.push(new x509.AuthorityKeyIdentifierExtension(authorityKeyId));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial.toString("hex"),
    subject,
    issuer: issuerName,
    notBefore,
    notAfter,
    publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: issuer.signingAlgorithm,
    extensions,
  });
  return {
    [locallySigned ? "caKeyAlgorithm" : "keyAlgorithm"]: issuer.keyAlgorithm,
    certPem: `${cert.toString("pem")}\n`,
    validityStartTime: notBefore.toISOString().replace(".000Z", "Z"),
    validityEndTime: notAfter.toISOString().replace(".000Z", "Z"),
    readyForRenewal: now.getTime() >= notAfter.getTime() - early * 3_600_000,
  };
}

/** A real CA (ECDSA P-256 key, PKCS#8, and its self-signed certificate), e.g. for a mocked StackReference. */
export async function mockCa(commonName: string): Promise<{ keyPem: string; certPem: string }> {
  const key = privateKey({ algorithm: "ECDSA", ecdsaCurve: "P256" });
  const keyPem = key.privateKeyPemPkcs8 as string;
  const cert = await certificate(
    {
      privateKeyPem: keyPem,
      subject: { commonName },
      isCaCertificate: true,
      validityPeriodHours: 87600,
      allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
    },
    new Date(),
    false,
  );
  return { keyPem, certPem: cert.certPem as string };
}
