// Writes the first ROWS rows of a JSON Lines snapshot (uuid, lang, text) as Parquet the way arrow-rs does (through
// parquet-wasm): its default pages (at most 1 MB or 20,000 rows, a dictionary of at most 1 MB that falls back to
// PLAIN, as pyarrow writes them), Snappy, ROW_GROUP_SIZE rows per row group.
//   node arrow-rs.mjs SNAPSHOT_JSONL OUT_PARQUET ROWS ROW_GROUP_SIZE
import * as parquet from 'parquet-wasm/node';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import fs from 'node:fs';
import readline from 'node:readline';

const [, , source, target, rows, rowGroupSize] = process.argv;
const uuid = [], lang = [], text = [];
for await (const line of readline.createInterface({ input: fs.createReadStream(source) })) {
  if (uuid.length >= Number(rows)) break;
  const row = JSON.parse(line);
  uuid.push(row.uuid);
  lang.push(row.lang);
  text.push(row.text);
}
const properties = new parquet.WriterPropertiesBuilder()
  .setMaxRowGroupSize(Number(rowGroupSize))
  .setCompression(parquet.Compression.SNAPPY)
  .build();
const table = parquet.Table.fromIPCStream(tableToIPC(tableFromArrays({ uuid, lang, text }), 'stream'));
fs.writeFileSync(target, parquet.writeParquet(table, properties));
console.log(`${target}: written by arrow-rs`);
