// TLS keys and certificates without the @pulumi/tls plugin (its Terraform-bridged binary cannot be
// built offline here): Pulumi dynamic providers over node:crypto and @peculiar/x509.
// Each provider object is serialized into the state by closure serialization, so everything it
// calls lives in this file, requires its modules inside the functions (plain require calls,
// resolved where the provider runs, with reflect-metadata loaded before @peculiar/x509), and never
// touches @pulumi/pulumi. Private keys exist only in inputs and outputs marked secret; they are
// never logged and never quoted in an error message.
import * as pulumi from "@pulumi/pulumi";
import type * as X509 from "@peculiar/x509";
import type { webcrypto as WC } from "node:crypto";

/** The value the engine sends for an input that is not known yet (during preview). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface ProviderCheckFailure {
  property: string;
  reason: string;
}

export interface ProviderDiff {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
}

/** JSON with sorted object keys, so two equal values compare equal whatever their key order. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => canonicalJson(x)).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(",")}}`;
  }
  return v === undefined ? "null" : JSON.stringify(v);
}

/** Loads @peculiar/x509 (which needs the Reflect metadata polyfill) and node's WebCrypto. */
function loadX509(): { x509: typeof X509; webcrypto: WC.Crypto } {
  /* eslint-disable @typescript-eslint/no-require-imports -- required inside: serialized provider */
  require("reflect-metadata");
  const x509 = require("@peculiar/x509") as typeof X509;
  const webcrypto = (require("node:crypto") as typeof import("node:crypto")).webcrypto;
  /* eslint-enable @typescript-eslint/no-require-imports */
  return { x509, webcrypto };
}

// ---------------------------------------------------------------------------------------------
// Private keys

export type KeyAlgorithm = "ECDSA" | "RSA";
export type EcdsaCurve = "P256" | "P384";

/** Inputs of the private-key provider (defaults applied by the resource class). */
export interface TlsPrivateKeyInputs {
  algorithm: KeyAlgorithm;
  ecdsaCurve: EcdsaCurve;
  rsaBits: number;
}

export const RSA_BITS = [2048, 3072, 4096];

export function checkPrivateKeyInputs(news: Partial<TlsPrivateKeyInputs>): ProviderCheckFailure[] {
  const failures: ProviderCheckFailure[] = [];
  const { algorithm, ecdsaCurve, rsaBits } = news as Record<string, unknown>;
  if (algorithm !== UNKNOWN && algorithm !== "ECDSA" && algorithm !== "RSA") {
    failures.push({ property: "algorithm", reason: 'TlsPrivateKey: algorithm must be "ECDSA" or "RSA"' });
  }
  if (ecdsaCurve !== UNKNOWN && ecdsaCurve !== "P256" && ecdsaCurve !== "P384") {
    failures.push({ property: "ecdsaCurve", reason: 'TlsPrivateKey: ecdsaCurve must be "P256" or "P384"' });
  }
  if (rsaBits !== UNKNOWN && !RSA_BITS.includes(rsaBits as number)) {
    failures.push({
      property: "rsaBits",
      reason: `TlsPrivateKey: rsaBits must be one of ${RSA_BITS.join(", ")}`,
    });
  }
  return failures;
}

/** Replace when the kind of key asked for changes; parameters of the other algorithm don't count. */
export function privateKeyDiff(
  olds: Partial<TlsPrivateKeyInputs>,
  news: Partial<TlsPrivateKeyInputs>,
): ProviderDiff {
  const replaces: string[] = [];
  const algorithm = news.algorithm ?? "ECDSA";
  if ((olds.algorithm ?? "ECDSA") !== algorithm) replaces.push("algorithm");
  else if (algorithm === "ECDSA" && (olds.ecdsaCurve ?? "P256") !== (news.ecdsaCurve ?? "P256"))
    replaces.push("ecdsaCurve");
  else if (algorithm === "RSA" && (olds.rsaBits ?? 2048) !== (news.rsaBits ?? 2048)) replaces.push("rsaBits");
  return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
}

export const tlsPrivateKeyProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: Partial<TlsPrivateKeyInputs>, news: Partial<TlsPrivateKeyInputs>) {
    return { inputs: news, failures: checkPrivateKeyInputs(news) };
  },
  async diff(_id: string, olds: Partial<TlsPrivateKeyInputs>, news: Partial<TlsPrivateKeyInputs>) {
    return privateKeyDiff(olds, news);
  },
  async create(inputs: TlsPrivateKeyInputs) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- required inside: serialized provider
    const crypto = require("node:crypto") as typeof import("node:crypto");
    const algorithm = inputs.algorithm ?? "ECDSA";
    const ecdsaCurve = inputs.ecdsaCurve ?? "P256";
    const rsaBits = inputs.rsaBits ?? 2048;
    // PKCS#8 and SPKI PEM: what Go's crypto/tls, kcp and Tekton read.
    const encoding = {
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    } as const;
    const pair =
      algorithm === "RSA"
        ? crypto.generateKeyPairSync("rsa", { modulusLength: rsaBits, publicExponent: 0x10001, ...encoding })
        : crypto.generateKeyPairSync("ec", {
            namedCurve: ecdsaCurve === "P384" ? "P-384" : "P-256",
            ...encoding,
          });
    const spki = crypto.createPublicKey(pair.publicKey).export({ type: "spki", format: "der" });
    return {
      // The public key's fingerprint: unique and safe to show.
      id: crypto.createHash("sha256").update(new Uint8Array(spki)).digest("hex"),
      outs: {
        algorithm,
        ecdsaCurve,
        rsaBits,
        privateKeyPem: pair.privateKey,
        publicKeyPem: pair.publicKey,
      },
    };
  },
};

export interface TlsPrivateKeyArgs {
  /** @default "ECDSA" */
  algorithm?: pulumi.Input<KeyAlgorithm>;
  /** Curve for ECDSA keys. @default "P256" */
  ecdsaCurve?: pulumi.Input<EcdsaCurve>;
  /** Modulus size for RSA keys: 2048, 3072 or 4096. @default 2048 */
  rsaBits?: pulumi.Input<number>;
}

/** A private key (PKCS#8 PEM, secret) and its public key (SPKI PEM). */
export class TlsPrivateKey extends pulumi.dynamic.Resource {
  /** PKCS#8 PEM (a Pulumi secret). */
  declare readonly privateKeyPem: pulumi.Output<string>;
  /** SPKI PEM. */
  declare readonly publicKeyPem: pulumi.Output<string>;

  constructor(name: string, args: TlsPrivateKeyArgs = {}, opts?: pulumi.CustomResourceOptions) {
    super(
      tlsPrivateKeyProvider,
      name,
      {
        algorithm: args.algorithm ?? "ECDSA",
        ecdsaCurve: args.ecdsaCurve ?? "P256",
        rsaBits: args.rsaBits ?? 2048,
        privateKeyPem: undefined,
        publicKeyPem: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["privateKeyPem"] }),
    );
    // Secret in the program too, also under mocks (which ignore additionalSecretOutputs).
    this.privateKeyPem = pulumi.secret(this.privateKeyPem);
  }
}

// ---------------------------------------------------------------------------------------------
// Certificates: pure parts

/** Key usages, named as in the Terraform/Pulumi TLS provider. */
export type CertUse =
  | "digital_signature"
  | "key_encipherment"
  | "key_agreement"
  | "cert_signing"
  | "crl_signing"
  | "server_auth"
  | "client_auth";

/** KeyUsage bits (RFC 5280 4.2.1.3, as @peculiar/x509's KeyUsageFlags). */
export const KEY_USAGE_BITS: Partial<Record<CertUse, number>> = {
  digital_signature: 1,
  key_encipherment: 4,
  key_agreement: 16,
  cert_signing: 32,
  crl_signing: 64,
};

/** Extended key usage OIDs (RFC 5280 4.2.1.12). */
export const EXT_KEY_USAGE_OIDS: Partial<Record<CertUse, string>> = {
  server_auth: "1.3.6.1.5.5.7.3.1",
  client_auth: "1.3.6.1.5.5.7.3.2",
};

export const CERT_USES = [...Object.keys(KEY_USAGE_BITS), ...Object.keys(EXT_KEY_USAGE_OIDS)] as CertUse[];

export interface CertSubject {
  commonName: string;
  /** One O= attribute per entry (Kubernetes and kcp read them as groups). */
  organization?: string | string[];
}

/** Subject as @peculiar/x509's JSON name, in the usual order: O first, then CN. */
export function subjectName(subject: CertSubject): Record<string, string[]>[] {
  if (typeof subject?.commonName !== "string" || subject.commonName.length === 0) {
    throw new Error("subject.commonName must be a non-empty string");
  }
  const orgs = subject.organization === undefined ? [] : [subject.organization].flat();
  return [...orgs.map((o) => ({ O: [o] })), { CN: [subject.commonName] }];
}

/** A DNS name or a wildcard (`*.example.com`), RFC 1123 labels. */
export function isDnsName(name: string): boolean {
  if (typeof name !== "string" || name.length === 0 || name.length > 253) return false;
  const labels = name.split(".");
  return labels.every(
    (l, i) =>
      (i === 0 && l === "*" && labels.length > 1) || /^[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$/.test(l),
  );
}

/** An IPv4 or IPv6 literal. */
export function isIpAddress(ip: string): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- required inside: serialized provider
  const net = require("node:net") as typeof import("node:net");
  return typeof ip === "string" && net.isIP(ip) !== 0;
}

/** Subject alternative names as @peculiar/x509's JSON general names: DNS first, then IP. */
export function subjectAltNames(
  dnsNames: string[] = [],
  ipAddresses: string[] = [],
): { type: "dns" | "ip"; value: string }[] {
  for (const d of dnsNames) if (!isDnsName(d)) throw new Error(`invalid DNS name ${JSON.stringify(d)}`);
  for (const ip of ipAddresses)
    if (!isIpAddress(ip)) throw new Error(`invalid IP address ${JSON.stringify(ip)}`);
  return [
    ...dnsNames.map((value) => ({ type: "dns" as const, value })),
    ...ipAddresses.map((value) => ({ type: "ip" as const, value })),
  ];
}

/** What a certificate's extensions say, before encoding. */
export interface ExtensionPlan {
  /** Basic constraints, always present and critical. */
  isCa: boolean;
  /** KeyUsage bit mask (critical); 0 means no KeyUsage extension. */
  keyUsage: number;
  /** Extended key usage OIDs (non-critical); empty means none. */
  extKeyUsage: string[];
  /** Subject alternative names (non-critical); empty means none. */
  altNames: { type: "dns" | "ip"; value: string }[];
}

export function planExtensions(p: {
  isCa: boolean;
  allowedUses: CertUse[];
  dnsNames?: string[];
  ipAddresses?: string[];
}): ExtensionPlan {
  let keyUsage = 0;
  const extKeyUsage: string[] = [];
  for (const use of p.allowedUses) {
    const bit = KEY_USAGE_BITS[use];
    const oid = EXT_KEY_USAGE_OIDS[use];
    if (bit === undefined && oid === undefined) throw new Error(`unknown allowed use ${JSON.stringify(use)}`);
    if (bit !== undefined) keyUsage |= bit;
    if (oid !== undefined && !extKeyUsage.includes(oid)) extKeyUsage.push(oid);
  }
  return { isCa: p.isCa, keyUsage, extKeyUsage, altNames: subjectAltNames(p.dnsNames, p.ipAddresses) };
}

/** Inputs shared by both certificate providers (defaults applied by the resource classes). */
export interface CertInputs {
  privateKeyPem: string;
  subject: CertSubject;
  isCa: boolean;
  validityHours: number;
  dnsNames: string[];
  ipAddresses: string[];
  allowedUses: CertUse[];
  /** Renew (replace) the certificate this many hours before it expires, on the next update. */
  earlyRenewalHours: number;
  /** Only for locally signed certificates. */
  caPrivateKeyPem?: string;
  caCertPem?: string;
}

/** Outputs: the inputs plus the certificate and its validity window (RFC 3339). */
export interface CertOutputs extends CertInputs {
  certPem: string;
  validityStartTime: string;
  validityEndTime: string;
}

/** At most 100 years. */
export const MAX_VALIDITY_HOURS = 876000;

/** Validates certificate inputs; values not known yet (preview) are skipped, keys are never quoted. */
export function checkCertInputs(
  kind: string,
  news: Partial<CertInputs>,
  signed: boolean,
): ProviderCheckFailure[] {
  const failures: ProviderCheckFailure[] = [];
  const fail = (property: string, reason: string) =>
    failures.push({ property, reason: `${kind}: ${reason}` });
  const known = (v: unknown) => v !== UNKNOWN;
  const pemKeys: (keyof CertInputs)[] = signed ? ["privateKeyPem", "caPrivateKeyPem"] : ["privateKeyPem"];
  for (const k of pemKeys) {
    const v = news[k];
    if (known(v) && (typeof v !== "string" || !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(v)))
      fail(k, `${k} must be a PEM private key`);
  }
  if (
    signed &&
    known(news.caCertPem) &&
    (typeof news.caCertPem !== "string" || !news.caCertPem.includes("-----BEGIN CERTIFICATE-----"))
  )
    fail("caCertPem", "caCertPem must be a PEM certificate");
  const subject = news.subject as unknown;
  if (known(subject)) {
    const s = subject as Partial<CertSubject> | undefined;
    if (
      !s ||
      typeof s !== "object" ||
      (known(s.commonName) && (typeof s.commonName !== "string" || s.commonName === ""))
    )
      fail("subject", "subject.commonName must be a non-empty string");
  }
  if (known(news.isCa) && typeof news.isCa !== "boolean") fail("isCa", "isCa must be a boolean");
  const hours = news.validityHours as unknown;
  if (
    known(hours) &&
    (typeof hours !== "number" || !Number.isInteger(hours) || hours < 1 || hours > MAX_VALIDITY_HOURS)
  )
    fail("validityHours", `validityHours must be an integer from 1 to ${MAX_VALIDITY_HOURS}`);
  const early = news.earlyRenewalHours as unknown;
  if (known(early) && (typeof early !== "number" || !Number.isInteger(early) || early < 0))
    fail("earlyRenewalHours", "earlyRenewalHours must be a non-negative integer");
  const lists: [keyof CertInputs, (s: string) => boolean, string][] = [
    ["dnsNames", isDnsName, "a DNS name"],
    ["ipAddresses", isIpAddress, "an IP address"],
    ["allowedUses", (u) => (CERT_USES as string[]).includes(u), `one of ${CERT_USES.join(", ")}`],
  ];
  for (const [k, ok, what] of lists) {
    const v = news[k] as unknown;
    if (!known(v)) continue;
    if (!Array.isArray(v)) fail(k, `${k} must be a list`);
    else
      for (const item of v)
        if (known(item) && (typeof item !== "string" || !ok(item)))
          fail(k, `${k}: ${JSON.stringify(item)} is not ${what}`);
  }
  if (
    known(news.isCa) &&
    news.isCa === true &&
    Array.isArray(news.allowedUses) &&
    !news.allowedUses.includes("cert_signing")
  )
    fail("allowedUses", "a CA certificate (isCa) needs cert_signing in allowedUses");
  return failures;
}

/** Inputs whose change re-issues the certificate. */
const CERT_REPLACE_KEYS: (keyof CertInputs)[] = [
  "privateKeyPem",
  "subject",
  "isCa",
  "validityHours",
  "dnsNames",
  "ipAddresses",
  "allowedUses",
  "caPrivateKeyPem",
  "caCertPem",
];

/**
 * Replace on any input change that alters the certificate, and once `now` is inside the renewal
 * window (expiry minus earlyRenewalHours); an earlyRenewalHours change alone is an in-place update.
 * Nothing else is a change, so re-runs and new provider code never churn certificates.
 */
export function certDiff(olds: Partial<CertOutputs>, news: Partial<CertInputs>, nowMs: number): ProviderDiff {
  const replaces: string[] = CERT_REPLACE_KEYS.filter(
    (k) => canonicalJson(olds[k]) !== canonicalJson(news[k]),
  );
  const early = typeof news.earlyRenewalHours === "number" ? news.earlyRenewalHours : 0;
  const end = olds.validityEndTime ? Date.parse(olds.validityEndTime) : NaN;
  if (replaces.length === 0 && !Number.isNaN(end) && nowMs >= end - early * 3_600_000) {
    replaces.push("validityEndTime");
  }
  const changes = replaces.length > 0 || (olds.earlyRenewalHours ?? 0) !== (news.earlyRenewalHours ?? 0);
  return { changes, replaces, deleteBeforeReplace: false };
}

/** WebCrypto algorithms for a node KeyObject: import parameters and the signature algorithm. */
export function webCryptoAlgorithms(
  asymmetricKeyType: string | undefined,
  namedCurve: string | undefined,
): { importAlg: WC.RsaHashedImportParams | WC.EcKeyImportParams; signingAlg: WC.Algorithm | WC.EcdsaParams } {
  if (asymmetricKeyType === "rsa") {
    return {
      importAlg: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
      signingAlg: { name: "RSASSA-PKCS1-v1_5" },
    };
  }
  if (asymmetricKeyType === "ec" && (namedCurve === "prime256v1" || namedCurve === "P-256")) {
    return {
      importAlg: { name: "ECDSA", namedCurve: "P-256" },
      signingAlg: { name: "ECDSA", hash: "SHA-256" },
    };
  }
  if (asymmetricKeyType === "ec" && (namedCurve === "secp384r1" || namedCurve === "P-384")) {
    return {
      importAlg: { name: "ECDSA", namedCurve: "P-384" },
      signingAlg: { name: "ECDSA", hash: "SHA-384" },
    };
  }
  throw new Error("unsupported key: use an RSA key or an ECDSA P-256/P-384 key");
}

// ---------------------------------------------------------------------------------------------
// Certificates: issuing

/**
 * Issues a certificate for `inputs.privateKeyPem`'s public key: self-signed, or signed by the CA
 * in `caPrivateKeyPem`/`caCertPem` (which must be a CA certificate for that key).
 */
export async function issueCertificate(inputs: CertInputs, now: Date): Promise<CertOutputs> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- required inside: serialized provider
  const nodeCrypto = require("node:crypto") as typeof import("node:crypto");
  const { x509, webcrypto } = loadX509();
  const plan = planExtensions(inputs);

  const loadPrivate = (pem: string, what: string) => {
    try {
      return nodeCrypto.createPrivateKey(pem);
    } catch {
      throw new Error(`${what} is not a readable PEM private key`); // never quote the key
    }
  };
  const toWebCrypto = async (key: import("node:crypto").KeyObject) => {
    const algs = webCryptoAlgorithms(key.asymmetricKeyType, key.asymmetricKeyDetails?.namedCurve);
    const pub = key.type === "private" ? nodeCrypto.createPublicKey(key) : key;
    const spki = pub.export({ type: "spki", format: "der" });
    const publicKey = await webcrypto.subtle.importKey("spki", spki, algs.importAlg, true, ["verify"]);
    const privateKey =
      key.type === "private"
        ? await webcrypto.subtle.importKey(
            "pkcs8",
            key.export({ type: "pkcs8", format: "der" }),
            algs.importAlg,
            false,
            ["sign"],
          )
        : undefined;
    return { publicKey, privateKey, signingAlg: algs.signingAlg, spki };
  };

  const leaf = await toWebCrypto(loadPrivate(inputs.privateKeyPem, "privateKeyPem"));
  const extensions: X509.Extension[] = [new x509.BasicConstraintsExtension(plan.isCa, undefined, true)];
  if (plan.keyUsage !== 0) extensions.push(new x509.KeyUsagesExtension(plan.keyUsage, true));
  if (plan.extKeyUsage.length > 0)
    extensions.push(new x509.ExtendedKeyUsageExtension(plan.extKeyUsage, false));
  if (plan.altNames.length > 0)
    extensions.push(new x509.SubjectAlternativeNameExtension(plan.altNames, false));
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(leaf.publicKey, false, webcrypto));

  // A positive 127-bit serial (RFC 5280: at most 20 octets, unique per issuer).
  const serial = nodeCrypto.randomBytes(16);
  serial[0] = (serial[0] & 0x7f) | 0x01;
  const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const notAfter = new Date(notBefore.getTime() + inputs.validityHours * 3_600_000);
  const common = { serialNumber: serial.toString("hex"), notBefore, notAfter, extensions };

  let cert: X509.X509Certificate;
  if (inputs.caPrivateKeyPem === undefined && inputs.caCertPem === undefined) {
    const keys = { publicKey: leaf.publicKey, privateKey: leaf.privateKey! };
    cert = await x509.X509CertificateGenerator.createSelfSigned(
      { ...common, name: subjectName(inputs.subject), keys, signingAlgorithm: leaf.signingAlg },
      webcrypto,
    );
  } else {
    if (!inputs.caPrivateKeyPem || !inputs.caCertPem)
      throw new Error("caPrivateKeyPem and caCertPem go together");
    const ca = await toWebCrypto(loadPrivate(inputs.caPrivateKeyPem, "caPrivateKeyPem"));
    let caNode: import("node:crypto").X509Certificate;
    try {
      caNode = new nodeCrypto.X509Certificate(inputs.caCertPem);
    } catch {
      throw new Error("caCertPem is not a readable PEM certificate");
    }
    if (!caNode.ca) throw new Error("caCertPem is not a CA certificate (basic constraints CA:FALSE)");
    if (!caNode.publicKey.export({ type: "spki", format: "der" }).equals(new Uint8Array(ca.spki))) {
      throw new Error("caPrivateKeyPem does not belong to caCertPem");
    }
    const caCert = new x509.X509Certificate(inputs.caCertPem);
    const caSki = caCert.getExtension(x509.SubjectKeyIdentifierExtension);
    extensions.push(
      caSki
        ? new x509.AuthorityKeyIdentifierExtension(caSki.keyId, false)
        : await x509.AuthorityKeyIdentifierExtension.create(ca.publicKey, false, webcrypto),
    );
    cert = await x509.X509CertificateGenerator.create(
      {
        ...common,
        subject: subjectName(inputs.subject),
        issuer: caCert.subjectName,
        publicKey: leaf.publicKey,
        signingKey: ca.privateKey!,
        signingAlgorithm: ca.signingAlg,
      },
      webcrypto,
    );
  }
  return {
    ...inputs,
    certPem: cert.toString("pem") + "\n",
    validityStartTime: notBefore.toISOString(),
    validityEndTime: notAfter.toISOString(),
  };
}

/** Provider for both certificate kinds; `kind` names the resource in messages. */
function certificateProvider(kind: string, signed: boolean): pulumi.dynamic.ResourceProvider {
  return {
    async check(_olds: Partial<CertInputs>, news: Partial<CertInputs>) {
      return { inputs: news, failures: checkCertInputs(kind, news, signed) };
    },
    async diff(_id: string, olds: Partial<CertOutputs>, news: Partial<CertInputs>) {
      return certDiff(olds, news, Date.now());
    },
    async create(inputs: CertInputs) {
      const outs = await issueCertificate(inputs, new Date());
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- required inside: serialized provider
      const nodeCrypto = require("node:crypto") as typeof import("node:crypto");
      return {
        id: new nodeCrypto.X509Certificate(outs.certPem).fingerprint256.replace(/:/g, "").toLowerCase(),
        outs,
      };
    },
    async update(_id: string, olds: CertOutputs, news: CertInputs) {
      // Only earlyRenewalHours changes in place (see certDiff); the certificate stays.
      return { outs: { ...olds, earlyRenewalHours: news.earlyRenewalHours } };
    },
  };
}

export const tlsSelfSignedCertProvider = certificateProvider("TlsSelfSignedCert", false);
export const tlsLocallySignedCertProvider = certificateProvider("TlsLocallySignedCert", true);

// ---------------------------------------------------------------------------------------------
// Certificates: resources

export interface TlsSelfSignedCertArgs {
  /** The certificate's own key, which also signs it. */
  privateKeyPem: pulumi.Input<string>;
  subject: pulumi.Input<{ commonName: pulumi.Input<string>; organization?: pulumi.Input<string | string[]> }>;
  /** Basic constraints CA:TRUE (then allowedUses must include cert_signing). */
  isCa: pulumi.Input<boolean>;
  validityHours: pulumi.Input<number>;
  /** @default [] */
  dnsNames?: pulumi.Input<pulumi.Input<string>[]>;
  /** @default [] */
  ipAddresses?: pulumi.Input<pulumi.Input<string>[]>;
  allowedUses: pulumi.Input<pulumi.Input<CertUse>[]>;
  /** Re-issue on the first update this many hours before expiry (an expired one always is). @default 0 */
  earlyRenewalHours?: pulumi.Input<number>;
}

export interface TlsLocallySignedCertArgs extends Omit<TlsSelfSignedCertArgs, "isCa"> {
  /** The leaf's key; only its public half goes into the certificate. */
  privateKeyPem: pulumi.Input<string>;
  /** The CA's key and certificate, e.g. a TlsPrivateKey and a TlsSelfSignedCert with isCa. */
  caPrivateKeyPem: pulumi.Input<string>;
  caCertPem: pulumi.Input<string>;
}

/** A self-signed certificate (typically a CA). Registers as `pulumi-nodejs:dynamic:Resource`. */
export class TlsSelfSignedCert extends pulumi.dynamic.Resource {
  /** PEM certificate. */
  declare readonly certPem: pulumi.Output<string>;
  /** Expiry (RFC 3339). */
  declare readonly validityEndTime: pulumi.Output<string>;

  constructor(name: string, args: TlsSelfSignedCertArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      tlsSelfSignedCertProvider,
      name,
      {
        privateKeyPem: pulumi.secret(args.privateKeyPem),
        subject: args.subject,
        isCa: args.isCa,
        validityHours: args.validityHours,
        dnsNames: args.dnsNames ?? [],
        ipAddresses: args.ipAddresses ?? [],
        allowedUses: args.allowedUses,
        earlyRenewalHours: args.earlyRenewalHours ?? 0,
        certPem: undefined,
        validityStartTime: undefined,
        validityEndTime: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["privateKeyPem"] }),
    );
  }
}

/** A certificate signed by a CA key (server and client certificates). */
export class TlsLocallySignedCert extends pulumi.dynamic.Resource {
  /** PEM certificate (leaf only; the CA certificate is not appended). */
  declare readonly certPem: pulumi.Output<string>;
  /** Expiry (RFC 3339). */
  declare readonly validityEndTime: pulumi.Output<string>;

  constructor(name: string, args: TlsLocallySignedCertArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      tlsLocallySignedCertProvider,
      name,
      {
        privateKeyPem: pulumi.secret(args.privateKeyPem),
        caPrivateKeyPem: pulumi.secret(args.caPrivateKeyPem),
        caCertPem: args.caCertPem,
        subject: args.subject,
        isCa: false,
        validityHours: args.validityHours,
        dnsNames: args.dnsNames ?? [],
        ipAddresses: args.ipAddresses ?? [],
        allowedUses: args.allowedUses,
        earlyRenewalHours: args.earlyRenewalHours ?? 0,
        certPem: undefined,
        validityStartTime: undefined,
        validityEndTime: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["privateKeyPem", "caPrivateKeyPem"] }),
    );
  }
}
