// Keys and certificates from @pulumi/tls, made the same way by every component: a CA is a tls.PrivateKey
// and a tls.SelfSignedCert; a leaf is a tls.PrivateKey, a tls.CertRequest (subject and SANs) and a
// tls.LocallySignedCert. Private keys are used in their PKCS#8 form (`privateKeyPemPkcs8`, a Pulumi secret
// like `privateKeyPem`): every Go consumer here reads it, and Tekton Chains reads nothing else for x509.pem.
// Certificates renew by replacement: the first `up` inside the early-renewal window issues a new one.
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

/** ECDSA P-256, the key of every certificate unless a consumer needs RSA (tls.PrivateKey's default curve is P224). */
export const ECDSA_P256 = { algorithm: "ECDSA", ecdsaCurve: "P256" } as const;

/** An RSA key, as kube's own ServiceAccount signing keys are (every JWT verifier accepts RS256). */
export const RSA_2048 = { algorithm: "RSA", rsaBits: 2048 } as const;

/** Purposes a certificate is issued for: `allowedUses` of the tls certificates, named as upstream names them. */
export type CertUse =
  "cert_signing" | "crl_signing" | "digital_signature" | "key_encipherment" | "server_auth" | "client_auth";

export type LeafPurpose = "server_auth" | "client_auth";

/** What a CA certificate is allowed: signing certificates and CRLs. */
export const CA_USES: CertUse[] = ["cert_signing", "crl_signing", "digital_signature"];

/** A leaf certificate for TLS servers and/or clients: the key usages TLS needs plus the extended ones. */
export function leafUses(purposes: LeafPurpose[]): CertUse[] {
  if (purposes.length === 0) throw new Error("a leaf certificate needs server_auth and/or client_auth");
  return ["digital_signature", "key_encipherment", ...new Set(purposes)];
}

/** Leaf certificates renew at most 30 days before they expire; CAs at most a year. */
export const MAX_LEAF_EARLY_RENEWAL_HOURS = 720;
export const MAX_CA_EARLY_RENEWAL_HOURS = 8760;

/**
 * `earlyRenewalHours` for a certificate valid `validityHours`: the last quarter of its validity, capped
 * (30 days for a leaf, a year for a CA). A renewed CA keeps its key and subject, so what it signed still
 * verifies, and its leaves are re-issued with it (their `caCertPem` changed).
 */
export function earlyRenewalHours(validityHours: number, isCa = false): number {
  if (!Number.isInteger(validityHours) || validityHours < 1) {
    throw new Error(`validityHours must be a positive integer, got ${validityHours}`);
  }
  return Math.min(
    isCa ? MAX_CA_EARLY_RENEWAL_HOURS : MAX_LEAF_EARLY_RENEWAL_HOURS,
    Math.floor(validityHours / 4),
  );
}

/** A CA: `<name>-key` and the self-signed certificate `<name>`. */
export interface Ca {
  key: tls.PrivateKey;
  cert: tls.SelfSignedCert;
  /** PKCS#8 PEM (a Pulumi secret). */
  keyPem: pulumi.Output<string>;
  certPem: pulumi.Output<string>;
}

export function selfSignedCa(
  name: string,
  args: {
    commonName: pulumi.Input<string>;
    validityHours: number;
    /** @default earlyRenewalHours(validityHours, true) */
    earlyRenewalHours?: number;
  },
  opts: pulumi.CustomResourceOptions,
): Ca {
  const key = new tls.PrivateKey(`${name}-key`, ECDSA_P256, opts);
  const cert = new tls.SelfSignedCert(
    name,
    {
      privateKeyPem: key.privateKeyPemPkcs8,
      subject: { commonName: args.commonName },
      isCaCertificate: true,
      validityPeriodHours: args.validityHours,
      earlyRenewalHours: args.earlyRenewalHours ?? earlyRenewalHours(args.validityHours, true),
      allowedUses: CA_USES,
      setSubjectKeyId: true,
    },
    opts,
  );
  return { key, cert, keyPem: key.privateKeyPemPkcs8, certPem: cert.certPem };
}

export interface LeafCertArgs {
  /** The signing CA: its certificate and PKCS#8 (or PKCS#1/SEC1) private key. */
  ca: { certPem: pulumi.Input<string>; keyPem: pulumi.Input<string> };
  commonName: pulumi.Input<string>;
  /** One O= attribute (Kubernetes and kcp read it as the group). */
  organization?: pulumi.Input<string>;
  purposes: LeafPurpose[];
  dnsNames?: pulumi.Input<pulumi.Input<string>[]>;
  ipAddresses?: pulumi.Input<pulumi.Input<string>[]>;
  validityHours: number;
  /** Renew this many hours before expiry. @default earlyRenewalHours(validityHours) */
  earlyRenewalHours?: number;
}

/** A leaf: `<name>-key`, `<name>-csr` and `<name>-cert`, signed by `args.ca`. */
export interface LeafCert {
  key: tls.PrivateKey;
  csr: tls.CertRequest;
  cert: tls.LocallySignedCert;
  /** PKCS#8 PEM (a Pulumi secret). */
  keyPem: pulumi.Output<string>;
  certPem: pulumi.Output<string>;
}

/** `certOpts` are the certificate's own options (e.g. `additionalSecretOutputs`); `opts` go to all three. */
export function issueLeafCert(
  name: string,
  args: LeafCertArgs,
  opts: pulumi.CustomResourceOptions,
  certOpts: pulumi.CustomResourceOptions = {},
): LeafCert {
  const { key, csr } = requestLeafCert(name, args, opts);
  const cert = signRequest(
    `${name}-cert`,
    { ...args, certRequestPem: csr.certRequestPem },
    pulumi.mergeOptions(opts, certOpts),
  );
  return { key, csr, cert, keyPem: key.privateKeyPemPkcs8, certPem: cert.certPem };
}

/** `<name>-key` and the request `<name>-csr` for a leaf another stack signs (signRequest). */
export function requestLeafCert(
  name: string,
  args: Pick<LeafCertArgs, "commonName" | "organization" | "dnsNames" | "ipAddresses">,
  opts: pulumi.CustomResourceOptions,
): { key: tls.PrivateKey; csr: tls.CertRequest } {
  const key = new tls.PrivateKey(`${name}-key`, ECDSA_P256, opts);
  const csr = new tls.CertRequest(
    `${name}-csr`,
    {
      privateKeyPem: key.privateKeyPemPkcs8,
      subject: { commonName: args.commonName, organization: args.organization },
      dnsNames: args.dnsNames,
      ipAddresses: args.ipAddresses,
    },
    opts,
  );
  return { key, csr };
}

/**
 * A certificate signed by `args.ca` for a request (its subject and SANs are copied from the request: a
 * request from another stack is checked first, components/kcp/enrollment.ts).
 */
export function signRequest(
  name: string,
  args: Pick<LeafCertArgs, "ca" | "purposes" | "validityHours" | "earlyRenewalHours"> & {
    certRequestPem: pulumi.Input<string>;
  },
  opts: pulumi.CustomResourceOptions,
): tls.LocallySignedCert {
  return new tls.LocallySignedCert(
    name,
    {
      certRequestPem: args.certRequestPem,
      caCertPem: args.ca.certPem,
      caPrivateKeyPem: args.ca.keyPem,
      validityPeriodHours: args.validityHours,
      earlyRenewalHours: args.earlyRenewalHours ?? earlyRenewalHours(args.validityHours),
      allowedUses: leafUses(args.purposes),
      setSubjectKeyId: true,
    },
    opts,
  );
}
