// AzurePostgres: the pure helpers, and under mocks a flexible server with private access only
// (delegated subnet + private DNS zone linked to the VNet), zone-redundant HA, backups, TLS
// required, the tekton_results database, and the administrator password a secret end to end.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { Provider as AzureProvider } from "@pulumi/azure-native/provider";
import { Registered, settle, setupMocks, valueOf } from "../helpers/mocks";
import { protectedOf, quiesce, recordRegistrations } from "../helpers/engine-recorder";
import { unwrap } from "../helpers/secrets";
import type { DatabaseConfig } from "../../infra/config";
import {
  AzurePostgres,
  AzurePostgresArgs,
  flexibleServerSku,
  privateDnsZoneName,
  validateAzurePostgresArgs,
} from "../../components/data/azure-postgres";

const { resources } = setupMocks({
  outputs: {
    "azure-native:privatedns:PrivateZone": (a) => ({ name: a.inputs.privateZoneName }),
    "azure-native:dbforpostgresql:Server": (a) => ({
      name: `${a.name}abc`,
      fullyQualifiedDomainName: `${a.name}abc.postgres.database.azure.com`,
    }),
    "azure-native:dbforpostgresql:Database": (a) => ({ name: a.inputs.databaseName }),
  },
});

/** What DB_PASSWORD_ARGS draws (generated for real by the mocks): 32 letters and digits, each class present. */
const DB_PASSWORD = /^(?=.*[a-z])(?=.*[A-Z])(?=.*[0-9])[A-Za-z0-9]{32}$/;
// Registrations as the engine receives them (with protect), from here on.
const registrations = recordRegistrations();

const pgConfig: Extract<DatabaseConfig, { kind: "azure-postgres" }> = {
  kind: "azure-postgres",
  skuName: "GP_Standard_D2ds_v5",
  version: "16",
  storageSizeGb: 128,
  backupRetentionDays: 14,
  zoneRedundant: true,
};

function args(provider: AzureProvider, extra: Partial<AzurePostgresArgs> = {}): AzurePostgresArgs {
  return {
    ...pgConfig,
    provider,
    resourceGroupName: "rg-weu",
    location: "westeurope",
    virtualNetworkId:
      "/subscriptions/s/resourceGroups/rg-weu/providers/Microsoft.Network/virtualNetworks/vnet",
    virtualNetworkName: "vnet",
    subnetAddressPrefix: "10.1.250.0/24",
    tags: { region: "azure-westeurope" },
    ...extra,
  };
}

const under = (name: string) => (r: Registered) => r.name.startsWith(`${name}-`);
const one = (rs: Registered[], type: string): Registered => {
  const found = rs.filter((r) => r.type === type);
  assert.equal(found.length, 1, `one ${type}, got ${found.length}`);
  return found[0];
};

describe("AzurePostgres helpers", () => {
  test("SKU names split into the ARM name and tier", () => {
    assert.deepEqual(flexibleServerSku("GP_Standard_D2ds_v5"), {
      name: "Standard_D2ds_v5",
      tier: "GeneralPurpose",
    });
    assert.deepEqual(flexibleServerSku("MO_Standard_E4ds_v5"), {
      name: "Standard_E4ds_v5",
      tier: "MemoryOptimized",
    });
    assert.deepEqual(flexibleServerSku("B_Standard_B1ms"), { name: "Standard_B1ms", tier: "Burstable" });
    assert.throws(() => flexibleServerSku("Standard_D2ds_v5"), /not a SKU/);
  });

  test("validation: HA needs a non-burstable SKU and two zones; a subnet must be given or creatable", () => {
    const p = {} as AzureProvider;
    assert.doesNotThrow(() => validateAzurePostgresArgs("pg", args(p)));
    assert.throws(
      () => validateAzurePostgresArgs("pg", args(p, { skuName: "B_Standard_B1ms" })),
      /Burstable/,
    );
    assert.doesNotThrow(() =>
      validateAzurePostgresArgs("pg", args(p, { skuName: "B_Standard_B1ms", zoneRedundant: false })),
    );
    assert.throws(() => validateAzurePostgresArgs("pg", args(p, { standbyZone: "1" })), /must differ/);
    assert.throws(
      () => validateAzurePostgresArgs("pg", args(p, { virtualNetworkName: undefined })),
      /delegatedSubnetId, or virtualNetworkName/,
    );
    assert.throws(
      () => validateAzurePostgresArgs("pg", args(p, { backupRetentionDays: 3 })),
      /backupRetentionDays 3/,
    );
    assert.throws(() => validateAzurePostgresArgs("pg", args(p, { storageSizeGb: 16 })), /storageSizeGb 16/);
    assert.throws(
      () => validateAzurePostgresArgs("pg", args(p, { privateDnsZoneName: "db.example.com" })),
      /postgres\.database\.azure\.com/,
    );
    assert.throws(
      () => validateAzurePostgresArgs("pg", args(p, { administratorLogin: "azure_superuser" })),
      /not allowed/,
    );
    assert.throws(() => validateAzurePostgresArgs("pg", args(p, { databaseName: "x-y" })), /databaseName/);
    assert.equal(privateDnsZoneName("Results"), "results.private.postgres.database.azure.com");
  });
});

describe("AzurePostgres under mocks", () => {
  test("private access, zone-redundant HA, backups, TLS, database, secret password", async () => {
    const provider = new AzureProvider("azure-weu", { location: "westeurope" });
    const pg = new AzurePostgres("results", args(provider));
    await settle();
    const mine = resources.filter(under("results"));

    const subnet = one(mine, "azure-native:network:Subnet").inputs;
    assert.equal(subnet.virtualNetworkName, "vnet");
    assert.equal(subnet.addressPrefix, "10.1.250.0/24");
    assert.deepEqual(subnet.delegations, [
      { name: "postgres-flexible", serviceName: "Microsoft.DBforPostgreSQL/flexibleServers" },
    ]);
    const zone = one(mine, "azure-native:privatedns:PrivateZone").inputs;
    assert.equal(zone.privateZoneName, "results.private.postgres.database.azure.com");
    const link = one(mine, "azure-native:privatedns:VirtualNetworkLink").inputs;
    assert.equal(link.privateZoneName, "results.private.postgres.database.azure.com");
    assert.deepEqual(link.virtualNetwork, { id: args(provider).virtualNetworkId });
    assert.equal(link.registrationEnabled, false);

    const server = one(mine, "azure-native:dbforpostgresql:Server").inputs;
    assert.equal(server.version, "16");
    assert.deepEqual(server.sku, { name: "Standard_D2ds_v5", tier: "GeneralPurpose" });
    assert.deepEqual(server.highAvailability, { mode: "ZoneRedundant", standbyAvailabilityZone: "2" });
    assert.equal(server.availabilityZone, "1");
    assert.deepEqual(server.backup, { backupRetentionDays: 14, geoRedundantBackup: "Disabled" });
    assert.deepEqual(server.storage, { storageSizeGB: 128, autoGrow: "Enabled" });
    assert.deepEqual(server.network, {
      delegatedSubnetResourceId: "results-subnet-id",
      privateDnsZoneArmResourceId: "results-dns-id",
      publicNetworkAccess: "Disabled",
    });
    assert.equal(server.administratorLogin, "tekton");
    const password = unwrap(server.administratorLoginPassword);
    assert.equal(password.secret, true, "the administrator password reaches Azure as a secret");
    assert.match(String(password.value), DB_PASSWORD);

    const configs = mine
      .filter((r) => r.type === "azure-native:dbforpostgresql:Configuration")
      .map((r) => r.inputs);
    assert.deepEqual(
      configs.map((c) => [c.serverName, c.configurationName, c.value]),
      [
        ["results-pgabc", "require_secure_transport", "on"],
        ["results-pgabc", "ssl_min_protocol_version", "TLSv1.2"],
      ],
    );
    const database = one(mine, "azure-native:dbforpostgresql:Database").inputs;
    assert.deepEqual([database.serverName, database.databaseName], ["results-pgabc", "tekton_results"]);

    for (const r of mine.filter((x) => x.type.startsWith("azure-native:")))
      assert.match(r.provider ?? "", /pulumi:providers:azure-native::azure-weu::/, r.name);

    assert.equal(await valueOf(pg.host), "results-pgabc.postgres.database.azure.com");
    assert.equal(await valueOf(pg.port), 5432);
    assert.equal(await valueOf(pg.database), "tekton_results");
    assert.equal(await valueOf(pg.username), "tekton");
    assert.equal(await pulumi.isSecret(pg.password), true);
    assert.equal(await valueOf(pg.password), password.value);
  });

  test("an existing delegated subnet, HA off and geo-redundant backups", async () => {
    const provider = new AzureProvider("azure-neu", { location: "northeurope" });
    new AzurePostgres(
      "small",
      args(provider, {
        delegatedSubnetId: "/subscriptions/s/subnets/pg",
        virtualNetworkName: undefined,
        subnetAddressPrefix: undefined,
        zoneRedundant: false,
        geoRedundantBackup: true,
      }),
    );
    await settle();
    const mine = resources.filter(under("small"));
    assert.equal(mine.filter((r) => r.type === "azure-native:network:Subnet").length, 0);
    const server = one(mine, "azure-native:dbforpostgresql:Server").inputs;
    assert.equal((server.highAvailability as Record<string, unknown>).mode, "Disabled");
    assert.equal((server.backup as Record<string, unknown>).geoRedundantBackup, "Enabled");
    assert.equal(
      (server.network as Record<string, unknown>).delegatedSubnetResourceId,
      "/subscriptions/s/subnets/pg",
    );
    assert.equal((server.network as Record<string, unknown>).publicNetworkAccess, "Disabled");
  });

  test("bad arguments fail with a ResourceError naming the component", () => {
    const provider = new AzureProvider("azure-bad", { location: "westeurope" });
    assert.throws(
      () => new AzurePostgres("bad", args(provider, { skuName: "B_Standard_B1ms" })),
      (e: Error) => pulumi.ResourceError.isInstance(e) && /^AzurePostgres bad: .*Burstable/.test(e.message),
    );
  });
});

describe("AzurePostgres protect", () => {
  test("protect: the server and its database only; without it, nothing", async () => {
    new AzurePostgres(
      "guarded",
      args(new AzureProvider("azure-guarded", { location: "westeurope" }), { protect: true }),
    );
    new AzurePostgres("open", args(new AzureProvider("azure-open", { location: "westeurope" })));
    await settle();
    await quiesce();
    assert.deepEqual(protectedOf(registrations, "guarded"), [
      "azure-native:dbforpostgresql:Database guarded-db",
      "azure-native:dbforpostgresql:Server guarded-pg",
    ]);
    assert.deepEqual(protectedOf(registrations, "open"), []);
  });
});
