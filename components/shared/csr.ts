// Reads what a PKCS#10 certificate request asks for (pure, no dependency): its subject and its subject
// alternative names. The home stack signs regions' requests with the fleet CAs, and a signer copies the
// subject and SANs from the request, so it must read them first and refuse a request for any other name.
// The request's own signature is checked by the signer (the tls provider refuses a request that does not
// verify); only the requested names are read here.

/** What a certificate request asks for. */
export interface CsrNames {
  commonName?: string;
  /** O= values (Kubernetes reads each as a group). */
  organizations: string[];
  /** Subject attributes other than CN and O, by OID (a signer that expects none refuses them). */
  otherSubjectOids: string[];
  dnsNames: string[];
  ipAddresses: string[];
  /** SAN kinds other than DNS and IP (URI, email, ...), by tag number. */
  otherSanTags: number[];
}

interface Tlv {
  tag: number;
  /** Offset of the value in the buffer, and its length. */
  start: number;
  length: number;
}

function readTlv(buf: Buffer, at: number): Tlv & { end: number } {
  if (at + 2 > buf.length) throw new Error("truncated DER");
  const tag = buf[at];
  let length = buf[at + 1];
  let start = at + 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    if (n === 0 || n > 4 || start + n > buf.length) throw new Error("bad DER length");
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + buf[start + i];
    start += n;
  }
  if (start + length > buf.length) throw new Error("truncated DER");
  return { tag, start, length, end: start + length };
}

function children(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.start + parent.length;) {
    const t = readTlv(buf, at);
    out.push(t);
    at = t.end;
  }
  return out;
}

function oidOf(buf: Buffer, t: Tlv): string {
  if (t.tag !== 0x06 || t.length === 0) throw new Error("expected an OID");
  const b = buf.subarray(t.start, t.start + t.length);
  const parts = [Math.floor(b[0] / 40), b[0] % 40];
  let v = 0;
  for (let i = 1; i < b.length; i++) {
    v = v * 128 + (b[i] & 0x7f);
    if (!(b[i] & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join(".");
}

const OID_CN = "2.5.4.3";
const OID_O = "2.5.4.10";
const OID_EXTENSION_REQUEST = "1.2.840.113549.1.9.14";
const OID_SAN = "2.5.29.17";

function ipText(b: Buffer): string {
  if (b.length === 4) return [...b].join(".");
  if (b.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
    return groups.join(":");
  }
  throw new Error("bad IP address in subjectAltName");
}

/** The names a PEM certificate request asks for; an Error when it is not one (its content is never quoted). */
export function csrNames(pem: string): CsrNames {
  const m =
    /-----BEGIN (?:NEW )?CERTIFICATE REQUEST-----([\s\S]*?)-----END (?:NEW )?CERTIFICATE REQUEST-----/.exec(
      pem,
    );
  if (!m) throw new Error("not a PEM certificate request");
  const der = Buffer.from(m[1].replace(/\s/g, ""), "base64");
  try {
    const outer = readTlv(der, 0);
    const info = children(der, outer)[0];
    // CertificationRequestInfo: version, subject, subjectPKInfo, [0] attributes
    const [version, subject, , attributes] = children(der, info);
    if (version?.tag !== 0x02 || subject?.tag !== 0x30) throw new Error("not a certificate request");
    const names: CsrNames = {
      organizations: [],
      otherSubjectOids: [],
      dnsNames: [],
      ipAddresses: [],
      otherSanTags: [],
    };
    for (const rdn of children(der, subject))
      for (const atv of children(der, rdn)) {
        const [oid, value] = children(der, atv);
        const id = oidOf(der, oid);
        const text = der.subarray(value.start, value.start + value.length).toString("utf8");
        if (id === OID_CN && names.commonName === undefined) names.commonName = text;
        else if (id === OID_O) names.organizations.push(text);
        else names.otherSubjectOids.push(id);
      }
    for (const attr of attributes?.tag === 0xa0 ? children(der, attributes) : []) {
      const [oid, values] = children(der, attr);
      if (oidOf(der, oid) !== OID_EXTENSION_REQUEST) continue;
      for (const exts of children(der, values))
        for (const ext of children(der, exts)) {
          const parts = children(der, ext);
          if (oidOf(der, parts[0]) !== OID_SAN) continue;
          const octets = parts[parts.length - 1];
          const seq = readTlv(der, octets.start);
          for (const gn of children(der, seq)) {
            const value = der.subarray(gn.start, gn.start + gn.length);
            if (gn.tag === 0x82) names.dnsNames.push(value.toString("ascii"));
            else if (gn.tag === 0x87) names.ipAddresses.push(ipText(value));
            else names.otherSanTags.push(gn.tag & 0x1f);
          }
        }
    }
    return names;
  } catch (e) {
    throw new Error(`not a readable certificate request (${(e as Error).message})`);
  }
}
