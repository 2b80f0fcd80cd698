// Certificates of the kcp fleet, issued the same way by the root (home region) and by every shard.
import * as pulumi from "@pulumi/pulumi";
import { issueLeafCert, type LeafPurpose } from "../shared/pki";

/** A private key (PKCS#8 PEM) and its certificate (PEM). */
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
  uses: LeafPurpose[];
  dnsNames?: pulumi.Input<string[]>;
  ipAddresses?: pulumi.Input<string[]>;
}

/**
 * Issues `<name>-key`, `<name>-csr` and `<name>-cert` (children of `parent`) signed by `ca`, renewed in the
 * last quarter of their validity (at most 30 days early). A client certificate is a credential's public
 * half: kept secret with its key all the same.
 */
export function issueCert(
  parent: pulumi.Resource,
  name: string,
  ca: SigningCa,
  req: CertRequest,
  validityHours: number,
): KeyPair {
  const isClient = !req.uses.includes("server_auth");
  const leaf = issueLeafCert(
    name,
    {
      ca: { certPem: ca.cert, keyPem: ca.key },
      commonName: req.commonName,
      organization: req.organization,
      purposes: req.uses,
      dnsNames: req.dnsNames,
      ipAddresses: req.ipAddresses,
      validityHours,
    },
    { parent },
    { additionalSecretOutputs: isClient ? ["certPem"] : [] },
  );
  return { key: leaf.keyPem, cert: isClient ? pulumi.secret(leaf.certPem) : leaf.certPem };
}
