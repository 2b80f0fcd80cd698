// Config validation rules: every rejected config gives its own message naming the key, the value and what
// is allowed, in our words (never the schema library's); every accepted one parses; and program() registers
// nothing for any rejected config, region rules and the program's own keys (secrets, Argo CD) alike.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, type ParseContext, parseRegionConfig } from "../../infra/config";
import { program } from "../../infra/program";
import { checkProgramConfig, resolveRegion } from "../../infra/stack-config";
import { setupMocks } from "../helpers/mocks";
import {
  ACCEPTED,
  aws,
  azure,
  LIBRARY_TEXT,
  local,
  OUR_FORM,
  REJECTED,
  SELF_HOME,
  set,
} from "./config-cases";

const mocks = setupMocks();
const THIS_STACK: ParseContext = {
  stack: { organization: "organization", project: "pipeline-service", stack: "test" },
};

function problems(raw: Record<string, unknown>, context: ParseContext = {}): string[] {
  try {
    parseRegionConfig(raw, context);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e.problems;
  }
  return [];
}

void describe(`rejected configs (${REJECTED.length + 1})`, () => {
  for (const [name, raw, expected] of REJECTED) {
    void it(`rejects: ${name}`, () => {
      const found = problems(raw());
      assert.ok(found.length > 0, "accepted an invalid config");
      assert.match(found.join("\n"), expected);
    });
  }
  void it(`rejects: ${SELF_HOME[0]}`, () => {
    assert.deepEqual(problems(SELF_HOME[1]()), [], "valid without knowing the stack");
    assert.match(problems(SELF_HOME[1](), THIS_STACK).join("\n"), SELF_HOME[2]);
  });
  void it("each has its own message", () => {
    const messages = REJECTED.map(([, raw]) => problems(raw()).join("\n"));
    const dup = messages.filter((m, i) => messages.indexOf(m) !== i);
    assert.deepEqual(dup, []);
  });
  void it("no message carries the schema library's text; each names the key in our form", () => {
    for (const [name, raw] of [...REJECTED, SELF_HOME]) {
      for (const p of problems(raw(), THIS_STACK)) {
        assert.doesNotMatch(p, LIBRARY_TEXT, name);
        assert.match(p, OUR_FORM, name);
      }
    }
  });
});

void describe(`accepted configs (${ACCEPTED.length})`, () => {
  for (const [name, raw] of ACCEPTED) {
    void it(`accepts: ${name}`, () => assert.deepEqual(problems(raw(), THIS_STACK), []));
  }
});

// ---- The program's own keys: secrets and Argo CD repositories. ----

interface ProgramCase {
  name: string;
  raw: () => Record<string, unknown>;
  /** Program keys without the namespace -> value (objects JSON-encoded). */
  keys: Record<string, unknown>;
  secret: string[];
  expected: RegExp;
}
const KEY_PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEsecretbody\n-----END RSA PRIVATE KEY-----";
const github = { githubAppId: "123456", githubPrivateKey: KEY_PEM, githubWebhookSecret: "hook-s3cret" };
const githubKeys = Object.keys(github);
const repos = [{ name: "infra", url: "https://git.example.com/infra.git" }];
const external = (c: Record<string, unknown>) =>
  (c.database = { kind: "external", host: "db.example.com", database: "results", user: "results" });

export const PROGRAM_CASES: ProgramCase[] = [
  {
    name: "GitHub private key in plaintext",
    raw: aws,
    keys: github,
    secret: ["githubAppId", "githubWebhookSecret"],
    expected:
      /pipeline-service:githubPrivateKey = \(plaintext, not shown\): expected a secret; remove it from the stack file \(pulumi config rm githubPrivateKey\) and set it with: pulumi config set --secret githubPrivateKey <value>/,
  },
  {
    name: "database password in plaintext",
    raw: () => set(aws(), external),
    keys: { resultsDatabasePassword: "hunter2-s3cret" },
    secret: [],
    expected: /pipeline-service:resultsDatabasePassword = \(plaintext, not shown\): expected a secret/,
  },
  {
    name: "Argo CD credentials in plaintext",
    raw: aws,
    keys: { argocdRepositories: repos, argocdRepositoryCredentials: { infra: { password: "s3cret-pw" } } },
    secret: [],
    expected:
      /pipeline-service:argocdRepositoryCredentials = \(plaintext, not shown\): expected a secret.*pulumi config set --secret --path 'argocdRepositoryCredentials.<repository>.password' <value>/,
  },
  {
    name: "GitHub App without its webhook secret",
    raw: aws,
    keys: { githubAppId: "1", githubPrivateKey: KEY_PEM },
    secret: ["githubAppId", "githubPrivateKey"],
    expected:
      /pipeline-service:githubWebhookSecret = \(not set\): expected a value: githubAppId, githubPrivateKey, githubWebhookSecret are set together/,
  },
  {
    name: "GitHub App id that is not a number",
    raw: aws,
    keys: { ...github, githubAppId: "my-app" },
    secret: githubKeys,
    expected:
      /pipeline-service:githubAppId = \(secret, not shown\): expected the GitHub App's numeric App ID/,
  },
  {
    name: "GitHub private key that is not PEM",
    raw: aws,
    keys: { ...github, githubPrivateKey: "not-a-key-s3cret" },
    secret: githubKeys,
    expected: /pipeline-service:githubPrivateKey = \(secret, not shown\): expected the App's PEM private key/,
  },
  {
    name: "GitHub App while Pipelines as Code is off (ignored)",
    raw: () => set(aws(), (c) => (c.tekton.pipelinesAsCode = { enabled: false })),
    keys: github,
    secret: githubKeys,
    expected:
      /pipeline-service:githubAppId = \(set\): expected no value: it has no effect while Pipelines as Code is off/,
  },
  {
    name: "database password with a managed database (ignored)",
    raw: aws,
    keys: { resultsDatabasePassword: "hunter2-s3cret" },
    secret: ["resultsDatabasePassword"],
    expected:
      /pipeline-service:resultsDatabasePassword = \(set\): expected no value: it has no effect with database.kind rds/,
  },
  {
    name: "external database in a cloud region without a password",
    raw: () => set(aws(), external),
    keys: {},
    secret: [],
    expected:
      /pipeline-service:resultsDatabasePassword = \(not set\): expected the password of the external database.*pulumi config set --secret resultsDatabasePassword <value>/,
  },
  {
    name: "Argo CD repositories while gitops is off (ignored)",
    raw: () => set(aws(), (c) => (c.gitops = { enabled: false })),
    keys: { argocdRepositories: repos },
    secret: [],
    expected:
      /pipeline-service:argocdRepositories = \(set\): expected no value: it has no effect while gitops.enabled is false/,
  },
  {
    name: "Argo CD repository with a bad name, a duplicate and a bad URL",
    raw: azure,
    keys: {
      argocdRepositories: [
        { name: "Infra", url: "https://git.example.com/a.git" },
        { name: "apps", url: "https://git.example.com/b.git" },
        { name: "apps", url: "ftp://git.example.com/c" },
      ],
    },
    secret: [],
    expected:
      /pipeline-service:argocdRepositories\[0\].name = "Infra": expected a lowercase DNS label[^]*argocdRepositories\[2\].name = "apps": expected a name unique[^]*argocdRepositories\[2\].url = "ftp:\/\/git.example.com\/c": expected a repository URL/,
  },
  {
    name: "Argo CD credentials for an unknown repository",
    raw: aws,
    keys: { argocdRepositories: repos, argocdRepositoryCredentials: { infr: { password: "s3cret-pw" } } },
    secret: ["argocdRepositoryCredentials"],
    expected:
      /pipeline-service:argocdRepositoryCredentials.infr: expected the name of a repository in argocdRepositories \(infra\)/,
  },
  {
    name: "Argo CD credentials with a password and an SSH key",
    raw: aws,
    keys: {
      argocdRepositories: repos,
      argocdRepositoryCredentials: { infra: { password: "s3cret-pw", sshPrivateKey: "s3cret-key" } },
    },
    secret: ["argocdRepositoryCredentials"],
    expected:
      /pipeline-service:argocdRepositoryCredentials.infra = \(secret, not shown\): expected a password or an SSH key, not both/,
  },
];

const SECRET_VALUES = ["s3cret", "hunter2", "MIIEsecretbody"];

function engineConfig(raw: Record<string, unknown>, keys: Record<string, unknown> = {}) {
  const config: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...raw, ...keys }))
    config[`pipeline-service:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  return config;
}

void describe(`the program's own keys (${PROGRAM_CASES.length} rejected)`, () => {
  for (const c of PROGRAM_CASES) {
    void it(`rejects: ${c.name}`, () => {
      const region = parseRegionConfig(c.raw());
      const found = checkProgramConfig(
        engineConfig(c.raw(), c.keys),
        (k) => c.secret.map((s) => `pipeline-service:${s}`).includes(k),
        region,
      );
      assert.match(found.join("\n"), c.expected);
      for (const p of found) {
        assert.match(p, OUR_FORM);
        for (const s of SECRET_VALUES) assert.ok(!p.includes(s), `a secret value reached the message: ${p}`);
      }
    });
  }
  void it("accepts the GitHub App and Argo CD credentials as secrets", () => {
    const keys = {
      ...github,
      argocdRepositories: repos,
      argocdRepositoryCredentials: { infra: { username: "git", password: "pw" } },
    };
    const secret = [...githubKeys, "argocdRepositoryCredentials"].map((k) => `pipeline-service:${k}`);
    assert.deepEqual(
      checkProgramConfig(engineConfig(aws(), keys), (k) => secret.includes(k), parseRegionConfig(aws())),
      [],
    );
  });
});

// ---- Nothing is registered for any rejected config. ----

void describe("program() for every rejected config", () => {
  const all: { name: string; config: Record<string, string>; secret: string[]; expected: RegExp }[] = [
    ...[...REJECTED, SELF_HOME].map(([name, raw, expected]) => ({
      name,
      config: engineConfig(raw()),
      secret: [],
      expected,
    })),
    ...PROGRAM_CASES.map((c) => ({
      name: c.name,
      config: engineConfig(c.raw(), c.keys),
      secret: c.secret,
      expected: c.expected,
    })),
  ];
  void it(`${all.length} configs: each a RunError naming the key, and 0 resources registered`, async () => {
    for (const c of all) {
      pulumi.runtime.setAllConfig(
        c.config,
        c.secret.map((s) => `pipeline-service:${s}`),
      );
      await assert.rejects(
        () => program(),
        (e: Error) =>
          e instanceof pulumi.RunError &&
          e.message.startsWith("invalid stack configuration") &&
          c.expected.test(e.message),
        c.name,
      );
    }
    assert.deepEqual(mocks.resources, []);
  });
});

void describe("files the config points to", () => {
  void it("an unreadable kubeconfig or a malformed local environment file is a ConfigError naming the key", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "config-files-"));
    try {
      const missing = set(local(), (c) => (c.cluster.kubeconfigPath = path.join(dir, "absent.yaml")));
      assert.throws(
        () => resolveRegion(missing, {}),
        (e: Error) =>
          e instanceof ConfigError &&
          /^pipeline-service:cluster.kubeconfigPath = .*: cannot read the kubeconfig/.test(e.problems[0]),
      );
      fs.writeFileSync(path.join(dir, "kubeconfig.yaml"), "apiVersion: v1\n");
      fs.writeFileSync(path.join(dir, "env.json"), "{not json");
      const malformed = set(local(), (c) => {
        c.cluster.kubeconfigPath = path.join(dir, "kubeconfig.yaml");
        c.kcp.localEnvFile = path.join(dir, "env.json");
      });
      assert.throws(
        () => resolveRegion(malformed, {}),
        (e: Error) =>
          e instanceof ConfigError &&
          /^pipeline-service:kcp.localEnvFile = .*: expected the description local\/env.sh writes/.test(
            e.problems[0],
          ),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
