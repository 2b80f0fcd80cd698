// Certificates of the kcp fleet, issued the same way by the root (home region) and by every shard.
import * as pulumi from "@pulumi/pulumi";
import { type CertUse, TlsLocallySignedCert, TlsPrivateKey } from "../shared/tls";

/** A private key and its certificate (PEM). */
export interface KeyPair {
  key: pulumi.Output<string>;
  cert: pulumi.Output<string>;
}

/** The CA that signs: its certificate and private key. */
export interface SigningCa {
  cert: pulumi.Input<string>;
  key: pulumi.Input<string>;
}

export interface CertRequest {
  commonName: string;
  organization?: string;
  uses: CertUse[];
  dnsNames?: pulumi.Input<string[]>;
  ipAddresses?: pulumi.Input<string[]>;
}

/**
 * Issues `<name>-key` and `<name>-cert` (children of `parent`) signed by `ca`, renewed in the last quarter of
 * their validity (at most 30 days early). A client certificate is a credential's public half: kept secret
 * with its key all the same.
 */
export function issueCert(
  parent: pulumi.Resource,
  name: string,
  ca: SigningCa,
  req: CertRequest,
  validityHours: number,
): KeyPair {
  const isClient = !req.uses.includes("server_auth");
  const key = new TlsPrivateKey(`${name}-key`, {}, { parent });
  const cert = new TlsLocallySignedCert(
    `${name}-cert`,
    {
      privateKeyPem: key.privateKeyPem,
      caPrivateKeyPem: ca.key,
      caCertPem: ca.cert,
      subject: { commonName: req.commonName, organization: req.organization },
      validityHours,
      earlyRenewalHours: Math.min(720, Math.floor(validityHours / 4)),
      allowedUses: ["digital_signature", "key_encipherment", ...req.uses],
      dnsNames: req.dnsNames,
      ipAddresses: req.ipAddresses,
    },
    { parent, additionalSecretOutputs: isClient ? ["certPem"] : [] },
  );
  return { key: key.privateKeyPem, cert: isClient ? pulumi.secret(cert.certPem) : cert.certPem };
}
