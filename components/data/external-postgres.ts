// A Results database the region does not manage: a user's own PostgreSQL server (or, in the local profile,
// the one local/env.sh runs on loopback). Nothing is provisioned; the component carries the connection facts
// in the PostgresDatabase shape, so Results cannot tell it from RDS or Azure PostgreSQL.
import * as pulumi from "@pulumi/pulumi";
import type { PostgresDatabase } from "./postgres";

export const EXTERNAL_POSTGRES_TYPE = "pipeline-service:data:ExternalPostgres";

export interface ExternalPostgresArgs {
  host: string;
  /** @default 5432 */
  port?: number;
  database: string;
  username: string;
  /** Kept a Pulumi secret. */
  password: pulumi.Input<string>;
}

export class ExternalPostgres extends pulumi.ComponentResource implements PostgresDatabase {
  readonly host: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  readonly database: pulumi.Output<string>;
  readonly username: pulumi.Output<string>;
  readonly password: pulumi.Output<string>;

  constructor(name: string, args: ExternalPostgresArgs, opts?: pulumi.ComponentResourceOptions) {
    super(EXTERNAL_POSTGRES_TYPE, name, { host: args.host, database: args.database }, opts);
    this.host = pulumi.output(args.host);
    this.port = pulumi.output(args.port ?? 5432);
    this.database = pulumi.output(args.database);
    this.username = pulumi.output(args.username);
    this.password = pulumi.secret(args.password);
    this.registerOutputs({
      host: this.host,
      port: this.port,
      database: this.database,
      username: this.username,
    });
  }
}
