/**
 * CRC-32C (Castagnoli), the checksum of record batch v2. Checked on produce so a client bug that corrupts
 * a batch fails loudly here instead of surfacing as an undecodable fetch later.
 */
const CASTAGNOLI_REVERSED = 0x82f63b78;

const TABLE = buildTable();

function buildTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let bit = 0; bit < 8; bit += 1) {
      c = c & 1 ? (c >>> 1) ^ CASTAGNOLI_REVERSED : c >>> 1;
    }
    table[n] = c >>> 0;
  }
  return table;
}

export function crc32c(data: Buffer): number {
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i += 1) {
    crc = TABLE[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}
