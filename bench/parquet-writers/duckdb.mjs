// Writes the first ROWS rows of a JSON Lines snapshot (uuid, lang, text) as Parquet the way DuckDB does: Snappy,
// strings dictionary-encoded where DuckDB chooses, ROW_GROUP_SIZE rows per row group.
//   node duckdb.mjs SNAPSHOT_JSONL OUT_PARQUET ROWS ROW_GROUP_SIZE
import { DuckDBInstance } from '@duckdb/node-api';

const [, , source, target, rows, rowGroupSize] = process.argv;
const quoted = (path) => `'${path.replaceAll("'", "''")}'`;
const db = await DuckDBInstance.create(':memory:');
const connection = await db.connect();
await connection.run(
  `COPY (SELECT uuid, lang, text FROM read_json(${quoted(source)}, format = 'newline_delimited', ` +
  `columns = {uuid: 'VARCHAR', lang: 'VARCHAR', text: 'VARCHAR'}) LIMIT ${Number(rows)}) ` +
  `TO ${quoted(target)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${Number(rowGroupSize)})`);
console.log(`${target}: written by DuckDB`);
