import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  aksApiServerAccess,
  aksEntraIdRbac,
  aksLocalAccountsDisabled,
  aksPoolsAcrossZones,
  azurePostgresBackupRetention,
  azurePostgresZoneRedundantHa,
} from "../../policy/azure";
import { UNKNOWN, messages, runResource, withPath } from "./helpers";

const AKS = "azure-native:containerservice:ManagedCluster";
const POOL = "azure-native:containerservice:AgentPool";
const PG = "azure-native:dbforpostgresql:Server";

const goodAks = {
  location: "westeurope",
  resourceGroupName: "rg",
  aadProfile: {
    managed: true,
    enableAzureRBAC: true,
    adminGroupObjectIDs: ["00000000-0000-0000-0000-000000000001"],
  },
  disableLocalAccounts: true,
  apiServerAccessProfile: { enablePrivateCluster: true },
  agentPoolProfiles: [
    { name: "system", mode: "System", count: 3, availabilityZones: ["1", "2", "3"] },
    { name: "user", mode: "User", count: 3, availabilityZones: ["1", "2", "3"] },
  ],
};

const goodPg = {
  location: "westeurope",
  resourceGroupName: "rg",
  version: "16",
  highAvailability: { mode: "ZoneRedundant" },
  backup: { backupRetentionDays: 14, geoRedundantBackup: "Disabled" },
};

describe("aks-pools-across-zones", () => {
  it("passes inline pools and AgentPool resources over three zones", async () => {
    const o = await runResource(aksPoolsAcrossZones, AKS, goodAks);
    assert.deepEqual(messages(o), []);
    // The AgentPool validation declines the ManagedCluster, as the server expects.
    assert.equal(o.notApplicable.length, 1);
    const pool = await runResource(aksPoolsAcrossZones, POOL, {
      agentPoolName: "work",
      availabilityZones: ["1", "2", "3"],
    });
    assert.deepEqual(messages(pool), []);
  });

  it("names each pool with too few zones", async () => {
    const bad = withPath(goodAks, "agentPoolProfiles", [
      { name: "system", availabilityZones: ["1", "2", "3"] },
      { name: "user", availabilityZones: ["1"] },
      { name: "nozones" },
    ]);
    assert.deepEqual(messages(await runResource(aksPoolsAcrossZones, AKS, bad)), [
      "node pool user spans 1 availability zone(s); at least 3 are required.",
      "node pool nozones spans 0 availability zone(s); at least 3 are required.",
    ]);
    const pool = await runResource(aksPoolsAcrossZones, POOL, {
      agentPoolName: "work",
      availabilityZones: ["1", "2"],
    });
    assert.equal(messages(pool).length, 1);
    const relaxed = await runResource(
      aksPoolsAcrossZones,
      POOL,
      { agentPoolName: "work", availabilityZones: ["1", "2"] },
      {
        config: { minZones: 2 },
      },
    );
    assert.deepEqual(messages(relaxed), []);
  });

  it("cannot judge unknown zones yet, nor too few known zones beside an unknown one", async () => {
    const pending = withPath(goodAks, "agentPoolProfiles", [
      { name: "system", availabilityZones: UNKNOWN.array },
      { name: "user", availabilityZones: ["1", UNKNOWN.string] },
    ]);
    const o = await runResource(aksPoolsAcrossZones, AKS, pending);
    assert.deepEqual(messages(o), []);
    assert.equal(o.cannotJudge.length, 1);
    assert.match(
      o.cannotJudge[0],
      /node pool system: availabilityZones; node pool user: availabilityZones\[1\]/,
    );
    const pools = await runResource(
      aksPoolsAcrossZones,
      AKS,
      withPath(goodAks, "agentPoolProfiles", UNKNOWN.array),
    );
    assert.match(pools.cannotJudge[0], /agentPoolProfiles/);
  });
});

describe("aks-entra-id-rbac", () => {
  it("passes a managed Entra ID profile with Azure RBAC", async () => {
    assert.deepEqual(messages(await runResource(aksEntraIdRbac, AKS, goodAks)), []);
  });

  it("rejects a missing profile and each missing switch", async () => {
    assert.match(
      messages(await runResource(aksEntraIdRbac, AKS, withPath(goodAks, "aadProfile", undefined)))[0],
      /Entra ID/,
    );
    const noRbac = withPath(goodAks, "aadProfile.enableAzureRBAC", false);
    assert.deepEqual(messages(await runResource(aksEntraIdRbac, AKS, noRbac)), [
      "aadProfile.enableAzureRBAC is not true.",
    ]);
    const legacy = withPath(goodAks, "aadProfile.managed", undefined);
    assert.deepEqual(messages(await runResource(aksEntraIdRbac, AKS, legacy)), [
      "aadProfile.managed is not true.",
    ]);
  });

  it("cannot judge an unknown profile yet (advisory note, no pass)", async () => {
    const o = await runResource(aksEntraIdRbac, AKS, withPath(goodAks, "aadProfile", UNKNOWN.object));
    assert.deepEqual(messages(o), []);
    assert.deepEqual(o.cannotJudge, ["cannot judge yet (unknown until the update runs): aadProfile."]);
  });
});

describe("aks-local-accounts-disabled", () => {
  it("cannot judge an unknown switch yet", async () => {
    const o = await runResource(
      aksLocalAccountsDisabled,
      AKS,
      withPath(goodAks, "disableLocalAccounts", UNKNOWN.boolean),
    );
    assert.deepEqual(messages(o), []);
    assert.match(o.cannotJudge[0], /disableLocalAccounts/);
  });

  it("passes when local accounts are disabled and rejects the default", async () => {
    assert.deepEqual(messages(await runResource(aksLocalAccountsDisabled, AKS, goodAks)), []);
    const dflt = withPath(goodAks, "disableLocalAccounts", undefined);
    assert.deepEqual(messages(await runResource(aksLocalAccountsDisabled, AKS, dflt)), [
      "disableLocalAccounts is not true.",
    ]);
  });
});

describe("aks-api-server-access", () => {
  it("passes a private cluster and a public one with authorized ranges", async () => {
    assert.deepEqual(messages(await runResource(aksApiServerAccess, AKS, goodAks)), []);
    const ranged = withPath(goodAks, "apiServerAccessProfile", { authorizedIPRanges: ["198.51.100.0/24"] });
    assert.deepEqual(messages(await runResource(aksApiServerAccess, AKS, ranged)), []);
  });

  it("rejects an open API server and 0.0.0.0/0", async () => {
    const open = withPath(goodAks, "apiServerAccessProfile", undefined);
    assert.match(messages(await runResource(aksApiServerAccess, AKS, open))[0], /public to every address/);
    const world = withPath(goodAks, "apiServerAccessProfile", {
      enablePrivateCluster: false,
      authorizedIPRanges: ["198.51.100.0/24", "0.0.0.0/0"],
    });
    assert.deepEqual(messages(await runResource(aksApiServerAccess, AKS, world)), [
      "authorizedIPRanges contains 0.0.0.0/0: list the networks that may reach the API.",
    ]);
  });

  it("cannot judge unknown ranges or an unknown private switch yet", async () => {
    for (const profile of [
      { authorizedIPRanges: UNKNOWN.array },
      { enablePrivateCluster: UNKNOWN.boolean },
      UNKNOWN.object,
    ]) {
      const o = await runResource(
        aksApiServerAccess,
        AKS,
        withPath(goodAks, "apiServerAccessProfile", profile),
      );
      assert.deepEqual(messages(o), []);
      assert.match(o.cannotJudge[0], /apiServerAccessProfile/);
    }
  });
});

describe("azure-postgres-zone-redundant-ha", () => {
  it("passes ZoneRedundant and reports SameZone or no HA (advisory)", async () => {
    assert.deepEqual(messages(await runResource(azurePostgresZoneRedundantHa, PG, goodPg)), []);
    const same = withPath(goodPg, "highAvailability.mode", "SameZone");
    assert.match(messages(await runResource(azurePostgresZoneRedundantHa, PG, same))[0], /SameZone/);
    const none = withPath(goodPg, "highAvailability", undefined);
    assert.match(messages(await runResource(azurePostgresZoneRedundantHa, PG, none))[0], /not set/);
    assert.equal(azurePostgresZoneRedundantHa.enforcementLevel, "advisory");
    const pending = withPath(goodPg, "highAvailability.mode", UNKNOWN.string);
    const o = await runResource(azurePostgresZoneRedundantHa, PG, pending);
    assert.deepEqual(messages(o), []);
    assert.match(o.cannotJudge[0], /highAvailability\.mode/);
  });
});

describe("azure-postgres-backup-retention", () => {
  it("passes 14 days and Azure's 7-day default; rejects fewer; honours config", async () => {
    assert.deepEqual(messages(await runResource(azurePostgresBackupRetention, PG, goodPg)), []);
    const dflt = withPath(goodPg, "backup", undefined);
    assert.deepEqual(messages(await runResource(azurePostgresBackupRetention, PG, dflt)), []);
    const short = withPath(goodPg, "backup.backupRetentionDays", 3);
    assert.match(messages(await runResource(azurePostgresBackupRetention, PG, short))[0], /is 3; at least 7/);
    const strict = await runResource(azurePostgresBackupRetention, PG, dflt, {
      config: { minRetentionDays: 14 },
    });
    assert.equal(messages(strict).length, 1);
    const pending = await runResource(
      azurePostgresBackupRetention,
      PG,
      withPath(goodPg, "backup.backupRetentionDays", UNKNOWN.number),
    );
    assert.deepEqual(messages(pending), []);
    assert.match(pending.cannotJudge[0], /backupRetentionDays/);
  });
});
