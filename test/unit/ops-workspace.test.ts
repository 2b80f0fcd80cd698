// The ops commands' set-up: stack discovery from stacks/, selection (names, globs, --local), the explicit
// can-it-run-here checks (cloud credentials, plugins, local environment), the env from scripts/env.sh,
// rollout waves, and the bounded pool and progress lines.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as fc from "fast-check";
import { Progress, formatProgressLine, mapPool } from "../../ops/progress";
import { parseWavesFile, parseWavesFlag, planWaves, readWavesFile } from "../../ops/waves";
import {
  PROJECT_DIR,
  awsCredentials,
  azureCredentials,
  discoverStacks,
  findPlugin,
  kubeconfigServer,
  loadProjectEnv,
  parseEnv0,
  preflight,
  selectStacks,
  stackInfoFromDocument,
  type Env,
  type StackInfo,
} from "../../ops/workspace";

const none = () => false;
const noDirs = () => [];

describe("stack discovery", () => {
  it("reads every shipped stack: cloud, region, home, the local files a local stack needs", () => {
    const stacks = discoverStacks();
    const byName = Object.fromEntries(stacks.map((s) => [s.stack, s]));
    const names = stacks.map((s) => s.stack);
    for (const n of ["aws-eu-west-1", "aws-us-east-1", "azure-westeurope", "local-east", "local-west"]) {
      assert.ok(names.includes(n), n);
    }
    assert.deepEqual(names, [...names].sort(), "sorted by name");
    assert.deepEqual(
      {
        cloud: byName["aws-us-east-1"].cloud,
        cloudRegion: byName["aws-us-east-1"].cloudRegion,
        home: byName["aws-us-east-1"].home,
      },
      { cloud: "aws", cloudRegion: "us-east-1", home: true },
    );
    assert.equal(byName["azure-westeurope"].cloud, "azure");
    assert.equal(byName["azure-westeurope"].cloudRegion, "westeurope");
    assert.equal(byName["local-east"].cloud, "local");
    assert.equal(byName["local-east"].kubeconfigPath, ".local/kwok/clusters/local-east/kubeconfig.yaml");
    assert.equal(byName["local-east"].localEnvFile, ".local/env.json");
    assert.equal(byName["local-west"].home, false);
  });

  it("an existing cluster outside the local profile is 'existing', not local", () => {
    const s = stackInfoFromDocument("prod", "f", {
      config: { "pipeline-service:cluster": { kind: "existing", kubeconfigPath: "kc" } },
    });
    assert.deepEqual([s.cloud, s.region, s.kubeconfigPath], ["existing", "prod", "kc"]);
  });
});

describe("stack selection", () => {
  it("names, comma lists and globs; --local keeps local-profile stacks; a pattern matching nothing is reported", () => {
    const shipped = ["aws-eu-west-1", "aws-us-east-1", "azure-westeurope", "local-east", "local-west"];
    const all = discoverStacks().filter((s) => shipped.includes(s.stack));
    assert.equal(selectStacks(all, {}).selected.length, 5);
    assert.deepEqual(selectStacks(all, { patterns: ["local-*"] }).selected, ["local-east", "local-west"]);
    assert.deepEqual(selectStacks(all, { patterns: ["aws-us-east-1,azure-*"] }).selected, [
      "aws-us-east-1",
      "azure-westeurope",
    ]);
    assert.deepEqual(selectStacks(all, { local: true }).selected, ["local-east", "local-west"]);
    assert.deepEqual(selectStacks(all, { patterns: ["aws-*"], local: true }).selected, []);
    assert.deepEqual(selectStacks(all, { patterns: ["local-?ast", "nope*"] }), {
      selected: ["local-east"],
      unmatched: ["nope*"],
    });
    assert.deepEqual(selectStacks(all, { patterns: ["local.east"] }).selected, [], "a dot is literal");
  });

  it("selection is a subset of the stacks, in their order, and '*' selects all", () => {
    const name = fc.stringMatching(/^[a-z]{1,3}(-[a-z]{1,3})?$/);
    fc.assert(
      fc.property(
        fc.uniqueArray(name, { maxLength: 8 }),
        fc.array(fc.stringMatching(/^[a-z*?-]{1,4}$/), { maxLength: 3 }),
        (names, patterns) => {
          const stacks = names.map((stack) => ({ stack, cloud: "local" as const }));
          const { selected } = selectStacks(stacks, { patterns });
          assert.deepEqual(
            selected,
            names.filter((n) => selected.includes(n)),
          );
          assert.deepEqual(selectStacks(stacks, { patterns: ["*"] }).selected, names);
        },
      ),
    );
  });
});

describe("can-it-run-here checks", () => {
  it("AWS: keys, web identity (OIDC), container credentials or a shared config file", () => {
    assert.equal(awsCredentials({}, none).ok, false);
    assert.equal(awsCredentials({ AWS_ACCESS_KEY_ID: "a" }, none).ok, false, "a key id alone is not enough");
    assert.equal(awsCredentials({ AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: "b" }, none).ok, true);
    assert.equal(awsCredentials({ AWS_ROLE_ARN: "r", AWS_WEB_IDENTITY_TOKEN_FILE: "/t" }, none).ok, true);
    assert.equal(awsCredentials({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2" }, none).ok, true);
    const home = { HOME: "/home/u", AWS_PROFILE: "prod" };
    assert.deepEqual(
      awsCredentials(home, (f) => f === "/home/u/.aws/config"),
      {
        ok: true,
        source: "shared config (profile prod)",
      },
    );
  });

  it("Azure: a complete service principal (secret, certificate, OIDC), managed identity or an az login", () => {
    const sp = { ARM_CLIENT_ID: "c", ARM_TENANT_ID: "t", ARM_SUBSCRIPTION_ID: "s" };
    assert.equal(azureCredentials({}, none).ok, false);
    assert.equal(azureCredentials(sp, none).ok, false, "no secret, certificate or OIDC token");
    assert.equal(azureCredentials({ ...sp, ARM_CLIENT_SECRET: "x" }, none).ok, true);
    assert.equal(
      azureCredentials({ ARM_CLIENT_ID: "c", ARM_CLIENT_SECRET: "x" }, none).ok,
      false,
      "tenant missing",
    );
    assert.equal(
      azureCredentials(
        {
          ...sp,
          ARM_USE_OIDC: "true",
          ACTIONS_ID_TOKEN_REQUEST_URL: "u",
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: "t",
        },
        none,
      ).ok,
      true,
    );
    assert.equal(azureCredentials({ ...sp, ARM_USE_OIDC: "false", ARM_OIDC_TOKEN: "t" }, none).ok, false);
    assert.equal(azureCredentials({ ARM_USE_MSI: "true" }, none).ok, true);
    const az = (f: string) => f.startsWith("/home/u/.azure/");
    assert.equal(azureCredentials({ HOME: "/home/u" }, az).ok, true);
  });

  const stacks = Object.fromEntries(discoverStacks().map((s) => [s.stack, s])) as Record<string, StackInfo>;
  const offline: Env = {
    PATH: "/tools/bin",
    PULUMI_HOME: "/ph",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  };
  const plugins = (names: string[]) => (f: string) =>
    names.some((n) => f === `/tools/bin/pulumi-resource-${n}`);

  it("an aws stack without credentials is skipped with the reason; with them it needs its plugins", () => {
    const aws = stacks["aws-us-east-1"];
    assert.match(
      preflight(aws, { env: offline, exists: plugins(["aws", "kubernetes"]), list: noDirs }) ?? "",
      /^no AWS credentials/,
    );
    const creds = { ...offline, AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: "b" };
    assert.equal(
      preflight(aws, { env: creds, exists: plugins(["aws", "kubernetes"]), list: noDirs }),
      undefined,
    );
    assert.equal(
      preflight(aws, { env: creds, exists: plugins(["kubernetes"]), list: noDirs }),
      "provider plugin aws not installed (pulumi install --no-dependencies)",
    );
    assert.equal(
      preflight(aws, {
        env: offline,
        exists: plugins(["aws", "kubernetes"]),
        list: noDirs,
        assumeCredentials: ["aws"],
      }),
      undefined,
      "--assume-credentials aws",
    );
    // Plugins installed under PULUMI_HOME count too; with acquisition allowed the CLI fetches them.
    const installed = (d: string) =>
      d === "/ph/plugins" ? ["resource-aws-v7.47.0", "resource-kubernetes-v4.24.1"] : [];
    assert.equal(preflight(aws, { env: creds, exists: none, list: installed }), undefined);
    const online = { ...creds, PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "" };
    assert.equal(preflight(aws, { env: online, exists: none, list: noDirs }), undefined);
  });

  it("an azure stack names both problems at once", () => {
    const reason = preflight(stacks["azure-westeurope"], { env: offline, exists: none, list: noDirs }) ?? "";
    assert.match(
      reason,
      /^no Azure credentials .*; provider plugins azure-native, kubernetes not installed \(pulumi install --no-dependencies; tools\/build\.sh pulumi-kubernetes\)$/,
    );
  });

  it("a local stack needs the local environment's files (relative to the project)", () => {
    const local = stacks["local-east"];
    const reason = preflight(local, {
      env: offline,
      exists: plugins(["kubernetes"]),
      list: noDirs,
      projectDir: "/p",
    });
    assert.equal(
      reason,
      "local environment not started (.local/env.json, .local/kwok/clusters/local-east/kubeconfig.yaml missing: local/env.sh start)",
    );
    const up = (f: string) => plugins(["kubernetes"])(f) || f.startsWith("/p/.local/");
    assert.equal(preflight(local, { env: offline, exists: up, list: noDirs, projectDir: "/p" }), undefined);
  });

  it("findPlugin: first on PATH, else PULUMI_HOME/plugins", () => {
    const env = { PATH: ["/a", "/b"].join(path.delimiter), PULUMI_HOME: "/ph" };
    assert.equal(
      findPlugin("kubernetes", env, { exists: (f) => f.startsWith("/b/"), list: noDirs }),
      "/b/pulumi-resource-kubernetes",
    );
    assert.equal(
      findPlugin("aws", env, {
        exists: none,
        list: () => ["resource-aws-native-v1.0.0", "resource-aws-v7.47.0"],
      }),
      "/ph/plugins/resource-aws-v7.47.0",
    );
    assert.equal(
      findPlugin("aws", env, { exists: none, list: () => ["resource-aws-native-v1.0.0"] }),
      undefined,
    );
  });

  it("kubeconfigServer: the current context's cluster", () => {
    const kc = {
      "current-context": "b",
      contexts: [
        { name: "a", context: { cluster: "ca" } },
        { name: "b", context: { cluster: "cb" } },
      ],
      clusters: [
        { name: "ca", cluster: { server: "https://127.0.0.1:1" } },
        { name: "cb", cluster: { server: "https://127.0.0.1:2" } },
      ],
    };
    assert.equal(kubeconfigServer(kc), "https://127.0.0.1:2");
    assert.equal(kubeconfigServer({}), undefined);
  });
});

describe("project environment", () => {
  it("parseEnv0 keeps values with '=' and newlines", () => {
    assert.deepEqual(parseEnv0("A=1\0B=x=y\nz\0\0"), { A: "1", B: "x=y\nz" });
  });

  it("loadProjectEnv sources scripts/env.sh: tools first on PATH, project PULUMI_HOME, file backend, offline", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ops-env-"));
    try {
      // A copy of the project's env.sh in a scratch project, so the test creates no passphrase of ours.
      fs.mkdirSync(path.join(dir, "scripts"));
      fs.copyFileSync(path.join(PROJECT_DIR, "scripts/env.sh"), path.join(dir, "scripts/env.sh"));
      const base = { PATH: "/usr/bin:/bin", HOME: dir };
      const env = loadProjectEnv(dir, base);
      assert.ok(env.PATH.startsWith(`${dir}/.tools/bin:`), env.PATH);
      assert.equal(env.PULUMI_HOME, `${dir}/.tools/pulumi-home`);
      assert.equal(env.PULUMI_BACKEND_URL, `file://${dir}/.state/backend`);
      assert.equal(env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION, "true");
      assert.equal(env.PULUMI_CONFIG_PASSPHRASE_FILE, `${dir}/.state/passphrase`);
      assert.equal(env.PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER, "true");
      assert.ok(fs.statSync(env.PULUMI_CONFIG_PASSPHRASE_FILE).size > 0);
      const own = loadProjectEnv(dir, { ...base, PULUMI_BACKEND_URL: "s3://bucket" });
      assert.equal(own.PULUMI_BACKEND_URL, "s3://bucket", "a user's backend wins");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("rollout waves", () => {
  const fleet = ["aws-eu-west-1", "aws-us-east-1", "azure-westeurope", "local-east", "local-west"];

  it("the shipped ops/waves.json: home regions first, then canaries, then every other stack", () => {
    const waves = planWaves(fleet, readWavesFile(path.join(PROJECT_DIR, "ops/waves.json")));
    assert.deepEqual(waves, [
      { name: "home", stacks: ["aws-us-east-1", "local-east"] },
      { name: "canary", stacks: ["aws-eu-west-1", "local-west"] },
      { name: "rest", stacks: ["azure-westeurope"] },
    ]);
    assert.deepEqual(
      planWaves(["local-east", "local-west"], readWavesFile(path.join(PROJECT_DIR, "ops/waves.json"))),
      [
        { name: "home", stacks: ["local-east"] },
        { name: "canary", stacks: ["local-west"] },
      ],
    );
  });

  it("empty waves are dropped; a stack in no wave is an error", () => {
    assert.deepEqual(planWaves(["local-east"], parseWavesFlag("local-west;local-*")), [
      { name: "wave 2", stacks: ["local-east"] },
    ]);
    assert.throws(
      () => planWaves(fleet, parseWavesFlag("local-*")),
      /stacks in no wave: aws-eu-west-1, aws-us-east-1, azure-westeurope/,
    );
  });

  it("every selected stack lands in exactly one wave, in selection order", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.constantFrom(...fleet), { minLength: 1 }),
        fc.array(
          fc.array(fc.constantFrom("local-*", "aws-*", "*-west*", "azure-westeurope", "local-east"), {
            minLength: 1,
            maxLength: 2,
          }),
          { maxLength: 3 },
        ),
        (selected, specs) => {
          const waves = planWaves(selected, [
            ...specs.map((stacks, i) => ({ name: `w${i}`, stacks })),
            { name: "rest", stacks: ["*"] },
          ]);
          const flat = waves.flatMap((w) => w.stacks);
          assert.deepEqual([...flat].sort(), [...selected].sort());
          for (const w of waves) {
            assert.ok(w.stacks.length > 0);
            assert.deepEqual(
              w.stacks,
              selected.filter((s) => w.stacks.includes(s)),
            );
          }
        },
      ),
    );
  });

  it("bad waves files are rejected with the file and the field", () => {
    assert.throws(() => parseWavesFile("{", "w.json"), /w\.json: not JSON/);
    assert.throws(() => parseWavesFile('{"waves": []}', "w.json"), /"waves" must be a non-empty array/);
    assert.throws(() => parseWavesFile('{"waves": [{"stacks": []}]}', "w.json"), /waves\[0\]\.stacks/);
    assert.throws(() => parseWavesFlag(" ; "), /names no stack/);
  });
});

describe("pool and progress", () => {
  it("mapPool: never more than `limit` in flight, results in input order", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(5), { maxLength: 12 }),
        fc.integer({ min: 1, max: 4 }),
        async (delays, limit) => {
          let inFlight = 0;
          let peak = 0;
          const out = await mapPool(delays, limit, async (d, i) => {
            peak = Math.max(peak, ++inFlight);
            await new Promise((r) => setTimeout(r, d));
            inFlight--;
            return i;
          });
          assert.ok(peak <= limit);
          assert.deepEqual(
            out,
            delays.map((_, i) => i),
          );
        },
      ),
      { numRuns: 30 },
    );
  });

  it("mapPool: once shouldStart says no, no further item starts", async () => {
    let failed = false;
    const started: number[] = [];
    const out = await mapPool(
      [0, 1, 2, 3, 4],
      2,
      async (i) => {
        started.push(i);
        await new Promise((r) => setTimeout(r, i === 0 ? 1 : 5));
        if (i === 0) failed = true;
        return i;
      },
      () => !failed,
    );
    assert.deepEqual(started, [0, 1]);
    assert.deepEqual(out, [0, 1, undefined, undefined, undefined]);
  });

  it("progress lines: elapsed time, aligned stack, phase, detail", () => {
    assert.equal(
      formatProgressLine(12_345, "local-east", "preview", "started", 12),
      "[  12.3s] local-east    preview   started",
    );
    const lines: string[] = [];
    let now = 1000;
    const p = new Progress(
      (l) => lines.push(l),
      () => now,
    );
    p.setNames(["aws-us-east-1", "a"]);
    now = 3500;
    p.line("a", "done", "+1 ~0 ±0 -0");
    assert.deepEqual(lines, ["[   2.5s] a              done      +1 ~0 ±0 -0"]);
  });
});
