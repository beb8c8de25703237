/**
 * A query compiled once and run with new parameters. Kysely builds and prints the SQL of a query
 * on every execution (a third of a KMS key retrieval's CPU was that, for five one-row reads);
 * for a hot query whose shape never changes, only its parameters do, compiling once is enough.
 * The shape is checked when it is made: the parameters it compiled to must be exactly the sample
 * values, in order, so each new value lands where its sample was.
 * @module
 */
import type { Compilable, CompiledQuery, Kysely } from 'kysely';

export function preparedQuery<Row, Params extends readonly (string | number)[]>(db: Pick<Kysely<unknown>, 'executeQuery'>, build: (...params: Params) => Compilable<Row>, sample: Params): (...params: Params) => Promise<Row[]> {
  const compiled: CompiledQuery<Row> = build(...sample).compile();
  if (compiled.parameters.length !== sample.length || compiled.parameters.some((p, i) => p !== sample[i])) {
    throw new Error(`preparedQuery: the query's parameters are not its sample values in order: ${compiled.sql}`);
  }
  return async (...params) => (await db.executeQuery<Row>({ ...compiled, parameters: params })).rows;
}
