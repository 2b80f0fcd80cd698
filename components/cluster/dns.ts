// The DNS record for a name the stack serves at (kcp.externalUrl): a CNAME in a Route 53 hosted zone to
// an AWS load balancer's hostname, or an A record in an Azure DNS zone to an Azure load balancer's IP.
// Made in the same `up` as the load balancer, before anything dials the name, so a first `up` of the home
// region completes when a zone is configured. The zone itself is the operator's (delegation, DNSSEC).
import * as aws from "@pulumi/aws";
import * as dns from "@pulumi/azure-native/dns";
import { Provider as AzureProvider } from "@pulumi/azure-native/provider";
import * as pulumi from "@pulumi/pulumi";

export const DNS_RECORD_TYPE = "pipeline-service:cluster:DnsRecord";

/** Short: a replaced load balancer is followed within a minute. */
export const DNS_RECORD_TTL = 60;

export type DnsZoneArgs =
  | { kind: "route53"; provider: aws.Provider; zoneId: string; zoneName: string }
  | { kind: "azure"; provider: AzureProvider; resourceGroupName: string; zoneName: string };

export interface DnsRecordArgs {
  zone: DnsZoneArgs;
  /** The fully qualified name, below the zone (not its apex: a CNAME cannot sit there). */
  host: string;
  /** The load balancer's hostname (Route 53) or IPv4 address (Azure), as the Service reports it. */
  target: pulumi.Input<string>;
}

const FQDN = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/** The record's name relative to the zone ("kcp" for kcp.example.com in example.com); throws when outside. */
export function relativeRecordName(host: string, zoneName: string): string {
  const h = host.toLowerCase().replace(/\.$/, "");
  const z = zoneName.toLowerCase().replace(/\.$/, "");
  if (!FQDN.test(h)) throw new Error(`${JSON.stringify(host)} is not a DNS name`);
  if (!FQDN.test(z)) throw new Error(`zone ${JSON.stringify(zoneName)} is not a DNS domain`);
  if (!h.endsWith(`.${z}`))
    throw new Error(`${h} is not a name below the zone ${z} (the apex cannot hold a CNAME)`);
  return h.slice(0, -(z.length + 1));
}

/** Checks the target the load balancer reported (pure): a hostname for Route 53, an IPv4 for Azure. */
export function checkTarget(kind: DnsZoneArgs["kind"], target: string): string {
  if (kind === "azure" && !IPV4.test(target))
    throw new Error(`the load balancer reported ${JSON.stringify(target)}, not an IPv4 address`);
  if (kind === "route53" && !FQDN.test(target.toLowerCase()))
    throw new Error(`the load balancer reported ${JSON.stringify(target)}, not a hostname`);
  return kind === "route53" ? target.toLowerCase() : target;
}

export class DnsRecord extends pulumi.ComponentResource {
  /** The name the record serves. */
  public readonly fqdn: string;

  constructor(name: string, args: DnsRecordArgs, opts?: pulumi.ComponentResourceOptions) {
    let relative: string;
    try {
      relative = relativeRecordName(args.host, args.zone.zoneName);
    } catch (e) {
      throw new pulumi.ResourceError(`DnsRecord ${name}: ${(e as Error).message}`, opts?.parent);
    }
    super(DNS_RECORD_TYPE, name, {}, opts);
    this.fqdn = args.host.toLowerCase();
    const zone = args.zone;
    const target = pulumi.output(args.target).apply((t) => checkTarget(zone.kind, t));
    if (zone.kind === "route53") {
      new aws.route53.Record(
        `${name}-cname`,
        { zoneId: zone.zoneId, name: this.fqdn, type: "CNAME", ttl: DNS_RECORD_TTL, records: [target] },
        { parent: this, provider: zone.provider },
      );
    } else {
      new dns.RecordSet(
        `${name}-a`,
        {
          resourceGroupName: zone.resourceGroupName,
          zoneName: zone.zoneName,
          relativeRecordSetName: relative,
          recordType: "A",
          ttl: DNS_RECORD_TTL,
          aRecords: [{ ipv4Address: target }],
        },
        { parent: this, provider: zone.provider },
      );
    }
    this.registerOutputs({ fqdn: this.fqdn });
  }
}
