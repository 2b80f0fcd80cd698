// The URN of every resource each shipped stack registers under mocks (type chain, name, parent), compared
// with the committed snapshot test/unit/urn-snapshot.txt. A type, name or parent change is a replace for
// Pulumi unless the resource carries `aliases`: the test fails on any difference and prints it, marking
// each vanished URN that a current resource claims by an alias (a rename that keeps the resource).
// After a deliberate change: UPDATE_URN_SNAPSHOT=1 node --import tsx --test test/unit/urn-snapshot.test.ts
// and commit the snapshot with the reason in the commit message.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { type Registration } from "../helpers/engine-recorder";
import { runRecorded, setupFleetMocks, STACK_NAMES, stackDocument } from "../helpers/fleet-mocks";

setupFleetMocks();

const SNAPSHOT = path.join(__dirname, "urn-snapshot.txt");
const ROOT_TYPE = "pulumi:pulumi:Stack";

interface AliasSpec {
  urn?: string;
  name?: string;
  type?: string;
  stack?: string;
  project?: string;
  parentUrn?: string;
  noParent?: boolean;
}

// Aliases as the SDK sends them (structured specs), keyed by "type::name" (unique in one program run).
const aliasesByResource = new Map<string, AliasSpec[]>();
{
  interface ProtoAlias {
    getUrn(): string;
    getSpec():
      | {
          getName(): string;
          getType(): string;
          getStack(): string;
          getProject(): string;
          getParenturn(): string;
          getNoparent(): boolean;
        }
      | undefined;
  }
  interface Req {
    getType(): string;
    getName(): string;
    getAliasesList?(): ProtoAlias[];
    getAliasurnsList?(): string[];
  }
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: Req, cb: (err: Error | null, resp?: unknown) => void): void;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    const specs: AliasSpec[] = (req.getAliasesList?.() ?? []).map((a) => {
      const s = a.getSpec();
      if (!s) return { urn: a.getUrn() };
      return {
        name: s.getName() || undefined,
        type: s.getType() || undefined,
        stack: s.getStack() || undefined,
        project: s.getProject() || undefined,
        parentUrn: s.getParenturn() || undefined,
        noParent: s.getNoparent(),
      };
    });
    for (const urn of req.getAliasurnsList?.() ?? []) specs.push({ urn });
    if (specs.length > 0) aliasesByResource.set(`${req.getType()}::${req.getName()}`, specs);
    register(req, cb);
  };
}

/** stack, project and the `parentTypes$type` chain of a URN. */
function parseUrn(urn: string): { stack: string; project: string; chain: string; name: string } {
  const m = /^urn:pulumi:([^:]+)::([^:]+)::(.+?)::(.*)$/.exec(urn);
  if (!m) throw new Error(`not a URN: ${urn}`);
  return { stack: m[1], project: m[2], chain: m[3], name: m[4] };
}

/** The engine's URN: the parent's whole type chain, then the type (the mock monitor keeps only one parent type). */
function makeUrn(stack: string, project: string, parentUrn: string | undefined, type: string, name: string) {
  const parentChain = parentUrn ? parseUrn(parentUrn).chain : "";
  const chain = parentChain && parentChain !== ROOT_TYPE ? `${parentChain}$${type}` : type;
  return `urn:pulumi:${stack}::${project}::${chain}::${name}`;
}

interface Resource {
  urn: string;
  type: string;
  name: string;
  parent?: Resource;
  aliases: AliasSpec[];
}

/** The registrations with the engine's URNs, parents linked (mock URN -> resource). */
function resources(regs: Registration[]): Resource[] {
  const byMockUrn = new Map(regs.map((r) => [r.urn, r]));
  const done = new Map<string, Resource>();
  const of = (r: Registration): Resource => {
    const known = done.get(r.urn);
    if (known) return known;
    const p = r.parent ? byMockUrn.get(r.parent) : undefined;
    if (r.parent && !p) throw new Error(`${r.name}: parent ${r.parent} was not registered`);
    const parent = p ? of(p) : undefined;
    const { stack, project } = parseUrn(r.urn);
    const res: Resource = {
      urn: makeUrn(stack, project, parent?.urn, r.type, r.name),
      type: r.type,
      name: r.name,
      parent,
      aliases: (aliasesByResource.get(`${r.type}::${r.name}`) ?? []).map((a) => ({
        ...a,
        parentUrn: a.parentUrn ? (a.parentUrn === r.parent ? parent?.urn : a.parentUrn) : undefined,
      })),
    };
    done.set(r.urn, res);
    return res;
  };
  return regs.map(of);
}

/**
 * Every URN the engine would accept as an earlier identity of each resource: its own aliases resolved
 * against its parent (and the parent's earlier URNs), and its own type and name under any earlier URN of
 * its parent (child aliases are inherited).
 */
function aliasUrns(rs: Resource[]): Map<string, string[]> {
  const memo = new Map<string, string[]>();
  const of = (r: Resource): string[] => {
    const known = memo.get(r.urn);
    if (known) return known;
    memo.set(r.urn, []);
    const { stack, project } = parseUrn(r.urn);
    const parentUrns = r.parent ? [r.parent.urn, ...of(r.parent)] : [undefined];
    const out = new Set<string>();
    for (const p of parentUrns.slice(1)) out.add(makeUrn(stack, project, p, r.type, r.name));
    for (const a of r.aliases) {
      if (a.urn) {
        out.add(a.urn);
        continue;
      }
      const parents = a.noParent ? [undefined] : a.parentUrn ? [a.parentUrn] : parentUrns;
      for (const p of parents)
        out.add(makeUrn(a.stack ?? stack, a.project ?? project, p, a.type ?? r.type, a.name ?? r.name));
    }
    out.delete(r.urn);
    const list = [...out].sort();
    memo.set(r.urn, list);
    return list;
  };
  return new Map(rs.map((r) => [r.urn, of(r)]));
}

/** One line per resource: URN, parent's name, and the aliases it carries (sorted). */
function lines(rs: Resource[]): string[] {
  return rs
    .map((r) => {
      const aliases = r.aliases.length > 0 ? ` aliases=${JSON.stringify(r.aliases)}` : "";
      return `${r.urn} parent=${r.parent?.name ?? "-"}${aliases}`;
    })
    .sort();
}

function readSnapshot(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!fs.existsSync(SNAPSHOT)) return out;
  let current: string[] | undefined;
  for (const line of fs.readFileSync(SNAPSHOT, "utf8").split("\n")) {
    const m = /^# stack (\S+?):/.exec(line);
    if (m) out.set(m[1], (current = []));
    else if (line && !line.startsWith("#")) current?.push(line);
  }
  return out;
}

const urnOf = (line: string) => line.split(" ")[0];

const update = process.env.UPDATE_URN_SNAPSHOT === "1";
const snapshot = readSnapshot();
const current = new Map<string, string[]>();

void describe("URN snapshot of every shipped stack", () => {
  for (const stack of STACK_NAMES) {
    void it(`${stack}: same type, name and parent for every resource`, async () => {
      const regs = await runRecorded(stackDocument(stack));
      assert.ok(
        regs.some((r) => r.type === "pipeline-service:index:FailureDomain"),
        "the program ran",
      );
      const rs = resources(regs);
      const now = lines(rs);
      current.set(stack, now);
      if (update) return;
      const before = snapshot.get(stack);
      assert.ok(before, `no snapshot for ${stack}: run with UPDATE_URN_SNAPSHOT=1`);
      const nowSet = new Set(now);
      const beforeSet = new Set(before);
      const aliasOf = new Map<string, string>();
      for (const [urn, olds] of aliasUrns(rs)) for (const old of olds) aliasOf.set(old, urn);
      const removed = before
        .filter((l) => !nowSet.has(l))
        .map((l) => {
          const by = aliasOf.get(urnOf(l));
          return `- ${l}${by ? `\n    (kept by an alias of ${by})` : "\n    (REPLACED or DELETED: no alias)"}`;
        });
      const added = now.filter((l) => !beforeSet.has(l)).map((l) => `+ ${l}`);
      assert.ok(
        removed.length + added.length === 0,
        `${stack}: ${removed.length} gone, ${added.length} new vs ${path.basename(SNAPSHOT)}\n` +
          [...removed, ...added].join("\n"),
      );
    });
  }

  void it("every shipped stack is in the snapshot (and nothing else)", () => {
    if (update) {
      const text = [
        "# URNs each shipped stack registers under mocks (test/unit/urn-snapshot.test.ts); one line per resource:",
        "# URN, parent's name, aliases. Regenerate: UPDATE_URN_SNAPSHOT=1 (only for a deliberate change).",
        ...STACK_NAMES.flatMap((s) => [
          `# stack ${s}: ${current.get(s)?.length ?? 0} resources`,
          ...(current.get(s) ?? []),
        ]),
        "",
      ].join("\n");
      fs.writeFileSync(SNAPSHOT, text);
      return;
    }
    assert.deepEqual([...snapshot.keys()].sort(), STACK_NAMES);
  });
});
