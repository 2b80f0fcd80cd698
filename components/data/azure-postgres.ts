// The Tekton Results database on Azure: PostgreSQL Flexible Server with private access only (a
// subnet delegated to it and a private DNS zone linked to the cluster's VNet), zone-redundant high
// availability, backups, TLS required, and the database Results uses.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import * as network from "@pulumi/azure-native/network";
import * as privatedns from "@pulumi/azure-native/privatedns";
import { Provider as AzureProvider } from "@pulumi/azure-native/provider";
import { DB_PASSWORD_ARGS, type PostgresDatabase } from "./postgres";

export const POSTGRES_PORT = 5432;

export interface AzurePostgresArgs {
  /** The azure-native provider of the region (never the default provider). */
  provider: AzureProvider;
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  /** The cluster's VNet: the private DNS zone is linked to it. */
  virtualNetworkId: pulumi.Input<string>;
  /**
   * An existing subnet delegated to Microsoft.DBforPostgreSQL/flexibleServers. When unset, one is
   * created in `virtualNetworkName` with `subnetAddressPrefix` (the VNet must not also declare its
   * subnets inline, or the two would fight).
   */
  delegatedSubnetId?: pulumi.Input<string>;
  /** Name of the cluster's VNet, for a created subnet. */
  virtualNetworkName?: pulumi.Input<string>;
  /** Address range of a created subnet, e.g. 10.1.250.0/24. */
  subnetAddressPrefix?: string;
  /** Flexible-server SKU in the azurerm form, e.g. GP_Standard_D2ds_v5 (DatabaseConfig.skuName). */
  skuName: string;
  /** PostgreSQL major version (DatabaseConfig.version). */
  version: "14" | "15" | "16" | "17";
  /** @default 64 */
  storageSizeGb?: number;
  /** @default 14 */
  backupRetentionDays?: number;
  /** Geo-redundant backups (paired region); fixed at creation. @default false */
  geoRedundantBackup?: boolean;
  /** Standby in another zone with automatic failover. @default true */
  zoneRedundant?: boolean;
  /** Zone of the primary. @default "1" */
  primaryZone?: string;
  /** Zone of the standby when zoneRedundant. @default "2" */
  standbyZone?: string;
  /** Private DNS zone; must end in .postgres.database.azure.com. @default "<name>.private.postgres.database.azure.com" */
  privateDnsZoneName?: string;
  /** @default "tekton_results" */
  databaseName?: string;
  /** Administrator login, also the user Results connects as. @default "tekton" */
  administratorLogin?: string;
  /**
   * Pulumi-protects the stateful leaves: the flexible server and its database. The subnet, private DNS
   * zone and link, server parameters and password stay unprotected. @default false
   */
  protect?: boolean;
  /** @default {} */
  tags?: Record<string, string>;
}

/** Splits an azurerm-style SKU ("GP_Standard_D2ds_v5") into the ARM name and tier. */
export function flexibleServerSku(skuName: string): { name: string; tier: dbforpostgresql.SkuTier } {
  const m = /^(GP|MO|B)_(Standard_[A-Za-z0-9_]+)$/.exec(skuName);
  if (!m) throw new Error(`skuName ${JSON.stringify(skuName)} is not a SKU such as GP_Standard_D2ds_v5`);
  const tier = { GP: "GeneralPurpose", MO: "MemoryOptimized", B: "Burstable" }[
    m[1]
  ] as dbforpostgresql.SkuTier;
  return { name: m[2], tier };
}

/** Administrator names Azure refuses. */
const RESERVED_LOGINS = [
  "azure_superuser",
  "azure_pg_admin",
  "admin",
  "administrator",
  "root",
  "guest",
  "public",
];

/** Checks the arguments that are plain values; throws an Error naming the problem. */
export function validateAzurePostgresArgs(name: string, args: AzurePostgresArgs): void {
  const sku = flexibleServerSku(args.skuName);
  if ((args.zoneRedundant ?? true) && sku.tier === "Burstable")
    throw new Error("zone-redundant high availability is not available on Burstable SKUs");
  if ((args.zoneRedundant ?? true) && (args.primaryZone ?? "1") === (args.standbyZone ?? "2"))
    throw new Error("primaryZone and standbyZone must differ for zone-redundant high availability");
  if (
    args.delegatedSubnetId === undefined &&
    (args.virtualNetworkName === undefined || !args.subnetAddressPrefix)
  )
    throw new Error("either delegatedSubnetId, or virtualNetworkName and subnetAddressPrefix to create one");
  const days = args.backupRetentionDays ?? 14;
  if (!Number.isInteger(days) || days < 7 || days > 35)
    throw new Error(`backupRetentionDays ${days} must be from 7 to 35`);
  const storage = args.storageSizeGb ?? 64;
  if (!Number.isInteger(storage) || storage < 32 || storage > 16384)
    throw new Error(`storageSizeGb ${storage} must be from 32 to 16384`);
  const zone = privateDnsZoneName(name, args.privateDnsZoneName);
  if (!/^([a-z0-9-]+\.)+postgres\.database\.azure\.com$/.test(zone))
    throw new Error(`privateDnsZoneName ${JSON.stringify(zone)} must end in .postgres.database.azure.com`);
  const login = args.administratorLogin ?? "tekton";
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(login) || RESERVED_LOGINS.includes(login) || login.startsWith("pg_"))
    throw new Error(`administratorLogin ${JSON.stringify(login)} is not allowed`);
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(args.databaseName ?? "tekton_results"))
    throw new Error("databaseName must be a lowercase PostgreSQL identifier");
}

export function privateDnsZoneName(name: string, explicit?: string): string {
  return explicit ?? `${name.toLowerCase()}.private.postgres.database.azure.com`;
}

/** A private, zone-redundant Azure Database for PostgreSQL flexible server for Tekton Results. */
export class AzurePostgres extends pulumi.ComponentResource implements PostgresDatabase {
  public readonly host: pulumi.Output<string>;
  public readonly port: pulumi.Output<number>;
  public readonly database: pulumi.Output<string>;
  public readonly username: pulumi.Output<string>;
  /** The administrator password (a Pulumi secret). */
  public readonly password: pulumi.Output<string>;
  public readonly serverId: pulumi.Output<string>;

  constructor(name: string, args: AzurePostgresArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pipeline-service:data:AzurePostgres", name, {}, opts);
    try {
      validateAzurePostgresArgs(name, args);
    } catch (e) {
      throw new pulumi.ResourceError(`AzurePostgres ${name}: ${(e as Error).message}`, this);
    }
    const child = { parent: this, provider: args.provider };
    const stateful = { ...child, protect: args.protect ?? false };
    const tags = { ...args.tags, "pipeline-service-component": "results-database" };
    const databaseName = args.databaseName ?? "tekton_results";
    const login = args.administratorLogin ?? "tekton";
    const zoneRedundant = args.zoneRedundant ?? true;

    const subnetId =
      args.delegatedSubnetId ??
      new network.Subnet(
        `${name}-subnet`,
        {
          resourceGroupName: args.resourceGroupName,
          virtualNetworkName: args.virtualNetworkName!,
          addressPrefix: args.subnetAddressPrefix,
          delegations: [
            { name: "postgres-flexible", serviceName: "Microsoft.DBforPostgreSQL/flexibleServers" },
          ],
          defaultOutboundAccess: false,
        },
        child,
      ).id;

    const zone = new privatedns.PrivateZone(
      `${name}-dns`,
      {
        resourceGroupName: args.resourceGroupName,
        privateZoneName: privateDnsZoneName(name, args.privateDnsZoneName),
        location: "global",
        tags,
      },
      child,
    );
    const link = new privatedns.VirtualNetworkLink(
      `${name}-dns-link`,
      {
        resourceGroupName: args.resourceGroupName,
        privateZoneName: zone.name,
        location: "global",
        virtualNetwork: { id: args.virtualNetworkId },
        registrationEnabled: false,
        tags,
      },
      child,
    );

    const password = new random.RandomPassword(`${name}-admin`, DB_PASSWORD_ARGS, { parent: this });

    const server = new dbforpostgresql.Server(
      `${name}-pg`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        version: args.version,
        sku: flexibleServerSku(args.skuName),
        administratorLogin: login,
        administratorLoginPassword: password.result,
        authConfig: { passwordAuth: "Enabled", activeDirectoryAuth: "Disabled" },
        storage: { storageSizeGB: args.storageSizeGb ?? 64, autoGrow: "Enabled" },
        backup: {
          backupRetentionDays: args.backupRetentionDays ?? 14,
          geoRedundantBackup: args.geoRedundantBackup ? "Enabled" : "Disabled",
        },
        availabilityZone: args.primaryZone ?? "1",
        highAvailability: zoneRedundant
          ? { mode: "ZoneRedundant", standbyAvailabilityZone: args.standbyZone ?? "2" }
          : { mode: "Disabled" },
        network: {
          delegatedSubnetResourceId: subnetId,
          privateDnsZoneArmResourceId: zone.id,
          publicNetworkAccess: "Disabled",
        },
        tags,
      },
      // The server resolves its name through the zone, so the link must exist first.
      { ...stateful, dependsOn: [link] },
    );

    // One server-parameter change at a time: the service rejects concurrent ones.
    const tlsRequired = new dbforpostgresql.Configuration(
      `${name}-require-secure-transport`,
      {
        resourceGroupName: args.resourceGroupName,
        serverName: server.name,
        configurationName: "require_secure_transport",
        value: "on",
        source: "user-override",
      },
      child,
    );
    const tlsVersion = new dbforpostgresql.Configuration(
      `${name}-ssl-min-protocol-version`,
      {
        resourceGroupName: args.resourceGroupName,
        serverName: server.name,
        configurationName: "ssl_min_protocol_version",
        value: "TLSv1.2",
        source: "user-override",
      },
      { ...child, dependsOn: [tlsRequired] },
    );
    const database = new dbforpostgresql.Database(
      `${name}-db`,
      {
        resourceGroupName: args.resourceGroupName,
        serverName: server.name,
        databaseName,
        charset: "UTF8",
        collation: "en_US.utf8",
      },
      { ...stateful, dependsOn: [tlsVersion] },
    );

    this.host = server.fullyQualifiedDomainName;
    this.port = pulumi.output(POSTGRES_PORT);
    this.database = database.name;
    this.username = pulumi.output(login);
    this.password = pulumi.secret(password.result);
    this.serverId = server.id;
    this.registerOutputs({
      host: this.host,
      port: this.port,
      database: this.database,
      username: this.username,
      password: this.password,
      serverId: this.serverId,
    });
  }
}
