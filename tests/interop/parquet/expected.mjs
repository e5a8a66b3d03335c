// The rows the suite writes, by formula (the same formulas as ParquetInterop/SampleRows.cs).
export const id = (i) => 1000n + 7n * BigInt(i);
export const element = (i, j, dim) => ((i * dim + j) % 1000) / 8 - 50;
export const metadata = (i) => (i % 3 === 0 ? null : `{"row":${i},"tag":"ü-${i % 17}"}`);
export const timestampNs = (i) => 1700000000123456789n + 1000003n * BigInt(i);
export const vector = (i, dim) => Array.from({ length: dim }, (_, j) => element(i, j, dim));

/** Rows worth comparing one by one: the edges of the file and of every row group, and a few inside. */
export function sampleRows(rows, rowGroup) {
  const set = new Set([0, 1, 2, rows - 1, Math.floor(rows / 2)]);
  for (let g = rowGroup; g < rows; g += rowGroup) { set.add(g - 1); set.add(g); }
  for (let k = 0; k < 20; k++) set.add((k * 7919) % rows);
  return [...set].filter((i) => i >= 0 && i < rows).sort((a, b) => a - b);
}

/** DuckDB SQL that builds the same rows as a table (DuckDB writes its own file from it). The low-cardinality
 * variant (100 distinct floats, 17 distinct strings) makes DuckDB write dictionary pages. */
export function duckdbRowsSql(rows, dim, low = false) {
  const meta = low ? `'tag-' || (i % 17)` : `'{"row":' || i || ',"tag":"ü-' || (i % 17) || '"}'`;
  return `SELECT (1000 + 7 * i)::BIGINT AS id,
    list_transform(range(${dim}), j -> (((i * ${dim} + j) % ${low ? 100 : 1000}) / 8 - 50)::FLOAT) AS vector,
    CASE WHEN i % 3 = 0 THEN NULL ELSE ${meta} END AS metadata,
    make_timestamp_ns(1700000000123456789 + 1000003 * i) AS timestamp
    FROM range(${rows}) r(i) ORDER BY i`;
}
