// Random passwords without the @pulumi/random plugin (its Terraform-bridged binary cannot be built
// offline here): a Pulumi dynamic provider. The provider object is serialized into the state by
// closure serialization, so everything it calls lives in this file, requires its modules inside the
// functions, and never touches @pulumi/pulumi. The password exists only in the provider's outputs,
// marked secret; it is never logged and never appears in an error message.
import * as pulumi from "@pulumi/pulumi";

/** The value the engine sends for an input that is not known yet (during preview). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** @default 32 */
export const DEFAULT_PASSWORD_LENGTH = 32;
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 1024;

/**
 * Character classes. Specials leave out what breaks connection strings, shells and RDS
 * (`/ @ " ' \` space and the backtick).
 */
export const PASSWORD_CLASSES = {
  lower: "abcdefghijklmnopqrstuvwxyz",
  upper: "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
  digits: "0123456789",
  special: "!#$%&*()-_=+[]{}<>:?",
} as const;

/** The character classes a password draws from; every one appears at least once. */
export function passwordClasses(special: boolean): string[] {
  const c = PASSWORD_CLASSES;
  return special ? [c.lower, c.upper, c.digits, c.special] : [c.lower, c.upper, c.digits];
}

/** Every character a password may contain. */
export function passwordAlphabet(special: boolean): string {
  return passwordClasses(special).join("");
}

/**
 * A password of `length` characters: one from each class (so complexity rules such as Azure's
 * "three of four classes" always hold), the rest from the whole alphabet, then a Fisher-Yates
 * shuffle. `randomInt(n)` must return a uniform integer in [0, n); crypto.randomInt does, by
 * rejection sampling, so no character is more likely than another (no modulo bias).
 */
export function generatePassword(
  length: number,
  special: boolean,
  randomInt: (maxExclusive: number) => number,
): string {
  const classes = passwordClasses(special);
  if (!Number.isInteger(length) || length < classes.length) {
    throw new Error(`password length must be an integer of at least ${classes.length}`);
  }
  const alphabet = classes.join("");
  const chars: string[] = classes.map((c) => c[randomInt(c.length)]);
  while (chars.length < length) chars.push(alphabet[randomInt(alphabet.length)]);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join("");
}

/** Inputs as the provider sees them (defaults applied by the resource class). */
export interface RandomPasswordInputs {
  length: number;
  special: boolean;
  keepers: Record<string, string>;
}

export interface ProviderCheckFailure {
  property: string;
  reason: string;
}

/** Validates provider inputs; values not known yet (preview) are skipped. */
export function checkPasswordInputs(news: Partial<RandomPasswordInputs>): ProviderCheckFailure[] {
  const failures: ProviderCheckFailure[] = [];
  const length: unknown = news.length;
  if (
    length !== UNKNOWN &&
    (typeof length !== "number" ||
      !Number.isInteger(length) ||
      length < MIN_PASSWORD_LENGTH ||
      length > MAX_PASSWORD_LENGTH)
  ) {
    failures.push({
      property: "length",
      reason: `RandomPassword: length must be an integer from ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH}`,
    });
  }
  const special: unknown = news.special;
  if (special !== UNKNOWN && typeof special !== "boolean") {
    failures.push({ property: "special", reason: "RandomPassword: special must be a boolean" });
  }
  const keepers: unknown = news.keepers;
  if (keepers !== UNKNOWN && (keepers === null || typeof keepers !== "object" || Array.isArray(keepers))) {
    failures.push({ property: "keepers", reason: "RandomPassword: keepers must be a map of strings" });
  }
  return failures;
}

/** JSON with sorted object keys, so two equal values compare equal whatever their key order. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => canonicalJson(x)).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(",")}}`;
  }
  return v === undefined ? "null" : JSON.stringify(v);
}

/**
 * Any input change replaces the password (a new one is generated); nothing else is a change, so
 * a new provider implementation or a re-run never churns it. `olds` are the stored outputs.
 */
export function passwordDiff(
  olds: Partial<RandomPasswordInputs>,
  news: Partial<RandomPasswordInputs>,
): { changes: boolean; replaces: string[]; deleteBeforeReplace: boolean } {
  const replaces: string[] = [];
  if ((olds.length ?? DEFAULT_PASSWORD_LENGTH) !== (news.length ?? DEFAULT_PASSWORD_LENGTH))
    replaces.push("length");
  if ((olds.special ?? false) !== (news.special ?? false)) replaces.push("special");
  if (canonicalJson(olds.keepers ?? {}) !== canonicalJson(news.keepers ?? {})) replaces.push("keepers");
  return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
}

/** The dynamic provider. Self-contained: see the note at the top of the file. */
export const randomPasswordProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: Partial<RandomPasswordInputs>, news: Partial<RandomPasswordInputs>) {
    return { inputs: news, failures: checkPasswordInputs(news) };
  },
  async diff(_id: string, olds: Partial<RandomPasswordInputs>, news: Partial<RandomPasswordInputs>) {
    return passwordDiff(olds, news);
  },
  async create(inputs: RandomPasswordInputs) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- required inside: serialized provider
    const crypto = require("node:crypto") as typeof import("node:crypto");
    const length = inputs.length ?? DEFAULT_PASSWORD_LENGTH;
    const special = inputs.special ?? false;
    const result = generatePassword(length, special, (n) => crypto.randomInt(n));
    return {
      id: crypto.randomBytes(16).toString("hex"),
      outs: { length, special, keepers: inputs.keepers ?? {}, result },
    };
  },
};

export interface RandomPasswordArgs {
  /** Number of characters. @default 32 */
  length?: pulumi.Input<number>;
  /** Include the special characters in PASSWORD_CLASSES.special. @default false */
  special?: pulumi.Input<boolean>;
  /** Arbitrary values; changing any of them generates a new password. @default {} */
  keepers?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * A random password, generated once and kept in the state as a secret. Registers as
 * `pulumi-nodejs:dynamic:Resource`.
 */
export class RandomPassword extends pulumi.dynamic.Resource {
  /** The password (a Pulumi secret). */
  declare readonly result: pulumi.Output<string>;

  constructor(name: string, args: RandomPasswordArgs = {}, opts?: pulumi.CustomResourceOptions) {
    super(
      randomPasswordProvider,
      name,
      {
        length: args.length ?? DEFAULT_PASSWORD_LENGTH,
        special: args.special ?? false,
        keepers: args.keepers ?? {},
        result: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["result"] }),
    );
    // additionalSecretOutputs makes the engine store it as a secret; wrapping here as well keeps it
    // secret in the program before the engine answers, and under mocks (which ignore that option).
    this.result = pulumi.secret(this.result);
  }
}
